'use strict'
// The process's life: open sockets keep it alive and release it after Close; listener
// exceptions are Node's uncaught exceptions and never crash the native side; process.exit()
// and uncaught exceptions with sockets open end cleanly; runtime.destroy(); worker threads;
// bursts of events. Child processes run the scripts, so exit codes and signals are seen.

const assert = require('node:assert/strict')
const { test, after } = require('node:test')
const { createRuntime, testing, Recorder, runNode, within } = require('./helpers')

const ws = new testing.WsEchoServer()
after(() => ws.close())

// A script's preamble: the binding, and servers whose threads do not keep the process alive.
const preamble = `
  const { wx, Taro, createRuntime } = require(process.env.MINISOCK)
  const testing = require(process.env.MINISOCK + '/testing')
  const net = require('node:net')
  const print = (...a) => process.stdout.write(a.join(' ') + '\\n')
`

test('an open TCPSocket keeps the process alive; after its Close the process exits', async () => {
  const { code, signal, stdout, stderr } = await runNode(preamble + `
    // Node's server is unref'd, its timer too: only the minisock socket holds the process.
    const server = net.createServer(peer => {
      setTimeout(() => peer.end('bye'), 300).unref()
    }).listen(0, '127.0.0.1', () => {
      server.unref()
      const tcp = wx.createTCPSocket()
      const started = Date.now()
      tcp.onMessage(m => print('message', Buffer.from(m.message).toString()))
      tcp.onClose(() => print('close after', Date.now() - started >= 250 ? '>=250ms' : 'too early'))
      tcp.connect({ address: '127.0.0.1', port: server.address().port })
    })
    process.on('exit', c => print('exit', c))
  `)
  assert.equal(signal, null)
  assert.equal(code, 0, stderr)
  assert.deepEqual(stdout.trim().split('\n'), ['message bye', 'close after >=250ms', 'exit 0'])
})

test('a SocketTask keeps it alive until Close; unused and closed sockets do not', async () => {
  const { code, stdout, stderr } = await runNode(preamble + `
    const server = new testing.WsEchoServer()
    wx.createTCPSocket()                  // never connected
    const udp = wx.createUDPSocket()
    udp.bind()
    udp.onClose(() => print('udp closed'))
    udp.close()
    const task = wx.connectSocket({ url: 'ws://127.0.0.1:' + server.port + '/' })
    task.onOpen(() => {
      print('open')
      setTimeout(() => task.close(), 200).unref() // only the task holds the process
    })
    task.onClose(e => { print('close', e.code); server.close() })
    process.on('exit', c => print('exit', c))
  `)
  assert.equal(code, 0, stderr)
  assert.deepEqual(stdout.trim().split('\n'), ['udp closed', 'open', 'close 1000', 'exit 0'])
})

test('a listener that throws: uncaughtException sees it, the other listeners and events go on', async () => {
  const { code, signal, stdout, stderr } = await runNode(preamble + `
    const server = new testing.WsEchoServer()
    process.on('uncaughtException', e => print('uncaught', e.message))
    const task = wx.connectSocket({ url: 'ws://127.0.0.1:' + server.port + '/' })
    task.onOpen(() => { task.send({ data: 'one' }); task.send({ data: 'two' }) })
    task.onMessage(m => { throw new Error('listener threw on ' + m.data) })
    task.onMessage(m => { print('second listener', m.data); if (m.data === 'two') task.close() })
    task.onClose(e => { print('close', e.code); server.close() })
  `)
  assert.equal(signal, null)
  assert.equal(code, 0, stderr)
  const lines = stdout.trim().split('\n')
  // The order of the two kinds of lines depends on the batching; each appears once.
  assert.deepEqual(lines.slice().sort(), [
    'close 1000', 'second listener one', 'second listener two',
    'uncaught listener threw on one', 'uncaught listener threw on two'
  ])
  assert.ok(lines.indexOf('second listener one') < lines.indexOf('second listener two'))
  assert.ok(lines.indexOf('uncaught listener threw on one') < lines.indexOf('uncaught listener threw on two'))
})

test('without a handler, a throwing listener ends the process as Node does: the error, exit code 1', async () => {
  const { code, signal, stdout, stderr } = await runNode(preamble + `
    const server = new testing.TcpEchoServer()
    const tcp = wx.createTCPSocket()
    tcp.onConnect(() => { throw new Error('boom in onConnect') })
    tcp.connect({ address: '127.0.0.1', port: server.port })
    process.on('exit', c => print('exit', c))
  `)
  assert.equal(signal, null, 'no native crash')
  assert.equal(code, 1)
  assert.match(stderr, /Error: boom in onConnect/)
  assert.match(stdout, /exit 1/)
})

