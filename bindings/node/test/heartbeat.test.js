'use strict'
// connectSocket's `heartbeat` (minisock's extension, milliseconds): a ping after that long
// without anything from the server, the task failed when nothing arrives for two periods.
// Peers: a WebSocket server written here on node:net (it answers pings, or stays silent after
// its handshake, as a dead peer does), and minisock's echo server.

const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const net = require('node:net')
const { test, after } = require('node:test')
const { createRuntime, testing, Recorder, within } = require('./helpers')

const rt = createRuntime()
const echo = new testing.WsEchoServer()
after(() => {
  rt.destroy()
  echo.close()
})

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

/**
 * A WebSocket server on node:net: the opening handshake, then every client frame recorded
 * ('frame' {opcode, payload}). With `answer`, pings get their pong and a close frame its echo;
 * without, nothing is ever sent after the handshake (a peer that died without closing).
 */
function scriptedServer ({ answer }) {
  const rec = new Recorder()
  const sockets = new Set()
  const server = net.createServer(socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buf = Buffer.alloc(0)
    let upgraded = false
    socket.on('data', chunk => {
      buf = Buffer.concat([buf, chunk])
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = buf.subarray(0, end).toString('latin1')
        buf = buf.subarray(end + 4)
        const key = /^sec-websocket-key:[ \t]*(\S+)/im.exec(head)[1]
        const accept = crypto.createHash('sha1').update(key + GUID).digest('base64')
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`)
        upgraded = true
      }
      // Every whole frame received so far (a bounded loop: each turn consumes one).
      while (buf.length >= 2) {
        const opcode = buf[0] & 0x0f
        const masked = (buf[1] & 0x80) !== 0
        let length = buf[1] & 0x7f
        let offset = 2
        if (length === 126) {
          if (buf.length < 4) return
          length = buf.readUInt16BE(2)
          offset = 4
        } else if (length === 127) {
          if (buf.length < 10) return
          length = Number(buf.readBigUInt64BE(2))
          offset = 10
        }
        const start = offset + (masked ? 4 : 0)
        if (buf.length < start + length) return
        const payload = Buffer.from(buf.subarray(start, start + length))
        if (masked) for (let i = 0; i < length; i++) payload[i] ^= buf[offset + (i & 3)]
        buf = buf.subarray(start + length)
        rec.push('frame', { opcode, payload })
        if (!answer) continue
        if (opcode === 0x9) socket.write(Buffer.concat([Buffer.from([0x8a, payload.length]), payload]))
        if (opcode === 0x8) socket.end(Buffer.concat([Buffer.from([0x88, payload.length]), payload]))
      }
    })
  })
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve({
    rec,
    url: `ws://127.0.0.1:${server.address().port}/`,
    pings: () => rec.events.filter(e => e.arg.opcode === 0x9).length,
    close () {
      for (const s of sockets) s.destroy()
      server.close()
    }
  })))
}

function record (task, rec = new Recorder()) {
  for (const name of ['Open', 'Message', 'Error', 'Close']) task[`on${name}`](rec.on(name.toLowerCase()))
  return rec
}

test('heartbeat: an idle connection to a server that answers pings stays open', async () => {
  const server = await scriptedServer({ answer: true })
  try {
    const task = rt.wx.connectSocket({ url: server.url, heartbeat: 150 })
    const rec = record(task)
    await rec.waitFor('open')
    const opened = Date.now()
    // Nothing but pongs from the server: each ping comes after 150 ms of silence, and without
    // the pongs the task would have failed after 300 ms.
    await server.rec.until(() => server.pings() >= 4, '4 pings')
    assert.ok(Date.now() - opened >= 4 * 150 - 50, `${Date.now() - opened} ms for 4 pings`)
    assert.deepEqual(rec.names(), ['open'])
    assert.equal(task.readyState, task.OPEN)
    task.close({ code: 1000, reason: 'done' })
    await rec.waitFor('close')
    assert.deepEqual(rec.names(), ['open', 'close'])
    assert.deepEqual(rec.get('close'), { code: 1000, reason: 'done' })
  } finally {
    server.close()
  }
})

