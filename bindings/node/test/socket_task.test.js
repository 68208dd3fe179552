'use strict'
// SocketTask (wx.connectSocket): events, text and binary round trips, readyState, send and
// close callbacks and their errMsg, the 5-connection rule, the older global calls and wx's
// promise forms. Peer: minisock's WebSocket echo server (Beast).

const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const net = require('node:net')
const { test, after } = require('node:test')
const { wx, createRuntime, testing, Recorder, bytes, within } = require('./helpers')

const server = new testing.WsEchoServer()
const url = `ws://127.0.0.1:${server.port}/`
const rt = createRuntime()
after(() => {
  rt.destroy()
  server.close()
})

function record (task, rec = new Recorder()) {
  for (const name of ['Open', 'Message', 'Error', 'Close']) task[`on${name}`](rec.on(name.toLowerCase()))
  return rec
}

// Callbacks recording into rec as '<prefix>:success' etc.
function callbacks (rec, prefix) {
  return {
    success: rec.on(`${prefix}:success`),
    fail: rec.on(`${prefix}:fail`),
    complete: rec.on(`${prefix}:complete`)
  }
}

test('success, complete, Open (header, profile), echoed text and binary, Close; readyState', async () => {
  const rec = new Recorder()
  const task = rt.wx.connectSocket({ url, ...callbacks(rec, 'connect') })
  record(task, rec)
  assert.equal(task.readyState, task.CONNECTING)
  await rec.waitFor('open')
  assert.equal(task.readyState, task.OPEN)
  assert.deepEqual(rec.names(), ['connect:success', 'connect:complete', 'open'])
  assert.deepEqual(rec.get('connect:success'), { errMsg: 'connectSocket:ok' })
  const open = rec.get('open')
  assert.equal(open.header.Upgrade.toLowerCase(), 'websocket')
  assert.equal(typeof open.profile.cost, 'number')
  assert.ok(open.profile.cost >= 0)

  const text = 'héllo 世界 🎉'
  const all = new Uint8Array(256).map((_, i) => i)
  const big = crypto.randomBytes(1 << 20) // above 64 KiB: handed over without a second copy
  task.send({ data: text, ...callbacks(rec, 'send1') })
  task.send({ data: all.buffer })
  task.send({ data: new ArrayBuffer(0) })
  task.send({ data: big.buffer.slice(big.byteOffset, big.byteOffset + big.length) })
  task.send({ data: '' })
  await rec.waitFor('message', 5)
  const data = rec.events.filter(e => e.name === 'message').map(e => e.arg.data)
  assert.equal(data[0], text)
  assert.deepEqual(bytes(data[1]), Array.from(all))
  assert.ok(data[2] instanceof ArrayBuffer && data[2].byteLength === 0)
  assert.ok(Buffer.from(data[3]).equals(big), 'the 1 MiB message came back unchanged')
  assert.equal(data[4], '')
  assert.deepEqual(rec.get('send1:success'), { errMsg: 'sendSocketMessage:ok' })

  task.close({ code: 4000, reason: 'bye', ...callbacks(rec, 'close') })
  assert.equal(task.readyState, task.CLOSING)
  await rec.waitFor('close')
  assert.equal(task.readyState, task.CLOSED)
  assert.deepEqual(rec.get('close'), { code: 4000, reason: '' }) // Beast echoes the code only
  assert.deepEqual(rec.get('close:success'), { errMsg: 'closeSocket:ok' })
  assert.equal(rec.count('error'), 0)
  assert.equal(rt.socketCount(), 0)
})

test('send while connecting and after Close: fail with the platform errMsg, never a throw', async () => {
  // A server that accepts and never answers the upgrade: the task stays CONNECTING.
  const sockets = []
  const silent = net.createServer(socket => sockets.push(socket))
  await new Promise(resolve => silent.listen(0, '127.0.0.1', resolve))
  const rec = new Recorder()
  const task = rt.wx.connectSocket({ url: `ws://127.0.0.1:${silent.address().port}/` })
  record(task, rec)
  task.send({ data: 'too early', ...callbacks(rec, 'early') })
  await rec.waitFor('early:complete')
  assert.deepEqual(rec.get('early:fail'), { errMsg: 'sendSocketMessage:fail webSocket is not connected' })
  assert.equal(task.readyState, task.CONNECTING)
  // close() while connecting cancels: Close 1006, no Open.
  task.close()
  await rec.waitFor('close')
  assert.equal(rec.get('close').code, 1006)
  task.send({ data: 'too late', ...callbacks(rec, 'late') })
  task.close({ ...callbacks(rec, 'close-again') })
  await rec.waitFor('close-again:complete')
  assert.match(rec.get('late:fail').errMsg, /^sendSocketMessage:fail webSocket is not connected/)
  assert.equal(rec.get('close-again:fail').errMsg, 'closeSocket:fail the WebSocket is already closing or closed')
  assert.equal(rec.count('open'), 0)
  for (const socket of sockets) socket.destroy()
  silent.close()
})

