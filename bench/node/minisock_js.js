#!/usr/bin/env node
// The `minisock_js` and `minisock_jsc` peers: the rows of bench/README.md written with the
// JavaScript binding, as a mini-program would write them — wx.createTCPSocket, wx.createUDPSocket,
// wx.connectSocket — on a runtime with the unrestricted policy. Same contract as client.js
// (one JSON line, exit 3 for a row it has no equivalent for: tcp_stream needs a drain event,
// which the binding does not expose). One file, two engines (engine.js): Node runs it as
// minisock_js (`node minisock_js.js ROW …`), the minisock CLI's JavaScriptCore host as
// minisock_jsc (`minisock run minisock_js.js ROW …`); the rows that need Node's memory figures
// (ws_idle) or its net module (busy_flood) are Node's only.
'use strict'

const engine = require('./engine')
const { measureWindow } = require('./window')
const { createRuntime } = engine
const peer = engine.name === 'node' ? 'minisock_js' : 'minisock_jsc'

let failed = false
function fail (message) {
  if (failed) return
  failed = true
  engine.error(`${peer}: ${message}\n`)
  engine.exit(1)
}

function parseArgs (argv) {
  const a = { row: argv[0], host: '127.0.0.1', port: 0, seconds: 2, warmup: 0.3, size: 64, ca: '' }
  let sizeGiven = false
  for (let i = 1; i < argv.length; i += 2) {
    const key = String(argv[i]).replace(/^--/, '')
    const v = argv[i + 1]
    if (v === undefined) fail(`bad argument: ${argv[i]}`)
    if (key === 'host' || key === 'ca') a[key] = v
    else if (key === 'conns') a.conns = v
    else a[key] = Number(v)
    if (key === 'size') sizeGiven = true
  }
  const mib = a.row === 'ws_1mib' || a.row === 'wss_1mib'
  if (a.inflight === undefined) a.inflight = a.row === 'ws_pipelined' ? 100 : mib ? 4 : 1
  if (mib && !sizeGiven) a.size = 1 << 20
  return a
}

function payload (n) {
  let s = ''
  for (let i = 0; i < n; ++i) s += String.fromCharCode(97 + (i % 26))
  return s
}

function bytes (n) {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; ++i) b[i] = 97 + (i % 26)
  return b.buffer
}

function tcpPingpong (wx, a, done) {
  const msg = payload(a.size)
  const tcp = wx.createTCPSocket()
  let count = 0
  let got = 0
  tcp.onError((e) => fail(e.errMsg))
  tcp.onConnect(() => {
    tcp.write(msg)
    measureWindow(a, () => count, (rate) => done(rate, 'round trips/s'))
  })
  tcp.onMessage(({ message }) => {
    got += message.byteLength
    if (got < a.size) return
    got -= a.size
    ++count
    tcp.write(msg)
  })
  tcp.connect({ address: a.host, port: a.port })
}

function udpPingpong (wx, a, done) {
  const msg = payload(a.size)
  const udp = wx.createUDPSocket()
  let count = 0
  let last = 0
  udp.onError((e) => fail(e.errMsg))
  udp.onMessage(() => {
    ++count
    udp.send({ address: a.host, port: a.port, message: msg })
  })
  udp.bind()
  udp.send({ address: a.host, port: a.port, message: msg })
  // A lost datagram would stop the exchange: resend after 200 ms without progress.
  const watchdog = setInterval(() => {
    if (count === last) udp.send({ address: a.host, port: a.port, message: msg })
    last = count
  }, 200)
  measureWindow(a, () => count, (rate) => {
    clearInterval(watchdog)
    done(rate, 'round trips/s')
  })
}

function udpOneway (wx, a, done) {
  const udp = wx.createUDPSocket()
  let count = 0
  let t0 = 0
  let c0 = 0
  let opened = false
  let first = 0
  udp.onError((e) => fail(e.errMsg))
  udp.onMessage(({ message }) => {
    const now = engine.now()
    if (message.byteLength !== 64) { // "end"
      if (!opened || now - t0 <= 0) fail('the blast ended before the window opened')
      return done((count - c0) / ((now - t0) / 1000), 'datagrams/s')
    }
    ++count
    if (!first) first = now
    if (!opened && now - first >= a.warmup * 1000) {
      opened = true
      t0 = now
      c0 = count
    }
    if (opened && now - t0 >= a.seconds * 1000) done((count - c0) / ((now - t0) / 1000), 'datagrams/s')
  })
  udp.bind()
  udp.send({ address: a.host, port: a.port, message: `go ${Math.round((a.warmup + a.seconds) * 1000) + 100}` })
}

function wsUrl (a, tls) {
  return `${tls ? 'wss' : 'ws'}://${a.host}:${a.port}/`
}