test('process.exit() inside a listener, with sockets open and data flowing: a clean exit', async () => {
  const { code, signal, stderr } = await runNode(preamble + `
    const tcpServer = new testing.TcpEchoServer()
    const server = new testing.WsEchoServer()
    const other = createRuntime()
    const tcp = other.wx.createTCPSocket()
    tcp.connect({ address: '127.0.0.1', port: tcpServer.port })
    tcp.onConnect(() => tcp.write('x'.repeat(1 << 20)))
    const task = wx.connectSocket({ url: 'ws://127.0.0.1:' + server.port + '/' })
    let n = 0
    task.onOpen(() => { for (let i = 0; i < 1000; i++) task.send({ data: 'm' + i }) })
    task.onMessage(() => { if (++n === 100) process.exit(7) })
  `)
  assert.equal(signal, null, stderr)
  assert.equal(code, 7, stderr)
})

test('runtime.destroy(): sockets closed at once without events; the process is released', async () => {
  const { code, stdout, stderr } = await runNode(preamble + `
    const server = new testing.WsEchoServer()
    const rt = createRuntime()
    const task = rt.wx.connectSocket({ url: 'ws://127.0.0.1:' + server.port + '/' })
    const tcp = rt.wx.createTCPSocket()
    tcp.connect({ address: '127.0.0.1', port: server.port })
    task.onClose(() => print('unexpected close'))
    task.onOpen(() => {
      print('open', rt.socketCount())
      rt.destroy()
      print('destroyed', rt.socketCount())
      try { rt.wx.createTCPSocket() } catch (e) { print(e.message) }
      task.send({ data: 'after destroy' }) // does nothing
      server.close()
    })
    process.on('exit', c => print('exit', c))
  `)
  assert.equal(code, 0, stderr)
  assert.deepEqual(stdout.trim().split('\n'),
    ['open 2', 'destroyed 0', 'minisock: this runtime has been destroyed', 'exit 0'])
})

test('in a worker thread, and a worker terminated with sockets open', async () => {
  const { code, signal, stdout, stderr } = await runNode(`
    const { Worker } = require('node:worker_threads')
    const testing = require(process.env.MINISOCK + '/testing')
    const server = new testing.WsEchoServer()
    const src = \`
      const { parentPort, workerData } = require('node:worker_threads')
      const { wx } = require(workerData.minisock)
      const task = wx.connectSocket({ url: workerData.url })
      task.onOpen(() => task.send({ data: 'from a worker' }))
      task.onMessage(m => parentPort.postMessage(m.data))
    \`
    const data = { minisock: process.env.MINISOCK, url: 'ws://127.0.0.1:' + server.port + '/' }
    const worker = new Worker(src, { eval: true, workerData: data })
    worker.on('message', async m => {
      console.log('worker said', m)
      await worker.terminate()
      console.log('terminated')
      server.close()
    })
  `)
  assert.equal(signal, null, stderr)
  assert.equal(code, 0, stderr)
  assert.deepEqual(stdout.trim().split('\n'), ['worker said from a worker', 'terminated'])
})

test('a burst that arrived while JavaScript was busy is delivered in order, many events per step', async () => {
  const rt = createRuntime()
  try {
    const task = rt.wx.connectSocket({ url: `ws://127.0.0.1:${ws.port}/` })
    const rec = new Recorder()
    task.onOpen(rec.on('open'))
    task.onMessage(rec.on('message'))
    task.onClose(rec.on('close'))
    await rec.waitFor('open')
    for (let i = 0; i < 500; i++) task.send({ data: `m${i}` })
    // Keep this thread busy while the echoes arrive: they wait in the kernel (this thread is
    // minisock's loop thread), then come in bursts.
    const until = Date.now() + 300
    while (Date.now() < until) { /* busy */ }
    const before = testing.deliveryStats()
    await rec.waitFor('message', 500)
    const after = testing.deliveryStats()
    const steps = after.steps - before.steps
    assert.ok(steps * 4 <= after.events - before.events, `500 messages in ${steps} steps`)
    assert.deepEqual(rec.events.filter(e => e.name === 'message').map(e => e.arg.data),
      Array.from({ length: 500 }, (_, i) => `m${i}`))
    task.close()
    await within(rec.waitFor('close'), 'close')
  } finally {
    rt.destroy()
  }
})

