#!/usr/bin/env node
// What `minisock ws URL --json` does, written with npm `ws` as a Node user would (the node
// peer's program in cli_ws_flood, bench/README.md): each stdin line is sent as a text message;
// every event is one JSON line on stdout, in the CLI's format (docs/CLI.md: "open", "message"
// with binary data as lower-case hex, "close", "error"); the server's close ends the process.
// Output goes through process.stdout, a stream; when it reports itself full (write() returns
// false) the socket is paused until 'drain', as the CLI stops reading while its output is
// behind. On exit, with WS_CLI_HWM_FD=N in the environment, the process writes its VmHWM line
// to descriptor N (the harness's peak RSS: a child's is not readable once it has ended).
//
//   node bench/node/ws_cli.js URL
'use strict';

const fs = require('fs');
const readline = require('readline');
const { loadWs } = require('./deps');

const { WebSocket } = loadWs();
const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: ws_cli.js URL\n');
  process.exit(64);
}

const hwmFd = Number(process.env.WS_CLI_HWM_FD || -1);
if (hwmFd >= 0) {
  process.on('exit', () => {
    const hwm = fs.readFileSync('/proc/self/status', 'utf8').match(/^VmHWM:.*$/m);
    if (hwm) fs.writeSync(hwmFd, `${hwm[0]}\n`);
  });
}

const ws = new WebSocket(url, { perMessageDeflate: false });
ws.binaryType = 'nodebuffer';
let paused = false;
const emit = (event) => {
  if (!process.stdout.write(`${JSON.stringify(event)}\n`) && !paused) {
    paused = true;
    ws.pause();
    process.stdout.once('drain', () => {
      paused = false;
      ws.resume();
    });
  }
};

ws.on('open', () => {
  emit({ event: 'open', url, protocol: ws.protocol });
  const lines = readline.createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (line) => ws.send(line));
});
ws.on('message', (data, isBinary) => {
  emit(isBinary
    ? { event: 'message', type: 'binary', data: data.toString('hex'), binary: true, size: data.length }
    : { event: 'message', type: 'text', data: data.toString(), binary: false, size: data.length });
});
ws.on('error', (e) => {
  emit({ event: 'error', errMsg: e.message });
  process.stderr.write(`ws_cli: ${e.message}\n`);
  process.exitCode = 69;
});
ws.on('close', (code, reason) => {
  emit({ event: 'close', code, reason: reason.toString() });
  // stdin is still open: end here. stdout to a file or pipe is written synchronously on Linux,
  // so every line is out.
  process.exit();
});
