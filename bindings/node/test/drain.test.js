'use strict'
// TCPSocket's Drain (minisock's extension, onDrain/offDrain): it fires when bytes that had to
// wait have all been handed to the operating system, bufferedAmount back to 0 — never inside
// write(), never for a write the OS took at once. Peers: Node's own net servers (one that
// reads slowly) and minisock's echo server.

const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const net = require('node:net')
const { test, after } = require('node:test')
const { createRuntime, testing, Recorder, fence, within } = require('./helpers')

const rt = createRuntime()
const echo = new testing.TcpEchoServer()
after(() => {
  rt.destroy()
  echo.close()
})

function record (tcp, rec = new Recorder()) {
  for (const name of ['Connect', 'Message', 'Error', 'Close', 'Drain']) tcp[`on${name}`](rec.on(name.toLowerCase()))
  return rec
}

/**
 * A Node net server that does not read until told to: {port, received(), hash(), read(slowly),
 * done: Promise (the client's end), close()}. read(true) takes one chunk at a time with a pause
 * between chunks; read(false) reads at full speed (also when called before the accept).
 */
function sink () {
  return new Promise((resolve, reject) => {
    let peer = null
    let reading = null // read()'s mode, when called before the connection was accepted
    let received = 0
    let ended
    const done = new Promise(r => { ended = r })
    const sha = crypto.createHash('sha256')
    const rec = new Recorder()
    const server = net.createServer(socket => {
      peer = socket
      if (reading === null) socket.pause()
      else socket.slowly = reading
      socket.on('data', chunk => {
        received += chunk.length
        sha.update(chunk)
        rec.push('data', chunk.length)
        if (socket.slowly) {
          socket.pause()
          setTimeout(() => socket.resume(), 1)
        }
      })
      socket.on('end', () => { socket.end(); ended() })
      socket.on('error', () => {})
      rec.push('accept')
    })
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => resolve({
      port: server.address().port,
      rec,
      done,
      received: () => received,
      hash: () => sha.digest('hex'),
      read (slowly) {
        reading = slowly
        if (!peer) return
        peer.slowly = slowly
        peer.resume()
      },
      close () {
        if (peer) peer.destroy()
        server.close()
      }
    }))
  })
}

const MiB = 1 << 20

test('Drain: a large write to a peer that reads slowly fires once, after all of it was taken', async () => {
  const peer = await sink()
  try {
    const tcp = rt.wx.createTCPSocket()
    const rec = record(tcp)
    let inWrite = false
    const atDrain = []
    tcp.onDrain(event => atDrain.push({ inWrite, bufferedAmount: tcp.bufferedAmount, event }))
    tcp.connect({ address: '127.0.0.1', port: peer.port })
    await rec.waitFor('connect')
    await peer.rec.waitFor('accept')
    // 1 MiB writes until the OS takes no more (the peer reads nothing): at most 64 MiB.
    const sha = crypto.createHash('sha256')
    let written = 0
    for (let i = 0; i < 64 && tcp.bufferedAmount === 0; i++) {
      const chunk = crypto.randomBytes(MiB)
      sha.update(chunk)
      inWrite = true
      tcp.write(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.length))
      inWrite = false
      written += chunk.length
    }
    const waiting = tcp.bufferedAmount
    assert.ok(waiting > 0, `the OS took all of ${written} bytes`)
    // The peer still reads nothing: the bytes wait, and no Drain fires.
    await fence(tcp, rec)
    assert.equal(rec.count('drain'), 0)
    assert.equal(tcp.bufferedAmount, waiting)
    // Then it reads, one chunk at a time with a pause between: Drain once the last queued
    // byte was handed to the OS.
    peer.read(true)
    await rec.waitFor('drain', 1, 30000)
    assert.deepEqual(atDrain, [{ inWrite: false, bufferedAmount: 0, event: {} }])
    assert.ok(peer.received() <= written)
    await peer.rec.until(() => peer.received() === written, `${written} bytes at the peer`, 30000)
    // A write the OS takes at once had nothing to wait for: no second Drain.
    tcp.write('x')
    assert.equal(tcp.bufferedAmount, 0)
    await peer.rec.until(() => peer.received() === written + 1, 'the last byte')
    sha.update('x')
    await fence(tcp, rec)
    assert.equal(rec.count('drain'), 1)
    tcp.close()
    await within(peer.done, "the peer's end")
    await rec.waitFor('close')
    assert.equal(peer.hash(), sha.digest('hex'))
    assert.deepEqual(rec.names().filter(n => n !== 'message'), ['connect', 'drain', 'close'])
  } finally {
    peer.close()
  }
})