test('a flood while JavaScript is busy stays in the kernel: nothing queues natively, every byte arrives', async () => {
  // A sender in another process writes 48 MiB as fast as TCP lets it; this thread (minisock's
  // loop thread) is busy for a second right after connecting. minisock reads nothing while
  // JavaScript cannot take it, so the bytes held natively never exceed one read batch.
  const total = 48 << 20
  const { spawn } = require('node:child_process')
  const sender = spawn(process.execPath, ['-e', `
    const crypto = require('node:crypto')
    const hash = crypto.createHash('sha256')
    let seed = 12345
    const server = require('node:net').createServer(socket => {
      let sent = 0
      const pump = () => {
        while (sent < ${total}) {
          const chunk = Buffer.alloc(Math.min(65536, ${total} - sent))
          for (let i = 0; i < chunk.length; i += 4) { seed = (seed * 1103515245 + 12345) >>> 0; chunk.writeUInt32LE(seed, i) }
          sent += chunk.length
          hash.update(chunk)
          if (!socket.write(chunk)) return socket.once('drain', pump)
        }
        socket.end(() => { console.log('sent ' + hash.digest('hex')); server.close() })
      }
      pump()
    }).listen(0, '127.0.0.1', () => console.log('port ' + server.address().port))
  `], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = []
  const waiters = []
  let buffer = ''
  sender.stdout.on('data', d => {
    buffer += d
    let i
    while ((i = buffer.indexOf('\n')) >= 0) {
      lines.push(buffer.slice(0, i))
      buffer = buffer.slice(i + 1)
      for (const w of waiters.splice(0)) w()
    }
  })
  const line = prefix => within(new Promise(resolve => {
    const check = () => {
      const found = lines.find(l => l.startsWith(prefix))
      if (found) resolve(found.slice(prefix.length))
      else waiters.push(check)
    }
    check()
  }), `the sender's "${prefix}" line`, 60000)
  try {
    const port = Number(await line('port '))
    const rt = createRuntime()
    const tcp = rt.wx.createTCPSocket()
    const crypto = require('node:crypto')
    const hash = crypto.createHash('sha256')
    let received = 0
    const before = testing.deliveryStats()
    const closed = new Promise(resolve => tcp.onClose(resolve))
    tcp.onConnect(() => {
      const until = Date.now() + 1000
      while (Date.now() < until) { /* a page's long computation */ }
    })
    tcp.onMessage(({ message }) => {
      received += message.byteLength
      hash.update(new Uint8Array(message))
    })
    tcp.connect({ address: '127.0.0.1', port })
    await within(closed, 'the end of the stream', 60000)
    const stats = testing.deliveryStats()
    assert.equal(received, total)
    assert.equal(hash.digest('hex'), await line('sent '))
    assert.equal(stats.pendingBytes, 0)
    assert.ok(stats.maxPendingBytes <= 256 * 1024, `at most one read batch held natively (was ${stats.maxPendingBytes})`)
    assert.ok(stats.events - before.events >= total / (256 * 1024), 'delivered in read batches')
    rt.destroy()
  } finally {
    sender.kill()
  }
})

test('a socket never used and dropped by its owner is released: socketCount() falls, the native side closes it', async () => {
  const { code, stdout, stderr } = await runNode(preamble + `
    require('node:v8').setFlagsFromString('--expose-gc')
    const gc = require('node:vm').runInNewContext('gc')
    const rt = createRuntime()
    const server = new testing.TcpEchoServer()
    const used = rt.wx.createTCPSocket() // used: held until its Close, as the platform says
    used.connect({ address: '127.0.0.1', port: server.port })
    const held = rt.wx.createUDPSocket() // never used, but still held by this script
    for (let i = 0; i < 20000; i++) {
      rt.wx.createTCPSocket().onMessage(() => {}) // listeners alone are not a use
      rt.wx.createUDPSocket()
    }
    print('created', rt.socketCount(), testing.nativeSocketCount(rt))
    ;(async () => {
      for (let i = 0; i < 300 && (rt.socketCount() > 2 || testing.nativeSocketCount(rt) > 2); i++) {
        gc()
        await new Promise(resolve => setTimeout(resolve, 20))
      }
      print('after collection', rt.socketCount(), testing.nativeSocketCount(rt))
      used.onClose(() => { held.close(); server.close() })
      used.close()
    })()
  `)
  assert.equal(code, 0, stderr)
  assert.deepEqual(stdout.trim().split('\n'), ['created 40002 40002', 'after collection 2 2'])
})
