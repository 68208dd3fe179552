'use strict'
// Bad arguments. A field of the wrong type is reported the platform's way — an Error event
// (TCPSocket, UDPSocket) or fail/complete and a rejected Promise (calls with callbacks) — with
// `parameter error: parameter.X should be T instead of U;`, and the call is not made. An
// argument that is not the documented object or function throws a TypeError. Never a crash.

const assert = require('node:assert/strict')
const { test, after } = require('node:test')
const { createRuntime, testing, Recorder, within } = require('./helpers')

const echo = new testing.TcpEchoServer()
const ws = new testing.WsEchoServer()
const rt = createRuntime()
const { wx, Taro } = rt
after(() => {
  rt.destroy()
  echo.close()
  ws.close()
})

function record (socket) {
  const rec = new Recorder()
  for (const name of ['Connect', 'Listening', 'Message', 'Error', 'Close']) {
    if (socket[`on${name}`]) socket[`on${name}`](rec.on(name.toLowerCase()))
  }
  return rec
}

test('TCPSocket.connect: port as string, address as number, timeout as string → Error, no Close', async () => {
  const tcp = wx.createTCPSocket()
  const rec = record(tcp)
  tcp.connect({ address: '127.0.0.1', port: String(echo.port) })
  tcp.connect({ address: 2130706433, port: echo.port })
  tcp.connect({ address: '127.0.0.1', port: echo.port, timeout: '2' })
  tcp.connect({ address: '127.0.0.1' })
  await rec.waitFor('error', 4)
  assert.deepEqual(rec.events.map(e => [e.arg.errCode, e.arg.errMsg]), [
    [2, 'connect fail: parameter error: parameter.port should be Number instead of String;'],
    [1, 'connect fail: parameter error: parameter.address should be String instead of Number;'],
    [-1, 'connect fail: parameter error: parameter.timeout should be Number instead of String;'],
    [2, 'connect fail: parameter error: parameter.port should be Number instead of Undefined;']
  ])
  // None of them was made: the socket still connects.
  tcp.connect({ address: '127.0.0.1', port: echo.port })
  await rec.waitFor('connect')
  tcp.close()
  await rec.waitFor('close')
  assert.deepEqual(rec.names().slice(4), ['connect', 'close'])
})

test('TCPSocket: a port no connection can use is Error (2), then Close, whichever layer refuses it', async () => {
  for (const port of [70000, 0, 80.5, 2 ** 40, NaN]) {
    const tcp = wx.createTCPSocket()
    const rec = record(tcp)
    tcp.connect({ address: '127.0.0.1', port })
    await rec.waitFor('close')
    assert.deepEqual(rec.names(), ['error', 'close'], `port ${port}`)
    assert.deepEqual(rec.get('error'), { errMsg: `connect fail: invalid port ${port} (must be 1-65535)`, errCode: 2 })
  }
})

test('TypeError for a missing option object, non-data writes, non-function listeners', () => {
  const tcp = wx.createTCPSocket()
  const udp = wx.createUDPSocket()
  assert.throws(() => tcp.connect(), { name: 'TypeError', message: 'connect: parameter error: parameter should be Object instead of Undefined;' })
  assert.throws(() => tcp.connect('127.0.0.1:80'), TypeError)
  assert.throws(() => tcp.write(42), { name: 'TypeError', message: 'write: parameter error: parameter.data should be String/ArrayBuffer instead of Number;' })
  assert.throws(() => tcp.write(new Uint8Array([120])), /instead of Uint8Array/) // ArrayBuffer only, as documented
  assert.throws(() => tcp.write(new DataView(new ArrayBuffer(1))), TypeError)
  assert.throws(() => tcp.write(), TypeError)
  assert.throws(() => tcp.onMessage('not a function'), { name: 'TypeError', message: 'onMessage: parameter error: parameter.listener should be Function instead of String;' })
  assert.throws(() => tcp.offMessage(null), TypeError)
  assert.throws(() => tcp.bindWifi(), TypeError)
  assert.throws(() => udp.send(), TypeError)
  assert.throws(() => udp.connect(null), TypeError)
  assert.throws(() => wx.createTCPSocket('ipv4'), TypeError)
  assert.throws(() => wx.connectSocket(), TypeError)
  assert.throws(() => wx.connectSocket('ws://x'), TypeError)
  assert.throws(() => wx.sendSocketMessage(), TypeError)
  assert.throws(() => wx.onSocketOpen(), TypeError)
  assert.throws(() => wx.offSocketOpen(1), TypeError)
  tcp.close()
  udp.close()
})

