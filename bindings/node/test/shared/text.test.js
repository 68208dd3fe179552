'use strict'
// Text crosses to the native side as UTF-8, whole, whatever its length and characters: TCP
// write, UDP send and SocketTask send of strings around the binding's 256-byte fast path,
// in every UTF-8 length (1 to 4 bytes a character), echoed back byte for byte.

const assert = require('node:assert/strict')
const { test, after } = require('node:test')
const { createRuntime, testing, Recorder, text } = require('./helpers')

const tcpServer = new testing.TcpEchoServer()
const udpServer = new testing.UdpEchoServer()
const wsServer = new testing.WsEchoServer()
after(() => {
  tcpServer.close()
  udpServer.close()
  wsServer.close()
})

// Strings whose UTF-8 ends just before, at and after 255 and 256 bytes, in each width.
const SAMPLES = []
for (const [ch, width] of [['a', 1], ['é', 2], ['中', 3], ['😀', 4]]) {
  for (const bytes of [250, 252, 253, 254, 255, 256, 257, 260, 400, 1000]) {
    const n = Math.floor(bytes / width)
    SAMPLES.push({ name: `${n} × ${width}-byte`, value: 'x'.repeat(bytes - n * width) + ch.repeat(n), bytes })
  }
}

function utf8Bytes (s) {
  return unescape(encodeURIComponent(s)).length
}

test('TCP: every string is written whole (its UTF-8, echoed byte for byte)', async () => {
  const { wx } = createRuntime()
  const tcp = wx.createTCPSocket()
  const rec = new Recorder()
  let received = ''
  let bytes = 0
  tcp.onMessage(({ message }) => { bytes += message.byteLength; received += String.fromCharCode(...new Uint8Array(message)); rec.push('data') })
  tcp.onConnect(rec.on('connect'))
  tcp.onClose(rec.on('close'))
  tcp.connect({ address: '127.0.0.1', port: tcpServer.port })
  await rec.waitFor('connect')
  const all = SAMPLES.map(s => s.value).join('|')
  for (const s of SAMPLES) {
    assert.equal(utf8Bytes(s.value), s.bytes, s.name)
    tcp.write(s.value)
    tcp.write('|')
  }
  const expected = utf8Bytes(all) + 1
  await rec.until(() => bytes >= expected, `${expected} bytes echoed`)
  assert.equal(decodeURIComponent(escape(received)), all + '|')
  tcp.close()
  await rec.waitFor('close')
})

test('UDP: every string is one datagram of its whole UTF-8', async () => {
  const { wx } = createRuntime()
  const udp = wx.createUDPSocket()
  const rec = new Recorder()
  udp.onMessage(({ message }) => rec.push('message', text(message)))
  udp.onClose(rec.on('close'))
  udp.bind()
  for (const s of SAMPLES) udp.send({ address: '127.0.0.1', port: udpServer.port, message: s.value })
  await rec.waitFor('message', SAMPLES.length)
  const got = rec.events.filter(e => e.name === 'message').map(e => e.arg).sort()
  assert.deepEqual(got, SAMPLES.map(s => s.value).sort())
  udp.close()
  await rec.waitFor('close')
})

test('SocketTask: every text message arrives whole and as text', async () => {
  const { wx } = createRuntime()
  const task = wx.connectSocket({ url: `ws://127.0.0.1:${wsServer.port}/` })
  const rec = new Recorder()
  task.onOpen(rec.on('open'))
  task.onMessage(({ data }) => rec.push('message', data))
  task.onClose(rec.on('close'))
  await rec.waitFor('open')
  for (const s of SAMPLES) task.send({ data: s.value })
  await rec.waitFor('message', SAMPLES.length)
  assert.deepEqual(rec.events.filter(e => e.name === 'message').map(e => e.arg), SAMPLES.map(s => s.value))
  // close's reason: at most 123 bytes of UTF-8, counted as UTF-8 (not as characters).
  task.close({ code: 1000, reason: 'é'.repeat(62), fail: rec.on('fail 124') })
  await rec.waitFor('fail 124')
  assert.equal(rec.get('fail 124').errMsg, 'closeSocket:fail The reason must be at most 123 bytes of UTF-8 (it has 124)')
  task.close({ code: 1000, reason: 'é'.repeat(61), success: rec.on('success 122') })
  await rec.waitFor('success 122')
  await rec.waitFor('close')
  assert.deepEqual(rec.get('close'), { code: 1000, reason: '' }) // the server's: Beast echoes the code only
})
