'use strict';
// WebSocket rows with npm `ws` (+ bufferutil), no permessage-deflate: ws_pingpong, wss_pingpong,
// ws_pipelined, ws_1mib, wss_1mib, ws_idle, ws_handshakes.
const fs = require('fs');
const { measureWindow } = require('./window');
const { loadWs } = require('./deps');

const { WebSocket } = loadWs();

function url(args) {
  const scheme = args.row.startsWith('wss_') ? 'wss' : 'ws';
  return `${scheme}://${args.host}:${args.port}/`;
}

function options(args) {
  const o = { perMessageDeflate: false };
  if (args.row.startsWith('wss_')) {
    if (!args.ca) throw new Error('--ca is required for wss rows');
    o.ca = fs.readFileSync(args.ca);
  }
  return o;
}

function open(args, fail, onOpen) {
  const ws = new WebSocket(url(args), options(args));
  ws.binaryType = 'nodebuffer';
  ws.on('error', (e) => fail(`ws: ${e.message}`));
  ws.on('close', (code) => fail(`ws: server closed the connection (${code})`));
  ws.once('open', () => onOpen(ws));
  return ws;
}

/// `inflight` messages of `payload` in flight, one more sent per echo; calls back with a
/// counter of messages received.
function echoLoop(args, payload, inflight, fail, unitPerMessage, unit) {
  return (done) => {
    let received = 0;
    open(args, fail, (ws) => {
      ws.on('message', (data) => {
        if (data.length !== payload.length) fail(`echo of ${data.length} bytes, sent ${payload.length}`);
        ++received;
        ws.send(payload);
      });
      measureWindow(args, () => received, (rate) => done(rate * unitPerMessage, unit));
      for (let i = 0; i < inflight; ++i) ws.send(payload);
    });
  };
}

/// One `--size` (64) text message in flight; round trips/s.
function pingpong(args, done, fail) {
  echoLoop(args, 'a'.repeat(Math.max(1, args.size)), 1, fail, 1, 'round trips/s')(done);
}

/// 64 B binary, `--inflight` (100) in flight; messages/s received.
function pipelined(args, done, fail) {
  echoLoop(args, Buffer.alloc(Math.max(1, args.size), 0x62), args.inflight || 100, fail, 1, 'messages/s')(done);
}

/// 1 MiB (or `--size`) binary, `--inflight` (4) in flight; MB/s (1e6) received.
function mib(args, done, fail) {
  const size = args.sizeGiven ? Math.max(1, args.size) : 1 << 20;
  echoLoop(args, Buffer.alloc(size, 0x63), args.inflight || 4, fail, size / 1e6, 'MB/s')(done);
}

function rssKiB() {
  if (global.gc) { global.gc(); global.gc(); }
  return Math.round(process.memoryUsage().rss / 1024);
}

/// Opens `--conns` connections (checkpoints, at most 64 handshakes at once); at each checkpoint,
/// once all are open, waits 1 s and reads the RSS. KiB per connection between the first and last
/// checkpoint; fields rss_kib_<N> (N = 0: before any connection).
function idle(args, done, fail) {
  const CONCURRENT = 64;
  const checkpoints = args.conns;
  const sockets = [];
  const extra = { rss_kib_0: rssKiB() };
  let opening = 0;
  let opened = 0;
  let cp = 0;

  const fill = () => {
    const target = checkpoints[cp];
    while (opening < CONCURRENT && sockets.length < target) {
      ++opening;
      sockets.push(open(args, fail, () => {
        --opening;
        ++opened;
        if (opened === target) checkpoint();
        else fill();
      }));
    }
  };
  const checkpoint = () => {
    setTimeout(() => {
      extra[`rss_kib_${checkpoints[cp]}`] = rssKiB();
      if (++cp < checkpoints.length) return fill();
      const first = checkpoints[0];
      const last = checkpoints[checkpoints.length - 1];
      const perConn = checkpoints.length > 1
        ? (extra[`rss_kib_${last}`] - extra[`rss_kib_${first}`]) / (last - first)
        : (extra[`rss_kib_${last}`] - extra.rss_kib_0) / last;
      done(perConn, 'KiB/conn', extra);
    }, 1000);
  };
  fill();
}

/// Sequentially: connect, open, close (1000) and wait for the server's close frame and the end of
/// the TCP connection; handshakes/s.
function handshakes(args, done, fail) {
  let completed = 0;
  const one = () => {
    const ws = new WebSocket(url(args), options(args));
    ws.on('error', (e) => fail(`ws: ${e.message}`));
    ws.once('open', () => ws.close(1000));
    // ws emits 'close' once the close frames were exchanged and the socket has closed.
    ws.once('close', (code) => {
      if (code !== 1000) fail(`ws: closed with ${code}, not 1000`);
      ++completed;
      one();
    });
  };
  measureWindow(args, () => completed, (rate) => done(rate, 'handshakes/s'));
  one();
}

module.exports = { pingpong, pipelined, mib, idle, handshakes };
