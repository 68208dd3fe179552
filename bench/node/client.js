#!/usr/bin/env node
// The `node` peer of the benchmark: one client for every row of bench/README.md ("Client contract").
//
//   node --expose-gc bench/node/client.js ROW --port P [--host 127.0.0.1] [--seconds S]
//        [--warmup W] [--size N] [--inflight N] [--bytes N] [--conns 1000,10000] [--ca FILE]
//
// Prints one JSON line {"value": V, "unit": "U", ...} and exits 0; exits 3 (printing nothing)
// for a row it does not know; any failure: a message on stderr and exit 1. Whatever happens, the
// process gives up after warmup + seconds + 20 s (ws_idle: 120 s more, tcp_stream: 30 s more).
'use strict';

const ROWS = {
  tcp_pingpong: () => require('./rows_tcp').pingpong,
  tcp_stream: () => require('./rows_tcp').stream,
  udp_pingpong: () => require('./rows_udp').pingpong,
  udp_oneway: () => require('./rows_udp').oneway,
  ws_pingpong: () => require('./rows_ws').pingpong,
  ws_pipelined: () => require('./rows_ws').pipelined,
  ws_1mib: () => require('./rows_ws').mib,
  wss_pingpong: () => require('./rows_ws').pingpong,
  wss_1mib: () => require('./rows_ws').mib,
  ws_idle: () => require('./rows_ws').idle,
  ws_handshakes: () => require('./rows_ws').handshakes,
  wss_handshakes: () => require('./rows_ws').handshakes,
  busy_flood: () => require('./rows_tcp').busyFlood,
  cli_ws_flood: () => require('./ws_flood').flood,
};

function fail(message) {
  process.stderr.write(`node client: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  if (argv.length < 1) fail('usage: client.js ROW --port P [options]');
  const a = {
    row: argv[0],
    host: '127.0.0.1',
    port: 0,
    port2: 0,
    seconds: 2.0,
    warmup: 0.3,
    bytes: 2 ** 31,
    size: 64,
    sizeGiven: false, // *_1mib rows: 1 MiB unless --size says otherwise
    inflight: undefined, // row default: ws_pipelined 100, *_1mib 4
    conns: [1000, 10000],
    ca: '',
    extra: {},
  };
  const num = (k, v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) fail(`bad value for --${k}: ${v}`);
    return n;
  };
  for (let i = 1; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1];
    if (!k.startsWith('--') || v === undefined) fail(`bad argument: ${k}`);
    const key = k.slice(2);
    switch (key) {
      case 'host': a.host = v; break;
      case 'port': a.port = num(key, v); break;
      case 'port2': a.port2 = num(key, v); break;
      case 'seconds': a.seconds = num(key, v); break;
      case 'warmup': a.warmup = num(key, v); break;
      case 'bytes': a.bytes = num(key, v); break;
      case 'size': a.size = num(key, v); a.sizeGiven = true; break;
      case 'inflight': a.inflight = Math.max(1, num(key, v)); break;
      case 'ca': a.ca = v; break;
      case 'conns':
        a.conns = v.split(',').map((s) => num(key, s));
        if (a.conns.length === 0 || a.conns.some((n, j) => j > 0 && n <= a.conns[j - 1]))
          fail(`--conns must be increasing: ${v}`);
        break;
      default: a.extra[key] = v;
    }
  }
  return a;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const row = ROWS[args.row];
  if (!row) process.exit(3);
  if (!args.port) fail('--port is required');

  // The contract's bound on every loop: give up after warmup + seconds + 20 s; like the C++
  // clients, ws_idle (whose work is the connections, not the window) and tcp_stream (a fixed
  // amount of work) get 120 s and 30 s more.
  // cli_ws_flood: the flood (--flood, 5 s) and 10 s more (its harness bounds itself sooner).
  const slack = { ws_idle: 120, tcp_stream: 30, busy_flood: 10,
    cli_ws_flood: Number(args.extra.flood ?? 5) + 10 }[args.row] || 0;
  const limitMs = (args.warmup + args.seconds + 20 + slack) * 1000;
  setTimeout(() => fail(`${args.row}: gave up after ${limitMs / 1000} s`), limitMs).unref();
  process.on('uncaughtException', (e) => fail(`${args.row}: ${e && e.stack ? e.stack : e}`));
  process.on('unhandledRejection', (e) => fail(`${args.row}: ${e && e.stack ? e.stack : e}`));

  const done = (value, unit, extra = {}) => {
    if (!Number.isFinite(value)) fail(`${args.row}: no result (${value})`);
    process.stdout.write(`${JSON.stringify({ value, unit, ...extra })}\n`);
    // stdout is synchronous for files and pipes on Linux: exiting now loses nothing, and does not
    // wait for the server to finish with our sockets.
    process.exit(0);
  };
  row()(args, done, (message) => fail(`${args.row}: ${message}`));
}

main();
