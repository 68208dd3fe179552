'use strict';
// UDP rows with Node's `dgram`: udp_pingpong (udp_echo) and udp_oneway (udp_blast).
const dgram = require('dgram');
const { performance } = require('perf_hooks');
const { measureWindow } = require('./window');

const LOSS_TIMEOUT_MS = 200;

/// One `--size` datagram in flight, resent after 200 ms without its echo; round trips/s.
/// The first 4 bytes carry a sequence number so that a late echo of a resent datagram is not
/// taken for the next one.
function pingpong(args, done, fail) {
  const size = Math.max(4, args.size);
  const msg = Buffer.alloc(size, 0x61);
  const sock = dgram.createSocket('udp4');
  let seq = 0;
  let roundTrips = 0;
  let lost = 0;
  let sentAt = 0;
  sock.on('error', (e) => fail(`udp: ${e.message}`));
  const send = () => {
    msg.writeUInt32LE(seq, 0);
    sock.send(msg);
  };
  sock.on('message', (m) => {
    if (m.length !== size || m.readUInt32LE(0) !== seq) return; // a late echo of a resent datagram
    ++roundTrips;
    seq = (seq + 1) >>> 0;
    send();
  });
  sock.connect(args.port, args.host, () => {
    // Loss check on a coarse tick rather than a timer per datagram: cheap on the hot path.
    let lastSeen = -1;
    setInterval(() => {
      const now = performance.now();
      if (seq !== lastSeen) {
        lastSeen = seq;
        sentAt = now;
      } else if (now - sentAt >= LOSS_TIMEOUT_MS) {
        ++lost;
        sentAt = now;
        send();
      }
    }, 50).unref();
    measureWindow(args, () => roundTrips, (rate) => done(rate, 'round trips/s', { lost }));
    send();
  });
}

/// Asks udp_blast for warmup + seconds (+ 100 ms, so that the blast outlasts the window) of 64 B
/// datagrams and counts those received from the first arrival + warmup for `seconds`;
/// datagrams/s. Then reads on until "end" or 100 ms without a datagram (at most 2 s), so that the
/// server has stopped sending when this client exits. A blast that ends inside the window shortens the window.
function oneway(args, done, fail) {
  const sock = dgram.createSocket('udp4');
  let received = 0;
  let started = false;
  let ended = false;
  let c0 = 0;
  let t0 = -1;
  let result = null; // [count, seconds] once the window has closed
  const closeWindow = () => {
    if (result || t0 < 0) return;
    result = [received - c0, (performance.now() - t0) / 1000];
    if (ended) return finish();
    // The "end" datagrams may be lost in a full receive queue: a quiet 100 ms also says that the
    // blast is over (2 s at most).
    let seen = received;
    let ticks = 0;
    setInterval(() => {
      if (received === seen || ++ticks >= 20) finish();
      seen = received;
    }, 100);
  };
  const finish = () => {
    if (!result) return fail('the blast ended before the window opened');
    const [count, secs] = result;
    done(count / secs, 'datagrams/s', { received: count });
  };
  sock.on('error', (e) => fail(`udp: ${e.message}`));
  sock.on('message', (m) => {
    if (m.length === 64) {
      ++received;
      if (!started) {
        started = true;
        setTimeout(() => {
          c0 = received;
          t0 = performance.now();
          setTimeout(closeWindow, args.seconds * 1000);
        }, args.warmup * 1000);
      }
    } else if (!ended && m.toString() === 'end') {
      ended = true;
      if (result) finish();
      else if (t0 >= 0) closeWindow();
      else if (started) fail('the blast ended before the window opened');
    }
  });
  sock.bind(0, args.host, () => {
    const go = Buffer.from(`go ${Math.round((args.seconds + args.warmup) * 1000) + 100}`);
    sock.send(go, args.port, args.host);
    // A lost `go` (nothing arrives): ask again, a few times at most.
    let tries = 1;
    const retry = setInterval(() => {
      if (started || tries >= 5) return clearInterval(retry);
      ++tries;
      sock.send(go, args.port, args.host);
    }, 1000);
    retry.unref();
  });
}

module.exports = { pingpong, oneway };