test('UDPSocket: wrong field types → one Error each, the call not made; bind/setTTL too', async () => {
  const udp = wx.createUDPSocket()
  const rec = record(udp)
  udp.send({ address: '127.0.0.1', port: '9', message: 'x' })
  udp.send({ address: null, port: 9, message: 'x' })
  udp.send({ address: '127.0.0.1', port: 9, message: 42 })
  udp.send({ address: '127.0.0.1', port: 9, message: new ArrayBuffer(4), offset: '1' })
  udp.send({ address: '127.0.0.1', port: 9, message: 'x', setBroadcast: 'yes' })
  udp.send({ address: '127.0.0.1', port: 9 }) // the WeChat shape without its message
  assert.equal(udp.bind('9000'), 0)
  udp.setTTL('64')
  await rec.waitFor('error', 8)
  assert.deepEqual(rec.events.map(e => [e.arg.errCode, e.arg.errMsg]), [
    [2, 'send fail: parameter error: parameter.port should be Number instead of String;'],
    [1, 'send fail: parameter error: parameter.address should be String instead of Null;'],
    [-1, 'send fail: parameter error: parameter.message should be String/ArrayBuffer instead of Number;'],
    [-1, 'send fail: parameter error: parameter.offset should be Number instead of String;'],
    [-1, 'send fail: parameter error: parameter.setBroadcast should be Boolean instead of String;'],
    [-1, 'send fail: parameter error: parameter.message should be String/ArrayBuffer instead of Undefined;'],
    [2, 'bind fail: parameter error: parameter.port should be Number instead of String;'],
    [-1, 'setTTL fail: parameter error: parameter.ttl should be Number instead of String;']
  ])
  assert.equal(rec.count('listening'), 0, 'nothing was bound')
  // minisock's own checks of values: offset beyond the message.
  udp.send({ address: '127.0.0.1', port: 9, message: new ArrayBuffer(4), offset: 5 })
  await rec.waitFor('error', 9)
  assert.match(rec.get('error', 8).errMsg, /^send fail: invalid offset 5/)
  udp.close()
  await rec.waitFor('close')
})

test('connectSocket without url: fail/complete with errno 600009, then Error and Close 1006', async () => {
  const rec = new Recorder()
  const task = wx.connectSocket({ fail: rec.on('fail'), complete: rec.on('complete') })
  for (const name of ['Open', 'Error', 'Close']) task[`on${name}`](rec.on(name.toLowerCase()))
  assert.equal(typeof task.send, 'function')
  await rec.waitFor('close')
  const errMsg = 'connectSocket:fail parameter error: parameter.url should be String instead of Undefined;'
  assert.deepEqual(rec.names(), ['fail', 'complete', 'error', 'close'])
  assert.deepEqual(rec.get('fail'), { errMsg, errno: 600009 })
  assert.deepEqual(rec.get('error'), { errMsg, errCode: 1, errno: 600009 })
  assert.deepEqual(rec.get('close'), { code: 1006, reason: '' })
  assert.equal(task.readyState, task.CLOSED)
  // Its calls fail the platform's way.
  const late = await new Promise(resolve => task.send({ data: 'x', fail: resolve }))
  assert.equal(late.errMsg, 'sendSocketMessage:fail webSocket is not connected')
})