test('close codes and reasons are checked: fail, and the task stays open', async () => {
  const rec = new Recorder()
  const t = rt.wx.connectSocket({ url })
  record(t, rec)
  await rec.waitFor('open')
  t.close({ code: 1001, ...callbacks(rec, 'c1') })
  t.close({ code: 3000, reason: 'r'.repeat(124), ...callbacks(rec, 'c2') })
  await rec.waitFor('c2:complete')
  assert.equal(rec.get('c1:fail').errMsg,
    'closeSocket:fail The code must be either 1000, or between 3000 and 4999. 1001 is neither.')
  assert.equal(rec.get('c2:fail').errMsg, 'closeSocket:fail The reason must be at most 123 bytes of UTF-8 (it has 124)')
  t.send({ data: 'still open' })
  await rec.waitFor('message')
  t.close()
  await rec.waitFor('close')
})

test('an invalid url: fail (600009), complete, then Error and Close 1006', async () => {
  const rec = new Recorder()
  const task = rt.wx.connectSocket({ url: 'http://127.0.0.1/', ...callbacks(rec, 'connect') })
  record(task, rec)
  await rec.waitFor('close')
  assert.deepEqual(rec.names(), ['connect:fail', 'connect:complete', 'error', 'close'])
  assert.deepEqual(rec.get('connect:fail'), { errMsg: 'connectSocket:fail url not ws or wss', errno: 600009 })
  assert.deepEqual(rec.get('close'), { code: 1006, reason: '' })
  assert.equal(task.readyState, task.CLOSED)
})

test('a refused connection: success (the task exists), then Error and Close 1006', async () => {
  const closed = net.createServer()
  await new Promise(resolve => closed.listen(0, '127.0.0.1', resolve))
  const port = closed.address().port
  await new Promise(resolve => closed.close(resolve))
  const rec = new Recorder()
  const task = rt.wx.connectSocket({ url: `ws://127.0.0.1:${port}/`, ...callbacks(rec, 'connect') })
  record(task, rec)
  await rec.waitFor('close')
  assert.deepEqual(rec.names(), ['connect:success', 'connect:complete', 'error', 'close'])
  assert.match(rec.get('error').errMsg, /^connectSocket:fail .*Connection refused/)
  assert.equal(rec.get('close').code, 1006)
})

test('at most 5 WebSocket connections (default wx): the 6th gets success, then Error 600007 and Close', async () => {
  const recs = []
  const tasks = []
  for (let i = 0; i < 5; i++) {
    const rec = new Recorder()
    const task = wx.connectSocket({ url })
    record(task, rec)
    tasks.push(task)
    recs.push(rec)
  }
  await Promise.all(recs.map(r => r.waitFor('open')))
  const rec6 = new Recorder()
  const sixth = wx.connectSocket({ url, ...callbacks(rec6, 'connect') })
  record(sixth, rec6)
  await rec6.waitFor('close')
  assert.deepEqual(rec6.names(), ['connect:success', 'connect:complete', 'error', 'close'])
  assert.equal(rec6.get('error').errno, 600007)
  assert.match(rec6.get('error').errMsg, /^exceed max task count/)
  assert.deepEqual(rec6.get('close'), { code: 1006, reason: '' })
  // One closes: a new one may open.
  tasks[0].close()
  await recs[0].waitFor('close')
  const again = new Recorder()
  const seventh = wx.connectSocket({ url })
  record(seventh, again)
  await again.waitFor('open')
  for (const task of [...tasks.slice(1), seventh]) task.close()
  await Promise.all([...recs.slice(1), again].map(r => r.waitFor('close')))
})

test('the global calls act on the most recent task; wx promise forms; on/off identity', async () => {
  const g = createRuntime()
  try {
    const rec = new Recorder()
    const ignored = () => rec.push('removed listener ran')
    g.wx.onSocketOpen(rec.on('socketOpen'))
    g.wx.onSocketMessage(ignored)
    g.wx.onSocketMessage(rec.on('socketMessage'))
    g.wx.offSocketMessage(ignored)
    g.wx.onSocketError(rec.on('socketError'))
    g.wx.onSocketClose(rec.on('socketClose'))

    // No task yet: fail (callback form returns undefined; promise form rejects).
    assert.equal(g.wx.sendSocketMessage({ data: 'x', ...callbacks(rec, 'nosend') }), undefined)
    await assert.rejects(g.wx.closeSocket(), {
      errMsg: 'closeSocket:fail there is no WebSocket to close (no connectSocket task)'
    })
    await rec.waitFor('nosend:complete')
    assert.equal(rec.get('nosend:fail').errMsg,
      'sendSocketMessage:fail webSocket is not connected (no connectSocket task)')

    g.wx.connectSocket({ url })
    await rec.waitFor('socketOpen')
    assert.ok(rec.get('socketOpen').header)
    const sent = g.wx.sendSocketMessage({ data: new Uint8Array([7, 8, 9]).buffer })
    assert.ok(sent instanceof Promise)
    assert.deepEqual(await within(sent, 'sendSocketMessage'), { errMsg: 'sendSocketMessage:ok' })
    await rec.waitFor('socketMessage')
    assert.deepEqual(bytes(rec.get('socketMessage').data), [7, 8, 9])
    assert.deepEqual(await within(g.wx.closeSocket({ code: 3001, reason: 'global' }), 'closeSocket'),
      { errMsg: 'closeSocket:ok' })
    await rec.waitFor('socketClose')
    assert.equal(rec.get('socketClose').code, 3001)
    assert.equal(rec.count('removed listener ran'), 0)
    assert.equal(rec.count('socketError'), 0)

    // offSocketX() removes them all.
    g.wx.offSocketOpen()
    g.wx.offSocketClose()
    const t = g.wx.connectSocket({ url })
    const own = record(t)
    await own.waitFor('open')
    t.close()
    await own.waitFor('close')
    assert.equal(rec.count('socketOpen'), 1)
    assert.equal(rec.count('socketClose'), 1)
  } finally {
    g.destroy()
  }
})