function wsStream (wx, a, tls, text, unitScale, unit, done) {
  const msg = text ? payload(a.size) : bytes(a.size)
  let count = 0
  const task = wx.connectSocket({ url: wsUrl(a, tls), tcpNoDelay: true, fail: (r) => fail(r.errMsg) })
  task.onError((e) => fail(e.errMsg))
  task.onOpen(() => {
    for (let i = 0; i < a.inflight; ++i) task.send({ data: msg })
    measureWindow(a, () => count, (rate) => done(rate * unitScale, unit))
  })
  task.onMessage(() => {
    ++count
    task.send({ data: msg })
  })
}

function wsHandshakes (wx, a, tls, done) {
  let count = 0
  const next = () => {
    const task = wx.connectSocket({ url: wsUrl(a, tls), tcpNoDelay: true, fail: (r) => fail(r.errMsg) })
    task.onOpen(() => task.close({}))
    task.onError((e) => fail(e.errMsg))
    task.onClose(({ code }) => {
      if (code !== 1000) fail(`close code ${code}`)
      ++count
      next()
    })
  }
  next()
  measureWindow(a, () => count, (rate) => done(rate, 'handshakes/s'))
}

function wsIdle (wx, a, done) {
  const CONCURRENT = 64
  const checkpoints = a.conns ? String(a.conns).split(',').map(Number) : [1000, 10000]
  const rssKiB = engine.rssKiB
  const extra = { rss_kib_0: rssKiB() }
  const tasks = []
  let opening = 0
  let opened = 0
  let cp = 0
  const fill = () => {
    const target = checkpoints[cp]
    while (opening < CONCURRENT && tasks.length < target) {
      ++opening
      const task = wx.connectSocket({ url: wsUrl(a, false), fail: (r) => fail(r.errMsg) })
      task.onError((e) => fail(e.errMsg))
      task.onOpen(() => {
        --opening
        ++opened
        if (opened === target) checkpoint()
        else fill()
      })
      tasks.push(task)
    }
  }
  const checkpoint = () => {
    setTimeout(() => {
      extra[`rss_kib_${checkpoints[cp]}`] = rssKiB()
      if (++cp < checkpoints.length) return fill()
      const first = checkpoints[0]
      const last = checkpoints[checkpoints.length - 1]
      const perConn = checkpoints.length > 1
        ? (extra[`rss_kib_${last}`] - extra[`rss_kib_${first}`]) / (last - first)
        : (extra[`rss_kib_${last}`] - extra.rss_kib_0) / last
      done(perConn, 'KiB/conn', extra)
    }, 1000)
  }
  fill()
}

function busyFlood (wx, a, done) {
  const { startFlood } = require('./flood')
  const tcp = wx.createTCPSocket()
  let received = 0
  tcp.onError((e) => fail(e.errMsg))
  tcp.onMessage(({ message }) => { received += message.byteLength })
  tcp.onConnect(() => {
    const finish = startFlood(a)
    finish(() => received, done)
  })
  tcp.connect({ address: a.host, port: a.port })
}

function main () {
  const a = parseArgs(engine.argv)
  const rows = {
    tcp_pingpong: (wx, done) => tcpPingpong(wx, a, done),
    udp_pingpong: (wx, done) => udpPingpong(wx, a, done),
    udp_oneway: (wx, done) => udpOneway(wx, a, done),
    ws_pingpong: (wx, done) => wsStream(wx, a, false, true, 1, 'round trips/s', done),
    wss_pingpong: (wx, done) => wsStream(wx, a, true, true, 1, 'round trips/s', done),
    ws_pipelined: (wx, done) => wsStream(wx, a, false, false, 1, 'messages/s', done),
    ws_1mib: (wx, done) => wsStream(wx, a, false, false, a.size / 1e6, 'MB/s', done),
    wss_1mib: (wx, done) => wsStream(wx, a, true, false, a.size / 1e6, 'MB/s', done),
    ws_handshakes: (wx, done) => wsHandshakes(wx, a, false, done),
    ...(engine.name === 'node' && {
      ws_idle: (wx, done) => wsIdle(wx, a, done),
      busy_flood: (wx, done) => busyFlood(wx, a, done)
    })
  }
  const row = rows[a.row]
  if (!row) return engine.exit(3)
  if (!a.port) return fail('--port is required')
  const slack = { ws_idle: 120, busy_flood: 10 }[a.row] || 0
  engine.watchdog(() => fail(`${a.row}: gave up`), (a.warmup + a.seconds + 20 + slack) * 1000)
  const policy = a.ca ? { base: 'unrestricted', caFile: a.ca } : 'unrestricted'
  const { wx } = createRuntime({ policy })
  row(wx, (value, unit, extra = {}) => {
    if (failed) return
    engine.write(`${JSON.stringify({ value, unit, ...extra })}\n`)
    engine.exit(0)
  })
}

main()