test('connectSocket option fields of the wrong type: fail (Taro: rejected Promise)', async () => {
  const url = `ws://127.0.0.1:${ws.port}/`
  const cases = [
    [{ url: 42 }, 'parameter.url should be String instead of Number;'],
    [{ url, header: 'content-type: x' }, 'parameter.header should be Object instead of String;'],
    [{ url, header: { a: {} } }, 'parameter.header.a should be String instead of Object;'],
    [{ url, protocols: 'chat' }, 'parameter.protocols should be Array instead of String;'],
    [{ url, protocols: ['chat', 1] }, 'parameter.protocols[1] should be String instead of Number;'],
    [{ url, tcpNoDelay: 1 }, 'parameter.tcpNoDelay should be Boolean instead of Number;'],
    [{ url, perMessageDeflate: 'yes' }, 'parameter.perMessageDeflate should be Boolean instead of String;'],
    [{ url, timeout: '1000' }, 'parameter.timeout should be Number instead of String;'],
    [{ url, method: 1 }, 'parameter.method should be String instead of Number;']
  ]
  for (const [option, problem] of cases) {
    const rejection = await within(Taro.connectSocket(option).then(() => null, e => e), 'a rejection')
    assert.equal(rejection?.errMsg, `connectSocket:fail parameter error: ${problem}`)
  }
  // Taro.connectSocket() with no option at all: rejected like a missing url.
  const none = await within(Taro.connectSocket().then(() => null, e => e), 'a rejection')
  assert.match(none.errMsg, /parameter\.url should be String instead of Undefined/)
  // minisock's own checks: Referer is refused.
  const referer = await within(Taro.connectSocket({ url, header: { Referer: 'x' } }).then(() => null, e => e), 'rejection')
  assert.match(referer.errMsg, /^connectSocket:fail .*Referer/)
  // A field longer than a request may carry (Beast keeps 16 bits) is refused naming it and the
  // limit, before anything is sent (it used to end the process, or wait for the timeout).
  const big = await within(Taro.connectSocket({ url, header: { 'X-Big': 'v'.repeat(70000) } }).then(() => null, e => e), 'rejection')
  assert.equal(big?.errMsg, "connectSocket:fail header 'X-Big' has a value of 70000 bytes (at most 65533 bytes: SocketTask::kMaxRequestFieldBytes)")
  const offers = await within(Taro.connectSocket({ url, protocols: ['a'.repeat(40000), 'b'.repeat(40000)] }).then(() => null, e => e), 'rejection')
  assert.match(offers?.errMsg ?? '', /^connectSocket:fail protocols take 80002 bytes .*at most 65533 bytes/)
})

test('connectSocket: perMessageDeflate given as an object (the options of socket.io-client) offers the extension', async () => {
  const url = `ws://127.0.0.1:${ws.port}/`
  const task = await within(Taro.connectSocket({ url, perMessageDeflate: { threshold: 1024 } }), 'task')
  const rec = new Recorder()
  task.onOpen(rec.on('open'))
  task.onClose(rec.on('close'))
  await rec.waitFor('open')
  const offer = ws.stats.lastRequestHeaders.find(([k]) => k.toLowerCase() === 'sec-websocket-extensions')
  assert.match(offer?.[1] ?? '', /permessage-deflate/)
  task.close({})
  await rec.waitFor('close')
})

test('connectSocket reads protocols by index: a Proxy around an array of strings is accepted', async () => {
  const url = `ws://127.0.0.1:${ws.port}/`
  const protocols = new Proxy(['chat'], {
    get (target, key) { return typeof target[key] === 'function' ? undefined : target[key] }
  })
  const task = await within(Taro.connectSocket({ url, protocols }), 'task')
  const rec = new Recorder()
  task.onOpen(rec.on('open'))
  task.onError(rec.on('error'))
  task.onClose(rec.on('close'))
  // The offer reached the server (which picks none: the task opens); it used to throw
  // "protocols.findIndex is not a function".
  await rec.waitFor('open')
  assert.deepEqual(rec.names(), ['open'])
  task.close({})
  await rec.waitFor('close')
})

test('send/close option fields of the wrong type: fail with the parameter error', async () => {
  const url = `ws://127.0.0.1:${ws.port}/`
  const task = await within(Taro.connectSocket({ url }), 'task')
  const opened = new Promise(resolve => task.onOpen(resolve))
  await within(opened, 'open')
  const results = []
  for (const option of [{ data: 42 }, { data: null }, { data: new Uint8Array(2) }, { data: [1, 2] }]) {
    results.push(await new Promise(resolve => task.send({ ...option, fail: resolve, success: resolve })))
  }
  assert.deepEqual(results.map(r => r.errMsg), [
    'sendSocketMessage:fail parameter error: parameter.data should be String/ArrayBuffer instead of Number;',
    'sendSocketMessage:fail parameter error: parameter.data should be String/ArrayBuffer instead of Null;',
    'sendSocketMessage:fail parameter error: parameter.data should be String/ArrayBuffer instead of Uint8Array;',
    'sendSocketMessage:fail parameter error: parameter.data should be String/ArrayBuffer instead of Array;'
  ])
  const closeResults = []
  for (const option of [{ code: '1000' }, { code: 1000.5 }, { reason: 7 }]) {
    closeResults.push(await new Promise(resolve => task.close({ ...option, fail: resolve, success: resolve })))
  }
  assert.deepEqual(closeResults.map(r => r.errMsg), [
    'closeSocket:fail parameter error: parameter.code should be Number instead of String;',
    'closeSocket:fail The code must be either 1000, or between 3000 and 4999. 1000.5 is neither.',
    'closeSocket:fail parameter error: parameter.reason should be String instead of Number;'
  ])
  assert.equal(task.readyState, task.OPEN)
  const closed = new Promise(resolve => task.onClose(resolve))
  task.close()
  await within(closed, 'close')
})