test('heartbeat: a dead peer (silent after the handshake) fails the task; without it the same silence is fine', async () => {
  const dead = await scriptedServer({ answer: false })
  const quiet = await scriptedServer({ answer: false })
  try {
    const watched = rt.wx.connectSocket({ url: dead.url, heartbeat: 200 })
    const unwatched = rt.wx.connectSocket({ url: quiet.url })
    const rec = record(watched)
    const control = record(unwatched)
    await rec.waitFor('open')
    await control.waitFor('open')
    const opened = Date.now()
    await rec.waitFor('close')
    const took = Date.now() - opened
    assert.deepEqual(rec.names(), ['open', 'error', 'close'])
    assert.deepEqual(rec.get('error'), {
      errMsg: 'network interrupted: no data from the server within twice the heartbeat (400 ms; heartbeat 200 ms)',
      errCode: -1,
      errno: 600003
    })
    assert.deepEqual(rec.get('close'), { code: 1006, reason: '' })
    assert.ok(took >= 200 && took < 5000, `failed after ${took} ms`)
    // It pinged first, once the server had been silent for one period.
    assert.equal(dead.rec.get('frame').opcode, 0x9)
    // The task without a heartbeat sent nothing and is still open after the same silence.
    assert.deepEqual(control.names(), ['open'])
    assert.equal(quiet.rec.count('frame'), 0)
    assert.equal(unwatched.readyState, unwatched.OPEN)
    quiet.close() // its connection reset: Error and Close 1006, as for any lost connection
    await control.waitFor('close')
    assert.equal(control.get('close').code, 1006)
  } finally {
    dead.close()
    quiet.close()
  }
})

test('heartbeat: bad values fail the connectSocket call (fail, complete, Error, Close 1006), never throw', async () => {
  const cases = [
    ['150', 'parameter error: parameter.heartbeat should be Number instead of String;'],
    [null, 'parameter error: parameter.heartbeat should be Number instead of Null;'],
    [true, 'parameter error: parameter.heartbeat should be Number instead of Boolean;'],
    [-1, 'invalid heartbeat -1 ms (must be 0, off, up to 24 hours)'],
    [-0.5, 'invalid heartbeat -1 ms (must be 0, off, up to 24 hours)'],
    [24 * 3600 * 1000 + 1, 'invalid heartbeat 86400001 ms (must be 0, off, up to 24 hours)'],
    [NaN, 'invalid heartbeat NaN ms (must be 0, off, up to 24 hours)'],
    [Infinity, 'invalid heartbeat Infinity ms (must be 0, off, up to 24 hours)'],
    [-Infinity, 'invalid heartbeat -Infinity ms (must be 0, off, up to 24 hours)']
  ]
  for (const [heartbeat, problem] of cases) {
    const errMsg = `connectSocket:fail ${problem}`
    const rec = new Recorder()
    const task = rt.wx.connectSocket({
      url: `ws://127.0.0.1:${echo.port}/`,
      heartbeat,
      success: rec.on('success'),
      fail: rec.on('fail'),
      complete: rec.on('complete')
    })
    record(task, rec)
    await rec.waitFor('close')
    assert.deepEqual(rec.names(), ['fail', 'complete', 'error', 'close'], String(heartbeat))
    assert.deepEqual(rec.get('fail'), { errMsg })
    assert.deepEqual(rec.get('error'), { errMsg, errCode: -1 })
    assert.deepEqual(rec.get('close'), { code: 1006, reason: '' })
    // Taro's form: a rejected Promise with the same errMsg.
    const rejection = await within(rt.Taro.connectSocket({ url: `ws://127.0.0.1:${echo.port}/`, heartbeat })
      .then(() => null, e => e), 'a rejection')
    assert.equal(rejection?.errMsg, errMsg)
  }
})

test('heartbeat: 0 (off), a fraction of a millisecond and the 24-hour maximum are accepted', async () => {
  for (const heartbeat of [0, -0, 1500.5, 24 * 3600 * 1000]) {
    const task = rt.wx.connectSocket({ url: `ws://127.0.0.1:${echo.port}/`, heartbeat })
    const rec = record(task)
    await rec.waitFor('open')
    task.send({ data: 'ping?' })
    await rec.waitFor('message')
    assert.equal(rec.get('message').data, 'ping?')
    task.close()
    await rec.waitFor('close')
    assert.deepEqual(rec.names(), ['open', 'message', 'close'], String(heartbeat))
    assert.equal(rec.get('close').code, 1000)
  }
})
