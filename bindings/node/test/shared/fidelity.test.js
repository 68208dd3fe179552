'use strict'
// The platform's behaviour where minisock used to differ (issue 32), in both engines (Node's
// runner and `minisock run`): UDPSocket.write() without connect() is send(); connect() takes a
// host name; a connectSocket that is refused leaves the global calls with the task admitted
// before it.

const assert = require('node:assert/strict')
const { test, after } = require('node:test')
const { createRuntime, testing, Recorder, text } = require('./helpers')

const udpServer = new testing.UdpEchoServer()
const wsServer = new testing.WsEchoServer()
after(() => {
  udpServer.close()
  wsServer.close()
})

// A UDP socket of a runtime of its own, its Message (as text), Error and Close recorded.
function recordedUdp () {
  const udp = createRuntime().wx.createUDPSocket()
  const rec = new Recorder()
  udp.onMessage(({ message }) => rec.push('message', text(message)))
  udp.onError(rec.on('error'))
  udp.onClose(rec.on('close'))
  return { udp, rec }
}

test('UDPSocket.write() without connect() sends to the address it names, as send() does', async () => {
  const { udp, rec } = recordedUdp()
  udp.write({ address: '127.0.0.1', port: udpServer.port, message: 'written, not connected' })
  await rec.waitFor('message')
  assert.equal(rec.get('message'), 'written, not connected')
  assert.equal(rec.count('error'), 0)
  udp.close()
  await rec.waitFor('close')
})

test('UDPSocket.connect() takes a host name; what is written after it goes to that peer', async () => {
  const { udp, rec } = recordedUdp()
  udp.connect({ address: 'localhost', port: udpServer.port }) // /etc/hosts: no DNS query
  udp.write({ message: 'after connect by name' })
  await rec.waitFor('message')
  assert.equal(rec.get('message'), 'after connect by name')
  assert.equal(rec.count('error'), 0, rec.get('error')?.errMsg)
  udp.close()
  await rec.waitFor('close')
})

test('a refused connectSocket (URL, policy, over maxWebSockets) leaves the global calls with the admitted task', async () => {
  const rt = createRuntime({ policy: { base: 'development', maxWebSockets: 1 } })
  const { wx } = rt
  try {
    const rec = new Recorder()
    wx.onSocketMessage(({ data }) => rec.push('socketMessage', data))
    wx.onSocketError(rec.on('socketError'))
    const admitted = wx.connectSocket({ url: `ws://127.0.0.1:${wsServer.port}/` })
    admitted.onOpen(rec.on('open'))
    admitted.onClose(rec.on('close'))
    await rec.waitFor('open')
    for (const url of ['http://127.0.0.1:9/', `ws://127.0.0.1:${wsServer.port}/`]) {
      const refused = wx.connectSocket({ url })
      refused.onClose(rec.on('refusedClose'))
    }
    await rec.waitFor('refusedClose', 2)
    const sent = await new Promise(resolve =>
      wx.sendSocketMessage({ data: 'still the admitted task', success: resolve, fail: resolve }))
    assert.equal(sent.errMsg, 'sendSocketMessage:ok')
    await rec.waitFor('socketMessage')
    assert.equal(rec.get('socketMessage'), 'still the admitted task')
    assert.equal(rec.count('socketError'), 0)
    admitted.close({})
    await rec.waitFor('close')
  } finally {
    rt.destroy()
  }
})

test('connectSocket: a timeout above 60000 ms is capped, not refused (the task opens)', async () => {
  const { wx } = createRuntime()
  const rec = new Recorder()
  const task = wx.connectSocket({ url: `ws://127.0.0.1:${wsServer.port}/`, timeout: 120000, success: rec.on('success'), fail: rec.on('fail') })
  task.onOpen(rec.on('open'))
  task.onClose(rec.on('close'))
  await rec.waitFor('open')
  assert.deepEqual(rec.names(), ['success', 'open'])
  task.close({})
  await rec.waitFor('close')
})

test('UDP: received messages are smaller than 4096 bytes (development): 4095 delivered, 4096 dropped and named', async () => {
  const { wx } = createRuntime()
  const udp = wx.createUDPSocket()
  const rec = new Recorder()
  udp.onMessage(({ message }) => rec.push('message', message.byteLength))
  udp.onError(rec.on('error'))
  udp.onClose(rec.on('close'))
  udp.send({ address: '127.0.0.1', port: udpServer.port, message: new ArrayBuffer(4096) })
  udp.send({ address: '127.0.0.1', port: udpServer.port, message: new ArrayBuffer(4095) })
  await rec.waitFor('message')
  await rec.waitFor('error')
  assert.equal(rec.get('message'), 4095)
  assert.match(rec.get('error').errMsg, /a datagram of 4096 bytes exceeds Policy::maxUDPMessageSize \(4095 bytes\)/)
  udp.close()
  await rec.waitFor('close')
})
