'use strict'
// The seed examples, run as written against loopback servers this file starts: only the
// addresses change ('192.168.193.2':8848, ws://echo.websocket.org/echo, wss://example.qq.com,
// test.php). Every event they cause is checked.

const assert = require('node:assert/strict')
const { test, after } = require('node:test')
const {
  wx, Taro, createRuntime, testing, Recorder, within, runSeed, recordingConsole, fence,
  makeCertificate, text
} = require('./helpers')
const seeds = require('./seeds')

const tcpServer = new testing.TcpEchoServer()
const wsServer = new testing.WsEchoServer()
const tcpAddress = [["'192.168.193.2'", "'127.0.0.1'"], ['8848', String(tcpServer.port)]]
const wsUrl = `ws://127.0.0.1:${wsServer.port}/echo`

after(() => {
  tcpServer.close()
  wsServer.close()
})

// wx/Taro as the seeds see them, recording the sockets they create.
function spying (api) {
  const created = []
  const spy = {
    ...api,
    createTCPSocket (...args) {
      const socket = api.createTCPSocket(...args)
      created.push(socket)
      return socket
    },
    connectSocket (...args) {
      const result = api.connectSocket(...args)
      created.push(result)
      return result
    }
  }
  return { spy, created }
}

function recordTcp (tcp) {
  const rec = new Recorder()
  for (const name of ['Connect', 'Message', 'Error', 'Close', 'BindWifi']) {
    tcp[`on${name}`](rec.on(name.toLowerCase()))
  }
  return rec
}

test('000: Taro TCPSocket.connect to the echo server, then close: Connect, Close', async () => {
  const { spy, created } = spying(Taro)
  runSeed(seeds.taroTcpConnect, { Taro: spy }, tcpAddress)
  const [tcp] = created
  const rec = recordTcp(tcp)
  await rec.waitFor('connect')
  tcp.close()
  await rec.waitFor('close')
  await fence(tcp, rec)
  assert.deepEqual(rec.names(), ['connect', 'close'])
  assert.deepEqual(rec.get('connect'), {})
})

test('000: Taro TCPSocket.write before connect: one Error (-1), the socket stays usable', async () => {
  const { spy, created } = spying(Taro)
  runSeed(seeds.taroTcpWrite, { Taro: spy })
  const [tcp] = created
  const rec = recordTcp(tcp)
  await rec.waitFor('error')
  assert.deepEqual(rec.get('error'), {
    errMsg: 'write fail: socket is not connected (call connect() first)',
    errCode: -1
  })
  tcp.connect({ address: '127.0.0.1', port: tcpServer.port })
  await rec.waitFor('connect')
  tcp.write('hello, how are you')
  await rec.waitFor('message')
  assert.equal(text(rec.get('message').message), 'hello, how are you')
  tcp.close()
  await rec.waitFor('close')
  assert.deepEqual(rec.names(), ['error', 'connect', 'message', 'close'])
})

test('000 and 001: TCPSocket.close without connect: Close, once', async () => {
  for (const [seed, api] of [[seeds.taroTcpClose, { Taro }], [seeds.wxClose, { wx }]]) {
    const name = Object.keys(api)[0]
    const { spy, created } = spying(api[name])
    runSeed(seed, { [name]: spy })
    const [tcp] = created
    const rec = recordTcp(tcp)
    await rec.waitFor('close')
    await fence(tcp, rec)
    assert.deepEqual(rec.names(), ['close'])
  }
})

test('001: bindWifi with BSSID xxx: Error errCode 3, onBindWifi never fires', async () => {
  const { spy, created } = spying(wx)
  runSeed(seeds.wxBindWifi, { wx: spy })
  const [tcp] = created
  const rec = recordTcp(tcp)
  await rec.waitFor('error')
  await fence(tcp, rec)
  assert.deepEqual(rec.names(), ['error'])
  assert.equal(rec.get('error').errCode, 3)
  assert.match(rec.get('error').errMsg, /^bindWifi fail: invalid BSSID 'xxx'/)
  tcp.close()
  await rec.waitFor('close')
})

test('001: wx connect to the echo server; write before connecting is an Error', async () => {
  const { spy, created } = spying(wx)
  runSeed(seeds.wxConnect, { wx: spy }, tcpAddress)
  runSeed(seeds.wxWrite, { wx: spy })
  const [connected, unconnected] = created
  const a = recordTcp(connected)
  const b = recordTcp(unconnected)
  await a.waitFor('connect')
  await b.waitFor('error')
  assert.equal(b.get('error').errMsg, 'write fail: socket is not connected (call connect() first)')
  connected.close()
  unconnected.close()
  await a.waitFor('close')
  await b.waitFor('close')
  assert.deepEqual(a.names(), ['connect', 'close'])
  assert.deepEqual(b.names(), ['error', 'close'])
})