test('Drain: bytes written before the connection is up wait for it — one Drain, after Connect', async () => {
  const tcp = rt.wx.createTCPSocket()
  const rec = record(tcp)
  const removed = []
  const gone = () => removed.push('called')
  tcp.onDrain(gone)
  tcp.offDrain(gone) // the same function object: removed
  tcp.connect({ address: '127.0.0.1', port: echo.port })
  tcp.write('early')
  await rec.waitFor('message')
  assert.deepEqual(rec.names().slice(0, 3), ['connect', 'drain', 'message'])
  assert.equal(Buffer.from(rec.get('message').message).toString(), 'early')
  assert.deepEqual(rec.get('drain'), {})
  assert.deepEqual(removed, [])
  // A socket that writes only once connected (the OS takes it at once): no Drain.
  const direct = rt.wx.createTCPSocket()
  const directRec = record(direct)
  direct.onConnect(() => direct.write('ping'))
  direct.connect({ address: '127.0.0.1', port: echo.port })
  await directRec.waitFor('message')
  await fence(direct, directRec)
  assert.equal(directRec.count('drain'), 0)
  // offDrain(): every Drain listener removed (no error for a listener list emptied twice).
  tcp.offDrain()
  tcp.offDrain()
  assert.throws(() => tcp.onDrain('x'), TypeError)
  for (const s of [tcp, direct]) s.close()
  await rec.waitFor('close')
  await directRec.waitFor('close')
  assert.equal(rec.count('drain'), 1)
})

test('Drain: a writer that continues from onDrain delivers every byte, in order', async () => {
  const peer = await sink()
  try {
    const total = 32 * MiB
    const piece = 64 << 10
    const payload = crypto.randomBytes(total)
    const tcp = rt.wx.createTCPSocket()
    const rec = new Recorder()
    let sent = 0
    let drains = 0
    let drainsWhileBuffered = 0
    let inWrite = false
    let drainsInsideWrite = 0
    const pump = () => {
      // Write while the OS takes everything at once; Drain says when to go on.
      for (let i = 0; i < 1000 && sent < total && tcp.bufferedAmount === 0; i++) {
        inWrite = true
        tcp.write(payload.buffer.slice(payload.byteOffset + sent, payload.byteOffset + sent + piece))
        inWrite = false
        sent += piece
      }
      if (sent === total) tcp.close() // graceful: what is queued is sent first
    }
    tcp.onConnect(() => { peer.read(false); pump() })
    tcp.onDrain(() => {
      drains++
      if (inWrite) drainsInsideWrite++
      if (tcp.bufferedAmount !== 0) drainsWhileBuffered++
      if (sent < total) pump()
    })
    tcp.onError(rec.on('error'))
    tcp.onClose(rec.on('close'))
    tcp.connect({ address: '127.0.0.1', port: peer.port })
    await rec.waitFor('close', 1, 60000)
    await within(peer.done, "the peer's end", 30000)
    assert.deepEqual(rec.names(), ['close'])
    assert.equal(sent, total)
    assert.ok(drains > 0, '32 MiB do not fit in the sockets\' buffers at once')
    assert.equal(drainsInsideWrite, 0)
    assert.equal(drainsWhileBuffered, 0)
    assert.equal(peer.received(), total)
    assert.equal(peer.hash(), crypto.createHash('sha256').update(payload).digest('hex'))
  } finally {
    peer.close()
  }
})