test('anything at all, to every call: returns, throws a JavaScript error, or reports — never a crash', async () => {
  const values = [undefined, null, 0, -1, 1.5, NaN, Infinity, -0, 2 ** 53, '', 'x', '\u0000', '\ud800',
    true, {}, [], [1], Symbol('s'), 10n, () => {}, new ArrayBuffer(3), new Uint8Array(3),
    new Proxy({}, { get () { throw new Error('trap') } }), Object.create(null),
    { address: {}, port: {}, message: {}, url: {}, data: {}, code: {}, reason: {}, BSSID: {} }]
  const g = createRuntime({ policy: 'unrestricted' })
  try {
    const tcp = g.wx.createTCPSocket()
    const udp = g.wx.createUDPSocket()
    const task = g.wx.connectSocket({ url: `ws://127.0.0.1:${ws.port}/` })
    const calls = [
      v => tcp.connect(v), v => tcp.write(v), v => tcp.bindWifi(v), v => tcp.onMessage(v), v => tcp.offMessage(v),
      v => udp.bind(v), v => udp.send(v), v => udp.connect(v), v => udp.write(v), v => udp.setTTL(v),
      v => task.send(v), v => task.close(v), v => task.onOpen(v), v => task.offClose(v),
      v => g.wx.createTCPSocket(v).close(), v => g.wx.createUDPSocket(v).close(), v => g.wx.connectSocket(v),
      v => g.wx.sendSocketMessage(v)?.catch(() => {}), v => g.wx.closeSocket(v)?.catch(() => {}),
      v => g.Taro.connectSocket(v).catch(() => {}), v => g.Taro.sendSocketMessage(v).catch(() => {}),
      v => g.wx.onSocketError(v), v => g.wx.offSocketError(v),
      v => g.wx.connectSocket({ url: v }),
      // minisock's extensions: heartbeat, onDrain/offDrain, the network settings.
      v => g.wx.connectSocket({ url: `ws://127.0.0.1:${ws.port}/`, heartbeat: v }),
      v => tcp.onDrain(v), v => tcp.offDrain(v),
      v => createRuntime({ network: v }).destroy(),
      v => createRuntime({ network: { proxy: v } }).destroy(),
      v => createRuntime({ network: { noProxy: v } }).destroy(),
      v => createRuntime({ network: { noProxy: [v] } }).destroy()
    ]
    let threw = 0
    for (const call of calls) {
      for (const v of values) {
        try {
          call(v)
        } catch (error) {
          threw++
          assert.ok(error instanceof Error, `a JavaScript error: ${String(error)}`)
        }
      }
    }
    assert.ok(threw > 0)
    // The process (and its runtime) still works.
    const rec = record(tcp)
    tcp.close()
    await rec.waitFor('close')
  } finally {
    g.destroy()
  }
})

test('createRuntime: bad policies throw a TypeError', () => {
  assert.throws(() => createRuntime({ policy: 'lenient' }), TypeError)
  assert.throws(() => createRuntime({ policy: { maxWebSockets: -1 } }), TypeError)
  assert.throws(() => createRuntime({ policy: { blockedTCPPorts: [70000] } }), TypeError)
  assert.throws(() => createRuntime({ policy: { noSuchField: true } }), /unknown policy field 'noSuchField'/)
  assert.throws(() => createRuntime({ policy: { base: 'strict' } }), TypeError)
  assert.throws(() => createRuntime('release'), TypeError)
})
