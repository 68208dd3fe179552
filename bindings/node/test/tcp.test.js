'use strict'
// TCPSocket: every event, byte-exact round trips, remoteInfo/localInfo, on/off identity,
// errors and their errMsg strings. Peers: Node's own net servers and minisock's echo server.

const assert = require('node:assert/strict')
const net = require('node:net')
const crypto = require('node:crypto')
const { test, after } = require('node:test')
const { createRuntime, testing, Recorder, fence, bytes, within } = require('./helpers')

const rt = createRuntime() // development policy: loopback allowed, blocked ports and quota on
const echo = new testing.TcpEchoServer()
after(() => {
  rt.destroy()
  echo.close()
})

function record (tcp) {
  const rec = new Recorder()
  for (const name of ['Connect', 'Message', 'Error', 'Close', 'BindWifi']) {
    tcp[`on${name}`](rec.on(name.toLowerCase()))
  }
  return rec
}

// A Node net server; resolves with {server, port, accepted: Promise<net.Socket>}.
function nodeServer (host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    let accept
    const accepted = new Promise(r => { accept = r })
    const server = net.createServer(socket => accept(socket))
    server.on('error', reject)
    server.listen(0, host, () => resolve({ server, port: server.address().port, accepted }))
  })
}

// Concatenated message bytes, waiting until `size` have arrived.
async function receive (rec, size) {
  const total = () => rec.events.filter(e => e.name === 'message')
    .reduce((n, e) => n + e.arg.message.byteLength, 0)
  await rec.until(() => total() >= size, `${size} bytes`)
  const out = Buffer.concat(rec.events.filter(e => e.name === 'message').map(e => Buffer.from(e.arg.message)))
  return out
}

test('events in order, remoteInfo/localInfo as Node sees the connection, Close once', async () => {
  const { server, port, accepted } = await nodeServer()
  const tcp = rt.wx.createTCPSocket()
  const rec = record(tcp)
  tcp.connect({ address: '127.0.0.1', port })
  const peer = await within(accepted, 'accept')
  await rec.waitFor('connect')
  peer.write('from the server')
  const got = await receive(rec, 15)
  assert.equal(got.toString(), 'from the server')
  const first = rec.get('message')
  assert.ok(first.message instanceof ArrayBuffer)
  assert.deepEqual(first.remoteInfo, {
    address: '127.0.0.1', family: 'IPv4', port, size: first.message.byteLength
  })
  assert.deepEqual(first.localInfo, { address: '127.0.0.1', family: 'IPv4', port: peer.remotePort })
  // The peer's FIN: Close, without an Error.
  peer.end()
  await rec.waitFor('close')
  await fence(tcp, rec)
  assert.deepEqual(rec.names().filter(n => n !== 'message'), ['connect', 'close'])
  server.close()
})

test('ArrayBuffer round trip, byte-exact: all 256 values and 1 MiB of random bytes', async () => {
  const tcp = rt.wx.createTCPSocket()
  const rec = record(tcp)
  tcp.connect({ address: '127.0.0.1', port: echo.port })
  const all = new Uint8Array(256).map((_, i) => i)
  const random = crypto.randomBytes(1 << 20)
  tcp.write(all.buffer) // written while connecting: queued, sent in order
  tcp.write(random.buffer.slice(random.byteOffset, random.byteOffset + random.byteLength))
  const got = await receive(rec, 256 + random.length)
  assert.equal(got.length, 256 + random.length)
  assert.deepEqual(bytes(got.buffer.slice(got.byteOffset, got.byteOffset + 256)), Array.from(all))
  assert.ok(got.subarray(256).equals(random), 'the random megabyte came back unchanged')
  for (const e of rec.events.filter(e => e.name === 'message')) {
    assert.ok(e.arg.message instanceof ArrayBuffer, 'never a Buffer')
    assert.equal(e.arg.remoteInfo.size, e.arg.message.byteLength)
  }
  tcp.close()
  await rec.waitFor('close')
  assert.equal(rec.count('error'), 0)
})

