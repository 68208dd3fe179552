'use strict'
// createRuntime({ network: { proxy, noProxy } }) (minisock's extension, NetworkOptions): TCP
// and ws through real proxies started here on free loopback ports — microsocks (SOCKS5, with
// and without a password) and tinyproxy (HTTP CONNECT) — a proxy that refuses (a Node net
// server answering 403), one that is not there, the no-proxy list, and bad settings.

const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const { test, after } = require('node:test')
const { createRuntime, testing, Recorder, within, bytes, freePort, startServerProcess, makeCertificate } = require('./helpers')

const tcpEcho = new testing.TcpEchoServer()
const wsEcho = new testing.WsEchoServer()
const udpEcho = new testing.UdpEchoServer()
after(() => {
  tcpEcho.close()
  wsEcho.close()
  udpEcho.close()
})

async function microsocks (credentials) {
  const port = await freePort()
  const args = ['-i', '127.0.0.1', '-p', String(port)]
  if (credentials) args.push('-u', credentials.user, '-P', credentials.password)
  const server = await startServerProcess('microsocks', args, port)
  return { ...server, url: `socks5://127.0.0.1:${port}` }
}

async function tinyproxy (credentials) {
  const port = await freePort()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minisock-node-tinyproxy-'))
  const conf = path.join(dir, 'tinyproxy.conf')
  // No ConnectPort line: CONNECT to every port. No Allow line: every client.
  let text = `Port ${port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 16\nLogLevel Info\n`
  if (credentials) text += `BasicAuth ${credentials.user} ${credentials.password}\n`
  fs.writeFileSync(conf, text)
  const server = await startServerProcess('tinyproxy', ['-d', '-c', conf], port)
  return {
    ...server,
    url: `http://127.0.0.1:${port}`,
    /** The CONNECT requests for `target` ("host:port") tinyproxy has logged (one per tunnel asked for). */
    tunnelsTo: target => server.log().split('\n').filter(l => l.includes(`): CONNECT ${target} HTTP/`)).length,
    async stop () {
      await server.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** An HTTP proxy that answers every CONNECT with 403: {url, port, accepted(), requests, close()}. */
function refusingProxy () {
  return new Promise(resolve => {
    let accepted = 0
    const requests = []
    const server = net.createServer(socket => {
      accepted++
      let head = ''
      socket.on('error', () => {})
      socket.on('data', chunk => {
        head += chunk.toString('latin1')
        if (!head.includes('\r\n\r\n')) return
        requests.push(head)
        socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n')
      })
    })
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      resolve({ url: `http://127.0.0.1:${port}`, port, requests, accepted: () => accepted, close: () => server.close() })
    })
  })
}

/** Resolves once `check()` is true, polling every 10 ms (tinyproxy's log arrives through a pipe); fails after `ms`. */
async function eventually (check, what, ms = 5000) {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

function record (socket, names) {
  const rec = new Recorder()
  for (const name of names) socket[`on${name}`](rec.on(name.toLowerCase()))
  return rec
}

const TCP_EVENTS = ['Connect', 'Message', 'Error', 'Close']
const WS_EVENTS = ['Open', 'Message', 'Error', 'Close']

/** TCP echo through the runtime: byte-exact; returns the first message's remoteInfo. */
async function tcpEchoThrough (rt, port = tcpEcho.port) {
  const tcp = rt.wx.createTCPSocket()
  const rec = record(tcp, TCP_EVENTS)
  tcp.connect({ address: '127.0.0.1', port })
  const data = crypto.randomBytes(256 << 10)
  tcp.write(data.buffer.slice(data.byteOffset, data.byteOffset + data.length))
  const total = () => rec.events.filter(e => e.name === 'message').reduce((n, e) => n + e.arg.message.byteLength, 0)
  await rec.until(() => total() >= data.length, `${data.length} bytes echoed`)
  const got = Buffer.concat(rec.events.filter(e => e.name === 'message').map(e => Buffer.from(e.arg.message)))
  assert.ok(got.equals(data), 'the echo is byte-exact')
  tcp.close()
  await rec.waitFor('close')
  assert.deepEqual(rec.names().filter(n => n !== 'message'), ['connect', 'close'])
  return rec.get('message').remoteInfo
}

/** Opens a task through the runtime and checks a text and a binary echo; returns it open. */
async function wsEchoThrough (rt, url = `ws://127.0.0.1:${wsEcho.port}/`) {
  const task = rt.wx.connectSocket({ url })
  const rec = record(task, WS_EVENTS)
  await rec.waitFor('open')
  const binary = crypto.randomBytes(100 << 10)
  task.send({ data: 'through the tunnel' })
  task.send({ data: binary.buffer.slice(binary.byteOffset, binary.byteOffset + binary.length) })
  await rec.waitFor('message', 2)
  assert.equal(rec.get('message', 0).data, 'through the tunnel')
  assert.deepEqual(bytes(rec.get('message', 1).data), Array.from(binary))
  return { task, rec }
}

test('SOCKS5 (microsocks): TCP byte-exact, remoteInfo is the proxy; ws echo; the tunnel ends with the proxy', async () => {
  const proxy = await microsocks()
  const rt = createRuntime({ network: { proxy: proxy.url } })
  try {
    const remote = await tcpEchoThrough(rt)
    // A proxied socket is connected to the proxy (README: remoteInfo is the proxy's address).
    assert.deepEqual({ address: remote.address, port: remote.port }, { address: '127.0.0.1', port: proxy.port })
    const { task, rec } = await wsEchoThrough(rt)
    // The task's bytes go through microsocks: when it dies, so does the connection.
    proxy.child.kill('SIGKILL')
    await rec.waitFor('close')
    assert.deepEqual(rec.names().filter(n => n !== 'message'), ['open', 'error', 'close'])
    assert.equal(rec.get('close').code, 1006)
    assert.equal(task.readyState, task.CLOSED)
  } finally {
    rt.destroy()
    await proxy.stop()
  }
})

test('SOCKS5 with a user name and password: accepted; a wrong password is named, never shown', async () => {
  const proxy = await microsocks({ user: 'alice', password: 's3cret' })
  const good = createRuntime({ network: { proxy: `socks5://alice:s3cret@127.0.0.1:${proxy.port}` } })
  const bad = createRuntime({ network: { proxy: `socks5://alice:wr0ng@127.0.0.1:${proxy.port}` } })
  try {
    await tcpEchoThrough(good)
    const { task, rec } = await wsEchoThrough(good)
    task.close()
    await rec.waitFor('close')
    assert.equal(rec.get('close').code, 1000)
    const tcp = bad.wx.createTCPSocket()
    const badRec = record(tcp, TCP_EVENTS)
    tcp.connect({ address: '127.0.0.1', port: tcpEcho.port })
    await badRec.waitFor('close')
    assert.deepEqual(badRec.names(), ['error', 'close'])
    const { errMsg } = badRec.get('error')
    assert.match(errMsg, /rejected the user name and password/)
    assert.ok(errMsg.includes(`socks5://127.0.0.1:${proxy.port}`), errMsg)
    assert.ok(!errMsg.includes('wr0ng') && !errMsg.includes('alice'), errMsg)
  } finally {
    good.destroy()
    bad.destroy()
    await proxy.stop()
  }
})

test('HTTP CONNECT (tinyproxy): TCP byte-exact and ws echo', async () => {
  const proxy = await tinyproxy()
  const rt = createRuntime({ network: { proxy: proxy.url } })
  try {
    const remote = await tcpEchoThrough(rt)
    assert.equal(remote.port, proxy.port)
    const { task, rec } = await wsEchoThrough(rt)
    await eventually(() => proxy.tunnelsTo(`127.0.0.1:${wsEcho.port}`) === 1, `one CONNECT in tinyproxy's log: ${proxy.log()}`)
    task.close({ code: 4000, reason: 'bye' })
    await rec.waitFor('close')
    assert.deepEqual(rec.get('close'), { code: 4000, reason: '' }) // Beast echoes the code only
  } finally {
    rt.destroy()
    await proxy.stop()
  }
})

test('wss through an HTTP proxy with Basic credentials: TLS to the real host through the tunnel; without them, 407', async () => {
  const proxy = await tinyproxy({ user: 'alice', password: 's3cret' })
  const tls = makeCertificate() // for localhost, trusted below as caPem
  const secure = new testing.WsEchoServer({ cert: tls.cert, key: tls.key })
  const caPem = fs.readFileSync(tls.cert, 'utf8')
  const rt = createRuntime({ network: { proxy: `http://alice:s3cret@127.0.0.1:${proxy.port}`, caPem } })
  const anonymous = createRuntime({ network: { proxy: proxy.url, caPem } })
  try {
    const url = `wss://localhost:${secure.port}/`
    const { task, rec } = await wsEchoThrough(rt, url)
    await eventually(() => proxy.tunnelsTo(`localhost:${secure.port}`) === 1, `one CONNECT in tinyproxy's log: ${proxy.log()}`)
    task.close()
    await rec.waitFor('close')
    assert.equal(rec.get('close').code, 1000)
    const refused = anonymous.wx.connectSocket({ url })
    const refusedRec = record(refused, WS_EVENTS)
    await refusedRec.waitFor('close')
    assert.deepEqual(refusedRec.names(), ['error', 'close'])
    assert.match(refusedRec.get('error').errMsg, /HTTP status 407.*wants credentials/)
  } finally {
    rt.destroy()
    anonymous.destroy()
    secure.close()
    tls.remove()
    await proxy.stop()
  }
})

test("a proxy's refusal names the proxy and what it said; noProxy destinations go direct", async () => {
  const proxy = await refusingProxy()
  const rt = createRuntime({ network: { proxy: proxy.url } })
  const direct = createRuntime({ network: { proxy: proxy.url, noProxy: ['example.com', '127.0.0.0/8'] } })
  try {
    const tcp = rt.wx.createTCPSocket()
    const rec = record(tcp, TCP_EVENTS)
    tcp.connect({ address: '127.0.0.1', port: tcpEcho.port })
    await rec.waitFor('close')
    assert.deepEqual(rec.names(), ['error', 'close'])
    assert.equal(rec.get('error').errMsg,
      `connect fail: proxy ${proxy.url} refused the tunnel to 127.0.0.1:${tcpEcho.port}: HTTP status 403 Forbidden`)
    const failed = await within(rt.Taro.connectSocket({ url: `ws://localhost:${wsEcho.port}/chat` })
      .then(task => new Promise(resolve => task.onError(resolve))), 'the task\'s Error')
    assert.equal(failed.errMsg,
      `connectSocket:fail proxy ${proxy.url} refused the tunnel to localhost:${wsEcho.port}: HTTP status 403 Forbidden`)
    assert.equal(proxy.accepted(), 2)
    assert.ok(proxy.requests[1].startsWith(`CONNECT localhost:${wsEcho.port} HTTP/1.1\r\n`), proxy.requests[1])
    // Listed in noProxy: straight to the destination, the proxy never contacted.
    const remote = await tcpEchoThrough(direct)
    assert.equal(remote.port, tcpEcho.port)
    const { task, rec: wsRec } = await wsEchoThrough(direct)
    task.close()
    await wsRec.waitFor('close')
    assert.equal(proxy.accepted(), 2)
    // UDP is never proxied.
    const udp = rt.wx.createUDPSocket()
    const udpRec = record(udp, ['Message', 'Error', 'Close'])
    udp.bind()
    udp.send({ address: '127.0.0.1', port: udpEcho.port, message: 'direct' })
    await udpRec.waitFor('message')
    assert.equal(Buffer.from(udpRec.get('message').message).toString(), 'direct')
    udp.close()
    await udpRec.waitFor('close')
    assert.equal(proxy.accepted(), 2)
  } finally {
    rt.destroy()
    direct.destroy()
    proxy.close()
  }
})

test('a proxy that is not there: Error naming it with the errno, for TCP and ws', async () => {
  const port = await freePort()
  const url = `socks5://127.0.0.1:${port}`
  const rt = createRuntime({ network: { proxy: url } })
  try {
    const tcp = rt.wx.createTCPSocket()
    const rec = record(tcp, TCP_EVENTS)
    tcp.connect({ address: '127.0.0.1', port: tcpEcho.port })
    await rec.waitFor('close')
    assert.deepEqual(rec.get('error'), {
      errMsg: `connect to proxy ${url} fail: errno:111 errmsg:Connection refused`, errCode: -2, errno: 111
    })
    const task = rt.wx.connectSocket({ url: `ws://127.0.0.1:${wsEcho.port}/` })
    const wsRec = record(task, WS_EVENTS)
    await wsRec.waitFor('close')
    assert.deepEqual(wsRec.names(), ['error', 'close'])
    assert.match(wsRec.get('error').errMsg, new RegExp(`^connectSocket:fail .*proxy ${url}.*Connection refused`))
    assert.equal(wsRec.get('close').code, 1006)
  } finally {
    rt.destroy()
  }
})

test('bad network settings: createRuntime throws a TypeError naming the problem, never the credentials', () => {
  const refused = [
    [{ proxy: 'ftp://127.0.0.1:21' }, "createRuntime: network.proxy: the proxy URL is not valid: unknown scheme 'ftp'"],
    [{ proxy: 'https://127.0.0.1:3128' }, 'https:// proxies (TLS to the proxy itself) are not supported'],
    [{ proxy: 'http://127.0.0.1:99999' }, "invalid port '99999'"],
    [{ proxy: 'http://:8080' }, 'no host'],
    [{ proxy: 'socks5://u:p@127.0.0.1:1080/path' }, 'no path'],
    [{ proxy: 'http://user:bad%zzpass@127.0.0.1:1' }, 'malformed percent-encoding'],
    [{ proxy: 'http://127.0.0.1:3128', noProxy: ['localhost', '10.0.0.0/33'] },
      "createRuntime: network.noProxy[1]: the no-proxy list: the address block '10.0.0.0/33' has an invalid prefix length"],
    [{ noProxy: [''] }, 'network.noProxy[0]: the no-proxy list has an empty entry'],
    [{ proxy: 1080 }, 'createRuntime: network.proxy should be String instead of Number'],
    [{ proxy: null }, 'createRuntime: network.proxy should be String instead of Null'],
    [{ noProxy: 'localhost' }, 'createRuntime: network.noProxy should be Array instead of String'],
    [{ noProxy: ['localhost', 7] }, 'createRuntime: network.noProxy[1] should be String instead of Number'],
    [{ proxi: 'socks5://127.0.0.1:1080' }, "createRuntime: unknown network field 'proxi' (fields: proxy, noProxy, caPem, "]
  ]
  for (const [network, problem] of refused) {
    assert.throws(() => createRuntime({ network }), error => {
      assert.ok(error instanceof TypeError, `${error}`)
      assert.ok(error.message.includes(problem), `${error.message} should say ${problem}`)
      assert.ok(!error.message.includes('bad%zz') && !error.message.includes('u:p@'), error.message)
      return true
    })
  }
  for (const [network, type] of [['socks5://127.0.0.1:1080', 'String'], [7, 'Number'], [[], 'Array'], [null, 'Null']]) {
    assert.throws(() => createRuntime({ network }), new RegExp(`^TypeError: createRuntime: network should be Object instead of ${type}$`))
  }
  // Usable settings (nothing connects here): each makes a runtime.
  for (const network of [{}, { proxy: '' }, { proxy: undefined }, { noProxy: [] },
    { proxy: '127.0.0.1:3128', noProxy: ['*', '.example.com', '::1', 'fd00::/8'] },
    { proxy: 'socks5h://user:p%40ss@proxy.example:1080' }]) {
    createRuntime({ network, policy: 'release' }).destroy()
  }
})