test('001: offX(listener) with the same function object: the listener never runs', async () => {
  const console = recordingConsole()
  const TCPSocket = wx.createTCPSocket()
  for (const seed of [seeds.wxOffConnect, seeds.wxOffError, seeds.wxOffMessage, seeds.wxOffBindWifi]) {
    runSeed(seed, { TCPSocket, console })
  }
  const rec = recordTcp(TCPSocket)
  TCPSocket.connect({ address: '127.0.0.1', port: tcpServer.port })
  await rec.waitFor('connect')
  TCPSocket.write('echo me')
  await rec.waitFor('message')
  TCPSocket.bindWifi({ BSSID: 'xxx' })
  await rec.waitFor('error')
  TCPSocket.close()
  await rec.waitFor('close')
  assert.deepEqual(console.lines, [], 'the removed listeners were not called')
  assert.deepEqual(rec.names(), ['connect', 'message', 'error', 'close'])
})

test('003/004: Taro.connectSocket(...).then(task => …) against the echo server', async () => {
  const console = recordingConsole()
  runSeed(seeds.taroConnectSocket, { Taro, console }, [['ws://echo.websocket.org/echo', wsUrl]])
  await console.waitForLines(4)
  assert.deepEqual(console.lines, [
    ['connect success'],
    ['onOpen'],
    ['onMessage: ', { data: 'xxx' }],
    ['onClose: ', { code: 1000, reason: '' }]
  ])
})

test('004: header and protocols (wss, with the test CA): the server sees both', async () => {
  const tls = makeCertificate()
  const server = new testing.WsEchoServer({ cert: tls.cert, key: tls.key })
  const rt = createRuntime({ policy: { caFile: tls.cert } })
  try {
    const { spy, created } = spying(rt.Taro)
    runSeed(seeds.taroConnectSocketHeader, { Taro: spy },
      [['wss://example.qq.com', `wss://localhost:${server.port}`]])
    const task = await within(created[0], 'the task')
    assert.equal(task.errMsg, 'connectSocket:ok')
    const rec = new Recorder()
    task.onOpen(rec.on('open'))
    task.onClose(rec.on('close'))
    task.onError(rec.on('error'))
    await rec.waitFor('open')
    assert.equal(rec.get('open').protocol, 'protocol1')
    assert.equal(rec.get('open').header['Sec-WebSocket-Protocol'], 'protocol1')
    const headers = server.stats.lastRequestHeaders
    assert.ok(headers.some(([k, v]) => k === 'content-type' && v === 'application/json'))
    assert.ok(headers.some(([k, v]) => k === 'Sec-WebSocket-Protocol' && v === 'protocol1'))
    task.close({ code: 3000, reason: 'done' })
    await rec.waitFor('close')
    assert.deepEqual(rec.names(), ['open', 'close'])
    assert.equal(rec.get('close').code, 3000)
    assert.equal(rt.socketCount(), 0)
  } finally {
    rt.destroy()
    server.close()
    tls.remove()
  }
})

test('wx.closeSocket example: closes once open; onSocketClose runs', async () => {
  const rt = createRuntime()
  const console = recordingConsole()
  try {
    runSeed(seeds.wxCloseSocket, { wx: rt.wx, console }, [["'test.php'", `'${wsUrl}'`]])
    await console.waitForLines(1)
    assert.deepEqual(console.lines, [['WebSocket 已关闭！']])
  } finally {
    rt.destroy()
  }
})

test('wx.sendSocketMessage example: queued before open, sent after; both echoed', async () => {
  const rt = createRuntime()
  try {
    const rec = new Recorder()
    rt.wx.onSocketMessage(rec.on('message'))
    const send = runSeed(seeds.wxSendSocketMessage, { wx: rt.wx }, [["'test.php'", `'${wsUrl}'`]])
    send('queued before open')
    rt.wx.onSocketOpen(() => send('sent after open'))
    await rec.waitFor('message', 2)
    assert.deepEqual(rec.events.map(e => e.arg.data), ['queued before open', 'sent after open'])
    rt.wx.onSocketClose(rec.on('close'))
    await rt.wx.closeSocket()
    await rec.waitFor('close')
    assert.deepEqual(rec.get('close'), { code: 1000, reason: '' })
  } finally {
    rt.destroy()
  }
})
