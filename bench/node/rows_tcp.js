'use strict';
// TCP rows with Node's `net`: tcp_pingpong (tcp_echo) and tcp_stream (tcp_sink).
const net = require('net');
const { performance } = require('perf_hooks');
const { measureWindow } = require('./window');

function connect(args, onConnect, fail) {
  const sock = net.connect({ host: args.host, port: args.port, noDelay: true });
  sock.setNoDelay(true);
  sock.on('error', (e) => fail(`tcp: ${e.message}`));
  sock.once('connect', () => onConnect(sock));
  return sock;
}

/// One connection, one `--size` message in flight; round trips/s.
function pingpong(args, done, fail) {
  const size = args.size;
  if (size < 1) fail('--size must be at least 1');
  const msg = Buffer.alloc(size, 0x61);
  let roundTrips = 0;
  let pending = size; // bytes of the current echo still to come
  connect(args, (sock) => {
    sock.on('data', (chunk) => {
      pending -= chunk.length;
      if (pending < 0) fail(`echo longer than sent (${-pending} bytes extra)`);
      if (pending === 0) {
        ++roundTrips;
        pending = size;
        sock.write(msg);
      }
    });
    sock.on('end', () => fail('server closed the connection'));
    measureWindow(args, () => roundTrips, (rate) => done(rate, 'round trips/s'));
    sock.write(msg);
  }, fail);
}

const CHUNK = 64 * 1024;

/// Connects, writes `total` bytes (or, when total is 0, for `forSeconds`), shuts the write side
/// down, and calls back with the number of bytes and the seconds from the connection's opening
/// to the sink's 8-byte little-endian count (which must match).
function streamOnce(args, total, forSeconds, fail, onCounted) {
  const chunk = Buffer.alloc(CHUNK, 0x62);
  let sent = 0;
  connect(args, (sock) => {
    const t0 = performance.now();
    const deadline = t0 + forSeconds * 1000;
    const reply = [];
    let replyLen = 0;
    sock.on('data', (d) => { reply.push(d); replyLen += d.length; });
    // The 8-byte little-endian header announces the total (0: until the end of the stream).
    const header = Buffer.alloc(8);
    header.writeBigUInt64LE(BigInt(total));
    sock.write(header);
    sock.on('end', () => {
      if (replyLen !== 8) return fail(`tcp_sink answered ${replyLen} bytes, not 8`);
      const counted = Buffer.concat(reply).readBigUInt64LE(0);
      if (counted !== BigInt(sent)) return fail(`tcp_sink counted ${counted} bytes, sent ${sent}`);
      onCounted(sent, (performance.now() - t0) / 1000);
    });
    const pump = () => {
      for (;;) {
        if (total ? sent >= total : performance.now() >= deadline) {
          sock.end();
          return;
        }
        const n = total ? Math.min(CHUNK, total - sent) : CHUNK;
        const ok = sock.write(n === CHUNK ? chunk : chunk.subarray(0, n));
        sent += n;
        if (!ok) {
          sock.once('drain', pump);
          return;
        }
      }
    };
    pump();
  }, fail);
}

/// `--bytes` in 64 KiB writes, after `--warmup` seconds of the same on another connection;
/// GB/s (1e9) from the open connection to the sink's count.
function stream(args, done, fail) {
  const total = Math.floor(args.bytes);
  if (total < 1) fail('--bytes must be at least 1');
  const measured = () => {
    streamOnce(args, total, 0, fail, (n, s) => done(n / s / 1e9, 'GB/s', { seconds: s }));
  };
  if (args.warmup > 0) streamOnce(args, 0, args.warmup, fail, measured);
  else measured();
}

/// busy_flood (tcp_flood): see flood.js.
function busyFlood(args, done, fail) {
  const { startFlood } = require('./flood');
  let received = 0;
  connect(args, (sock) => {
    sock.on('data', (chunk) => { received += chunk.length; });
    const finish = startFlood({ busy: args.extra.busy });
    finish(() => received, (value, unit, extra) => done(value, unit, extra));
  }, fail);
}

module.exports = { pingpong, stream, busyFlood };