test('a string is sent as its UTF-8 bytes', async () => {
  const tcp = rt.wx.createTCPSocket()
  const rec = record(tcp)
  const text = 'héllo, 世界 🎉 \u0000 end'
  tcp.connect({ address: '127.0.0.1', port: echo.port })
  tcp.write(text)
  const got = await receive(rec, Buffer.byteLength(text))
  assert.equal(got.toString('utf8'), text)
  tcp.close()
  await rec.waitFor('close')
})

test('onX/offX: the same function object, every registration, offX() removes all', async () => {
  const tcp = rt.wx.createTCPSocket()
  const rec = record(tcp)
  const calls = []
  const f = () => calls.push('f')
  const g = () => calls.push('g')
  const h = () => calls.push('h')
  tcp.onConnect(f)
  tcp.onConnect(g)
  tcp.onConnect(f) // twice: called twice
  tcp.onConnect(h)
  tcp.offConnect(h)
  tcp.offConnect(() => calls.push('f')) // another function object: removes nothing
  tcp.connect({ address: '127.0.0.1', port: echo.port })
  await rec.waitFor('connect')
  assert.deepEqual(calls, ['f', 'g', 'f'])

  // offMessage(f) removes every registration of f; offMessage() removes all.
  calls.length = 0
  tcp.onMessage(f)
  tcp.onMessage(f)
  tcp.onMessage(g)
  tcp.offMessage(f)
  tcp.write('1')
  await rec.waitFor('message', 1)
  assert.deepEqual(calls, ['g'])
  tcp.offMessage()
  tcp.onMessage(rec.on('message')) // the recorder again, alone
  tcp.write('2')
  await rec.waitFor('message', 2)
  assert.deepEqual(calls, ['g'])
  tcp.close()
  await rec.waitFor('close')
})

test('removed during dispatch: not called again; added during dispatch: from the next event', async () => {
  const tcp = rt.wx.createTCPSocket()
  const rec = record(tcp)
  const calls = []
  const b = () => calls.push('b')
  const c = () => calls.push('c')
  const a = () => {
    calls.push('a')
    if (calls.length === 1) {
      tcp.offMessage(b)
      tcp.onMessage(c)
    }
  }
  tcp.onMessage(a)
  tcp.onMessage(b)
  tcp.connect({ address: '127.0.0.1', port: echo.port })
  tcp.write('x')
  await rec.waitFor('message', 1)
  assert.deepEqual(calls, ['a'])
  tcp.write('y')
  await rec.waitFor('message', 2)
  assert.deepEqual(calls, ['a', 'a', 'c'])
  tcp.close()
  await rec.waitFor('close')
})

test('connection refused: Error -2 with errno 111, then Close', async () => {
  const { server, port } = await nodeServer()
  await new Promise(resolve => server.close(resolve))
  const tcp = rt.wx.createTCPSocket()
  const rec = record(tcp)
  tcp.connect({ address: '127.0.0.1', port })
  await rec.waitFor('close')
  assert.deepEqual(rec.names(), ['error', 'close'])
  assert.deepEqual(rec.get('error'), {
    errMsg: 'connect socket fail: errno:111 errmsg:Connection refused', errCode: -2, errno: 111
  })
})

test('a blocked port (development policy): Error -3 naming the rule, then Close', async () => {
  const tcp = rt.wx.createTCPSocket()
  const rec = record(tcp)
  tcp.connect({ address: '127.0.0.1', port: 3306 })
  await rec.waitFor('close')
  assert.deepEqual(rec.names(), ['error', 'close'])
  assert.equal(rec.get('error').errCode, -3)
  assert.match(rec.get('error').errMsg, /^connect fail: port 3306 is blocked by the connection policy \(rule: blockedTCPPorts\)/)
})

