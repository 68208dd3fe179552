'use strict'
// UDPSocket: bind, Listening, send (string, ArrayBuffer, offset/length), Message with
// remoteInfo/localInfo, connect + write, setTTL, close and the calls after it. Peer: Node's dgram.

const assert = require('node:assert/strict')
const dgram = require('node:dgram')
const { test, after } = require('node:test')
const { createRuntime, Recorder, fence, bytes, within } = require('./helpers')

const rt = createRuntime()
after(() => rt.destroy())

function record (udp) {
  const rec = new Recorder()
  for (const name of ['Listening', 'Message', 'Error', 'Close']) udp[`on${name}`](rec.on(name.toLowerCase()))
  return rec
}

// A Node dgram socket that echoes each datagram and remembers what it received.
function nodePeer () {
  return new Promise(resolve => {
    const received = new Recorder()
    const socket = dgram.createSocket('udp4')
    socket.on('message', (msg, rinfo) => {
      received.push('datagram', { msg, rinfo })
      socket.send(msg, rinfo.port, rinfo.address)
    })
    socket.bind(0, '127.0.0.1', () => resolve({ socket, port: socket.address().port, received }))
  })
}

test('bind returns the port at once; Listening; datagrams both ways with remoteInfo/localInfo', async () => {
  const peer = await nodePeer()
  const udp = rt.wx.createUDPSocket()
  const rec = record(udp)
  const port = udp.bind()
  assert.ok(Number.isInteger(port) && port > 0)
  await rec.waitFor('listening')
  udp.send({ address: '127.0.0.1', port: peer.port, message: 'hello' })
  await rec.waitFor('message')
  const m = rec.get('message')
  assert.ok(m.message instanceof ArrayBuffer)
  assert.equal(Buffer.from(m.message).toString(), 'hello')
  assert.deepEqual(m.remoteInfo, { address: '127.0.0.1', family: 'IPv4', port: peer.port, size: 5 })
  assert.equal(m.localInfo.port, port)
  assert.equal(m.localInfo.family, 'IPv4')
  assert.equal(peer.received.get('datagram').rinfo.port, port, 'Node saw our bound port')
  udp.close()
  await rec.waitFor('close')
  assert.deepEqual(rec.names(), ['listening', 'message', 'close'])
  peer.socket.close()
})

test('ArrayBuffer datagrams byte-exact, with offset/length slices; one event per datagram', async () => {
  const peer = await nodePeer()
  const udp = rt.wx.createUDPSocket()
  const rec = record(udp)
  udp.bind()
  const all = new Uint8Array(256).map((_, i) => i)
  udp.send({ address: '127.0.0.1', port: peer.port, message: all.buffer })
  udp.send({ address: '127.0.0.1', port: peer.port, message: all.buffer, offset: 250, length: 3 })
  udp.send({ address: '127.0.0.1', port: peer.port, message: all.buffer, offset: 10 })
  await rec.waitFor('message', 3)
  const got = rec.events.filter(e => e.name === 'message').map(e => bytes(e.arg.message))
  assert.deepEqual(got[0], Array.from(all))
  assert.deepEqual(got[1], [250, 251, 252])
  assert.deepEqual(got[2], Array.from(all.slice(10)))
  // What Node's socket received, byte for byte.
  assert.deepEqual(Array.from(peer.received.get('datagram', 1).msg), [250, 251, 252])
  udp.close()
  await rec.waitFor('close')
  peer.socket.close()
})

test('send before bind binds first (Listening); connect + write go to the fixed peer', async () => {
  const peer = await nodePeer()
  const udp = rt.wx.createUDPSocket()
  const rec = record(udp)
  udp.send({ address: '127.0.0.1', port: peer.port, message: 'implicit bind' })
  await rec.waitFor('message')
  assert.deepEqual(rec.names(), ['listening', 'message'])
  udp.connect({ address: '127.0.0.1', port: peer.port })
  udp.write({ address: '127.0.0.1', port: peer.port, message: 'written' })
  await rec.waitFor('message', 2)
  assert.equal(Buffer.from(rec.get('message', 1).message).toString(), 'written')
  udp.setTTL(64)
  udp.close()
  await rec.waitFor('close')
  await fence(udp, rec)
  assert.deepEqual(rec.names(), ['listening', 'message', 'message', 'close'])
  peer.socket.close()
})

test('after close: each call gives one Error (task already closed), no Message', async () => {
  const peer = await nodePeer()
  const udp = rt.wx.createUDPSocket()
  const rec = record(udp)
  udp.bind()
  await rec.waitFor('listening')
  udp.close()
  await rec.waitFor('close')
  udp.send({ address: '127.0.0.1', port: peer.port, message: 'late' })
  udp.close()
  await rec.waitFor('error', 2)
  await fence(udp, rec)
  assert.deepEqual(rec.names(), ['listening', 'close', 'error', 'error'])
  assert.equal(rec.get('error').errMsg, 'send fail: task already closed')
  assert.equal(rec.get('error', 1).errMsg, 'close fail: task already closed')
  peer.socket.close()
})