test('perMessageDeflate, tcpNoDelay and a timeout are passed on', async () => {
  const rec = new Recorder()
  const task = rt.wx.connectSocket({ url, perMessageDeflate: true, tcpNoDelay: true, timeout: 5000 })
  record(task, rec)
  await rec.waitFor('open')
  assert.match(rec.get('open').header['Sec-WebSocket-Extensions'] || '', /permessage-deflate/)
  task.send({ data: 'a'.repeat(10000) })
  await rec.waitFor('message')
  assert.equal(rec.get('message').data, 'a'.repeat(10000))
  task.close()
  await rec.waitFor('close')
})

test('task on/off identity, and a listener removed during dispatch is not called', async () => {
  const rec = new Recorder()
  const calls = []
  const f = () => calls.push('f')
  const g = () => calls.push('g')
  const task = rt.wx.connectSocket({ url })
  task.onOpen(f)
  task.onOpen(() => task.offOpen(g)) // runs before g: g is not called for this Open
  task.onOpen(g)
  task.onMessage(f)
  task.offMessage(f)
  record(task, rec)
  await rec.waitFor('open')
  assert.deepEqual(calls, ['f'])
  task.send({ data: 'x' })
  await rec.waitFor('message')
  assert.deepEqual(calls, ['f'])
  task.close()
  await rec.waitFor('close')
})

test('method: every documented value opens (the handshake is GET); another is refused', async () => {
  for (const method of ['GET', 'get', 'OPTIONS', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT']) {
    const rec = new Recorder()
    const task = rt.wx.connectSocket({ url, method, ...callbacks(rec, 'connect') })
    record(task, rec)
    await rec.waitFor('open')
    task.close()
    await rec.waitFor('close')
    assert.deepEqual(rec.names(), ['connect:success', 'connect:complete', 'open', 'close'], method)
  }
  const rec = new Recorder()
  const task = rt.wx.connectSocket({ url, method: 'FOO', ...callbacks(rec, 'connect') })
  record(task, rec)
  await rec.waitFor('close')
  assert.deepEqual(rec.names(), ['connect:fail', 'connect:complete', 'error', 'close'])
  assert.equal(rec.get('connect:fail').errMsg,
    "connectSocket:fail method 'FOO' is not one of OPTIONS, GET, HEAD, POST, PUT, DELETE, TRACE, CONNECT")
})

// A scripted server (Node's net): handshake, then a close frame with code 5000, which RFC 6455
// does not allow on the wire. The client must answer 1002, not echo 5000; the task still ends.
test('a server close code not allowed on the wire is answered with 1002', async () => {
  let answer = null
  const answered = new Promise(resolve => { answer = resolve })
  const scripted = net.createServer(socket => {
    let buf = Buffer.alloc(0)
    let upgraded = false
    socket.on('data', chunk => {
      buf = Buffer.concat([buf, chunk])
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const key = /sec-websocket-key:\s*(\S+)/i.exec(buf.subarray(0, end).toString())[1]
        const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64')
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`)
        socket.write(Buffer.from([0x88, 0x02, 5000 >> 8, 5000 & 0xff]))
        upgraded = true
        buf = buf.subarray(end + 4)
      }
      if (buf.length >= 8) { // the client's close frame: masked, at least a code
        assert.equal(buf[0], 0x88)
        const len = buf[1] & 0x7f
        const mask = buf.subarray(2, 6)
        answer(((buf[6] ^ mask[0]) << 8) | (buf[7] ^ mask[1]))
        assert.ok(len >= 2)
        socket.end()
      }
    })
    socket.on('error', () => {})
  })
  await new Promise(resolve => scripted.listen(0, '127.0.0.1', resolve))
  try {
    const rec = new Recorder()
    const task = rt.wx.connectSocket({ url: `ws://127.0.0.1:${scripted.address().port}/` })
    record(task, rec)
    assert.equal(await within(answered, "the client's close frame"), 1002)
    await rec.waitFor('close')
    assert.deepEqual(rec.names(), ['open', 'error', 'close'])
    assert.match(rec.get('error').errMsg, /close code 5000 is not allowed on the wire/)
  } finally {
    scripted.close()
  }
})