test('state errors: connect twice, calls after Close (one Error each, nothing else)', async () => {
  const tcp = rt.wx.createTCPSocket()
  const rec = record(tcp)
  tcp.connect({ address: '127.0.0.1', port: echo.port })
  await rec.waitFor('connect')
  tcp.connect({ address: '127.0.0.1', port: echo.port })
  await rec.waitFor('error')
  assert.equal(rec.get('error').errMsg, 'connect fail: socket is already connected')
  assert.equal(rec.get('error').errCode, -1)
  tcp.close()
  await rec.waitFor('close')
  tcp.write('late')
  tcp.close()
  await rec.waitFor('error', 3)
  await fence(tcp, rec)
  assert.deepEqual(rec.names(), ['connect', 'error', 'close', 'error', 'error'])
  assert.equal(rec.get('error', 1).errMsg, 'write fail: socket is closed')
  assert.equal(rec.get('error', 2).errMsg, 'close fail: socket is already closed')
})

test("type 'ipv6' to ::1 (IPv6 remoteInfo), and an unknown type: Error then Close", async t => {
  let peer
  try {
    peer = await nodeServer('::1')
  } catch {
    return t.skip('no IPv6 loopback here')
  }
  const tcp = rt.wx.createTCPSocket({ type: 'ipv6' })
  const rec = record(tcp)
  tcp.connect({ address: '::1', port: peer.port })
  const socket = await within(peer.accepted, 'accept')
  socket.end('v6')
  await rec.waitFor('close')
  assert.equal(rec.get('message').remoteInfo.family, 'IPv6')
  assert.equal(rec.get('message').remoteInfo.address, '::1')
  peer.server.close()

  const bad = rt.wx.createTCPSocket({ type: 'ipx' })
  const badRec = record(bad)
  await badRec.waitFor('close')
  assert.deepEqual(badRec.names(), ['error', 'close'])
  assert.equal(badRec.get('error').errMsg, `createTCPSocket fail: invalid type 'ipx' (expected "ipv4" or "ipv6")`)
  bad.write('x')
  await badRec.waitFor('error', 2)
  assert.equal(badRec.get('error', 1).errMsg, 'write fail: socket is closed')
})

test('timeout is in seconds: -1 and NaN are refused in seconds (Error -1, then Close)', async () => {
  for (const timeout of [-1, NaN]) {
    const tcp = rt.wx.createTCPSocket()
    const rec = record(tcp)
    tcp.connect({ address: '127.0.0.1', port: echo.port, timeout })
    await rec.waitFor('close')
    assert.deepEqual(rec.names(), ['error', 'close'])
    assert.equal(rec.get('error').errCode, -1)
    assert.equal(rec.get('error').errMsg, `connect fail: invalid timeout ${timeout} s (must be a positive number of seconds)`)
  }
})

test('the TCP quota: at most N connects per window, then Error -3', async () => {
  const limited = createRuntime({ policy: { maxTCPSocketsPerWindow: 2 } })
  try {
    const recs = []
    for (let i = 0; i < 3; i++) {
      const s = limited.wx.createTCPSocket()
      const rec = record(s)
      recs.push([s, rec])
      s.connect({ address: '127.0.0.1', port: echo.port })
    }
    await recs[2][1].waitFor('close')
    assert.equal(recs[2][1].get('error').errCode, -3)
    assert.match(recs[2][1].get('error').errMsg, /more than 2/)
    for (const [s, rec] of recs.slice(0, 2)) {
      await rec.waitFor('connect')
      s.close()
      await rec.waitFor('close')
    }
    assert.equal(limited.socketCount(), 0)
  } finally {
    limited.destroy()
  }
})

test('the TCP quota counts creations: the socket over it refuses its first use (-3), then Close', async () => {
  const limited = createRuntime({ policy: { maxTCPSocketsPerWindow: 2 } })
  try {
    const unused = [limited.wx.createTCPSocket(), limited.wx.createTCPSocket()] // never connected
    const over = limited.wx.createTCPSocket()
    const rec = record(over)
    over.connect({ address: '127.0.0.1', port: echo.port })
    await rec.waitFor('close')
    assert.deepEqual(rec.names(), ['error', 'close'])
    assert.equal(rec.get('error').errCode, -3)
    assert.match(rec.get('error').errMsg, /^connect fail: more than 2 TCPSockets created within 300 s \(rule: maxTCPSocketsPerWindow\)/)
    for (const s of unused) s.close()
  } finally {
    limited.destroy()
  }
})