test('bind errors: a port in use returns 0 and gives Error -2 (errno 98); an invalid port errCode 2', async () => {
  const peer = await nodePeer()
  const udp = rt.wx.createUDPSocket()
  const rec = record(udp)
  // Node's socket is bound to 127.0.0.1:port; minisock binds the wildcard address.
  const taken = dgram.createSocket('udp4')
  await new Promise(resolve => taken.bind(0, resolve))
  assert.equal(udp.bind(taken.address().port), 0)
  await rec.waitFor('error')
  assert.equal(rec.get('error').errCode, -2)
  assert.equal(rec.get('error').errno, 98)
  assert.match(rec.get('error').errMsg, /^bind socket fail: errno:98 errmsg:Address already in use/)
  assert.equal(udp.bind(70000), 0)
  await rec.waitFor('error', 2)
  assert.equal(rec.get('error', 1).errCode, 2)
  // A failed bind can be retried.
  assert.ok(udp.bind() > 0)
  await rec.waitFor('listening')
  udp.close()
  await rec.waitFor('close')
  taken.close()
  peer.socket.close()
})

test('a datagram above maxUDPMessageSize (4095 in development: under 4096) is dropped and reported', async () => {
  const peer = await nodePeer()
  const udp = rt.wx.createUDPSocket()
  const rec = record(udp)
  const port = udp.bind()
  peer.socket.send(Buffer.alloc(5000), port, '127.0.0.1')
  peer.socket.send(Buffer.alloc(4096), port, '127.0.0.1')
  peer.socket.send(Buffer.alloc(4095, 0x61), port, '127.0.0.1')
  await rec.waitFor('message')
  await rec.waitFor('error', 2)
  assert.equal(rec.get('message').message.byteLength, 4095)
  assert.match(rec.get('error', 1).errMsg, /a datagram of 4096 bytes exceeds Policy::maxUDPMessageSize \(4095 bytes\)/)
  assert.equal(rec.count('message'), 1)
  udp.close()
  await within(rec.waitFor('close'), 'close')
  peer.socket.close()
})

test("createUDPSocket('udp6') on ::1; an unknown type gives Error then Close", async t => {
  const udp = rt.wx.createUDPSocket('udp6')
  const rec = record(udp)
  const port = udp.bind()
  if (port === 0) {
    udp.close()
    return t.skip('no IPv6 here')
  }
  udp.send({ address: '::1', port, message: 'to myself' })
  await rec.waitFor('message')
  assert.equal(rec.get('message').remoteInfo.family, 'IPv6')
  assert.equal(rec.get('message').remoteInfo.address, '::1')
  udp.close()
  await rec.waitFor('close')

  const bad = rt.wx.createUDPSocket('udp5')
  const badRec = record(bad)
  await badRec.waitFor('close')
  assert.deepEqual(badRec.names(), ['error', 'close'])
  assert.equal(badRec.get('error').errMsg, `createUDPSocket fail: invalid type 'udp5' (expected "udp4" or "udp6")`)
  assert.equal(badRec.get('error').errCode, -1)
  // Later calls: one Error each, as on any closed socket.
  bad.send({ address: '127.0.0.1', port: 9, message: 'x' })
  await badRec.waitFor('error', 2)
  assert.equal(badRec.get('error', 1).errMsg, 'send fail: task already closed')
})

test("send with Taro's option {data, success, fail, complete}: to the connected peer; fail when it cannot go", async () => {
  const peer = await nodePeer()
  const udp = rt.Taro.createUDPSocket()
  const rec = record(udp)
  udp.connect({ address: '127.0.0.1', port: peer.port })
  const order = []
  // Promise-wrapped, as code that awaits a send does.
  const result = await within(new Promise((resolve, reject) => udp.send({
    data: 'taro',
    success: res => { order.push(['success', res]); resolve(res) },
    fail: reject,
    complete: res => order.push(['complete', res])
  })), 'send success')
  assert.deepEqual(result, { errMsg: 'send:ok' })
  await rec.waitFor('message')
  assert.equal(Buffer.from(rec.get('message').message).toString(), 'taro')
  assert.equal(peer.received.get('datagram').msg.toString(), 'taro')
  assert.deepEqual(order, [['success', { errMsg: 'send:ok' }], ['complete', { errMsg: 'send:ok' }]])
  // data wins over message; binary data as well.
  udp.send({ data: new Uint8Array([1, 2, 3]).buffer, message: 'ignored' })
  await rec.waitFor('message', 2)
  assert.deepEqual(bytes(rec.get('message', 1).message), [1, 2, 3])
  udp.close()
  await rec.waitFor('close')
  // After close: fail and complete with the reason, and the platform's Error event too.
  const failed = await within(new Promise(resolve => udp.send({ data: 'late', fail: resolve })), 'send fail')
  assert.deepEqual(failed, { errMsg: 'send:fail task already closed' })
  await rec.waitFor('error')
  assert.equal(rec.get('error').errMsg, 'send fail: task already closed')
  peer.socket.close()
})

test("send with Taro's option on a socket that is not connected: fail names the missing address", async () => {
  const udp = rt.Taro.createUDPSocket()
  const rec = record(udp)
  const calls = new Recorder()
  udp.send({ data: 'x', success: calls.on('success'), fail: calls.on('fail'), complete: calls.on('complete') })
  await rec.waitFor('error')
  assert.equal(rec.get('error').errCode, 1)
  assert.match(rec.get('error').errMsg, /^send fail: no address: the socket is not connected/)
  await calls.waitFor('complete')
  assert.deepEqual(calls.names(), ['fail', 'complete'])
  assert.match(calls.get('fail').errMsg, /^send:fail no address: the socket is not connected/)
  assert.deepEqual(calls.get('complete'), calls.get('fail'))
  // A field of the wrong type: the same two ways.
  const typed = await within(new Promise(resolve => udp.send({ data: 42, fail: resolve })), 'fail')
  assert.equal(typed.errMsg, 'send:fail parameter error: parameter.data should be String/ArrayBuffer instead of Number;')
  udp.close()
  await rec.waitFor('close')
})
