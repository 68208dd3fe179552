'use strict'
// pause()/resume()/isPaused() on TCPSocket and SocketTask (minisock's extension, as Node's
// socket.pause()): while paused no read starts, so nothing is delivered and TCP's flow control
// holds the peer; after resume() everything sent meanwhile arrives, in order, nothing lost.
// In both engines (Node's runner and `minisock run`).

const assert = require('node:assert/strict')
const { test, after } = require('node:test')
const { createRuntime, testing, Recorder, text } = require('./helpers')

const tcpServer = new testing.TcpEchoServer()
const wsServer = new testing.WsEchoServer()
after(() => {
  tcpServer.close()
  wsServer.close()
})

// Long enough for an echo on loopback to arrive many times over; a wrong implementation
// delivers early and fails, a slow machine can only make the check pass more easily.
const QUIET_MS = 300

function sleep (ms) {
  return new Promise(resolve => setTimeout(resolve, ms))
}

test('TCPSocket: nothing is delivered while paused; after resume() all of it, in order', async () => {
  const { wx } = createRuntime()
  const tcp = wx.createTCPSocket()
  const rec = new Recorder()
  let received = ''
  tcp.onMessage(({ message }) => { received += text(message); rec.push('message') })
  tcp.onConnect(rec.on('connect'))
  tcp.onClose(rec.on('close'))
  assert.equal(tcp.isPaused(), false)
  tcp.connect({ address: '127.0.0.1', port: tcpServer.port })
  await rec.waitFor('connect')
  tcp.pause()
  assert.equal(tcp.isPaused(), true)
  const sent = []
  for (let i = 0; i < 100; i++) {
    sent.push(`line ${i};`)
    tcp.write(`line ${i};`)
  }
  await sleep(QUIET_MS)
  assert.equal(rec.count('message'), 0, 'a Message while paused')
  tcp.resume()
  assert.equal(tcp.isPaused(), false)
  const all = sent.join('')
  await rec.until(() => received.length >= all.length, `${all.length} bytes echoed after resume()`)
  assert.equal(received, all)
  tcp.close()
  await rec.waitFor('close')
})

test('SocketTask: no Message while paused; after resume() every message, in order', async () => {
  const { wx } = createRuntime()
  const task = wx.connectSocket({ url: `ws://127.0.0.1:${wsServer.port}/` })
  const rec = new Recorder()
  const messages = []
  task.onOpen(rec.on('open'))
  task.onMessage(({ data }) => { messages.push(data); rec.push('message') })
  task.onClose(rec.on('close'))
  await rec.waitFor('open')
  task.pause()
  assert.equal(task.isPaused(), true)
  for (let i = 0; i < 20; i++) task.send({ data: `message ${i}` })
  await sleep(QUIET_MS)
  assert.equal(rec.count('message'), 0, 'a Message while paused')
  task.resume()
  assert.equal(task.isPaused(), false)
  await rec.waitFor('message', 20)
  assert.deepEqual(messages, Array.from({ length: 20 }, (_, i) => `message ${i}`))
  task.close({})
  await rec.waitFor('close')
})

test('SocketTask: a task connectSocket refused has nothing to pause', async () => {
  const { wx } = createRuntime()
  const rec = new Recorder()
  const task = wx.connectSocket({ url: 42, fail: rec.on('fail') })
  task.pause()
  assert.equal(task.isPaused(), false)
  task.resume()
  await rec.waitFor('fail')
})
