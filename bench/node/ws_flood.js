'use strict';
// cli_ws_flood for the node peer (bench/README.md): the same harness as the minisock peer's
// (bench/clients/cli_ws_flood.hpp) around ws_cli.js, Node's counterpart of
// `minisock ws URL --json`. It starts `node ws_cli.js URL` with stdout redirected to a file,
// sends the flood's "go" line through its stdin, samples its VmRSS every 100 ms, takes its peak
// (VmHWM, which ws_cli.js writes to descriptor 3 as it exits: WS_CLI_HWM_FD), and checks that the file holds
// every message bench_server's ws_flood sent, in order and whole.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { performance } = require('perf_hooks');

function statusKiB(pid, field) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s*(\\d+)`, 'm'));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

/// The file's lines, as the minisock harness checks them: "open"; binary messages 0, 1, … of
/// `size` bytes of ws_flood's pattern (hex, sequence number in the first 8 bytes); the text
/// message "end <count>" with count = the messages read; "close" with code 1000.
function checkFile(file, size, fail) {
  const pattern = Buffer.alloc(size - 8);
  for (let i = 8; i < size; ++i) pattern[i - 8] = 97 + (i % 26);
  const tail = pattern.toString('hex');
  const sizeField = `"size":${size}`;
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.alloc(8 << 20);
  let carry = Buffer.alloc(0);
  let messages = 0;
  let fileBytes = 0;
  let opened = false;
  let closed = false;
  let endCount = -1;
  const onLine = (line) => {
    if (closed) fail(`output after the close event: ${line.slice(0, 200)}`);
    if (line.startsWith('{"event":"open"')) {
      if (opened) fail('two open events');
      opened = true;
      return;
    }
    if (!opened) fail(`output before the open event: ${line.slice(0, 200)}`);
    if (line.startsWith('{"event":"message"')) {
      const at = line.indexOf('"data":"');
      if (at < 0) fail('a message without data');
      const d = at + 8;
      if (line.includes('"type":"binary"')) {
        if (endCount >= 0) fail('a binary message after the end message');
        if (line.length < d + 2 * size + 1 || line[d + 2 * size] !== '"' ||
            line.indexOf(sizeField, d + 2 * size) < 0) fail(`binary message ${messages} is not ${size} bytes`);
        const seq = Number(Buffer.from(line.slice(d, d + 16), 'hex').readBigUInt64LE(0));
        if (seq !== messages) fail(`message ${messages} has sequence number ${seq} (lost, repeated or reordered)`);
        if (line.slice(d + 16, d + 16 + tail.length) !== tail) fail(`message ${messages}: payload differs`);
        ++messages;
      } else if (line.startsWith('end ', d)) {
        endCount = parseInt(line.slice(d + 4), 10);
      } else {
        fail(`unexpected message: ${line.slice(0, 200)}`);
      }
      return;
    }
    if (line.startsWith('{"event":"close"')) {
      if (!line.includes('"code":1000')) fail(`closed with another code: ${line}`);
      closed = true;
      return;
    }
    fail(`unexpected event: ${line.slice(0, 300)}`);
  };
  try {
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      fileBytes += n;
      let buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
        onLine(buf.toString('latin1', start, nl));
        start = nl + 1;
      }
      carry = Buffer.from(buf.subarray(start));
    }
  } finally {
    fs.closeSync(fd);
  }
  if (carry.length) fail("the output's last line has no newline (cut short)");
  if (!closed) fail('no close event in the output');
  if (endCount < 0) fail('no end message in the output');
  if (endCount !== messages) fail(`the server sent ${endCount} messages, the output has ${messages}`);
  if (messages === 0) fail('no message received');
  if (fs.statSync(file).size !== fileBytes) fail("the file's size differs from the bytes read");
  return { messages, fileBytes };
}

function flood(args, done, fail) {
  const floodS = Number(args.extra.flood ?? 5);
  if (!(floodS > 0 && floodS <= 600)) fail('--flood must be in (0, 600] seconds');
  const size = args.sizeGiven ? args.size : 1 << 20;
  if (size < 8) fail('--size must be at least 8');
  const host = args.host.includes(':') ? `[${args.host}]` : args.host;
  const url = `ws://${host}:${args.port}/`;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minisock-node-flood-'));
  const file = path.join(dir, 'out.ndjson');
  let child = null;
  const cleanup = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  const out = fs.openSync(file, 'w');
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  child = spawn(process.execPath, [path.join(__dirname, 'ws_cli.js'), url],
    { stdio: ['pipe', out, 'inherit', 'pipe'], env: { ...process.env, WS_CLI_HWM_FD: '3' } });
  fs.closeSync(out);
  let hwmLine = '';
  child.stdio[3].on('data', (d) => { hwmLine += d; });
  child.stdin.on('error', () => {}); // the child's exit closes its stdin
  child.stdin.write(`go ${Math.round(floodS * 1000)} ${size}\n`);

  // Samples every 100 ms, at most (flood + 15) s: the flood, the close, a margin.
  const samples = [];
  let sampledPeak = 0;
  let hwm = 0;
  const bound = floodS + 15;
  const maxSamples = Math.floor(bound * 10) + 1;
  const sampler = setInterval(() => {
    if (samples.length >= maxSamples || elapsed() >= bound) {
      clearInterval(sampler);
      fail(`ws_cli.js did not end within ${bound} s`);
    }
    const rss = statusKiB(child.pid, 'VmRSS');
    if (rss < 0) return;
    samples.push({ t: elapsed(), rss });
    sampledPeak = Math.max(sampledPeak, rss);
    hwm = Math.max(hwm, statusKiB(child.pid, 'VmHWM'));
  }, 100);
  child.on('error', (e) => fail(`cannot start ws_cli.js: ${e.message}`));
  // 'close': the process has ended and descriptor 3 has been read to its end.
  child.on('close', (code, signal) => {
    clearInterval(sampler);
    const wall = elapsed();
    child.stdin.destroy();
    if (code !== 0) fail(`ws_cli.js ended with ${signal ? `signal ${signal}` : `status ${code}`}`);
    if (!samples.length) fail('no RSS sample (ws_cli.js ended at once)');
    const c = checkFile(file, size, fail);
    const m = hwmLine.match(/VmHWM:\s*(\d+)/);
    const peak = Math.max(m ? Number(m[1]) : 0, hwm, sampledPeak);
    const last = samples[samples.length - 1];
    const extra = {};
    const mb = (c.messages * size) / 1e6;
    extra.mb_received = Number(mb.toFixed(1));
    extra.messages = c.messages;
    extra.output_mb = Number((c.fileBytes / 1e6).toFixed(1));
    extra.mb_per_s = Number((mb / wall).toFixed(1));
    extra.final_rss_kib = last.rss;
    extra.sampled_peak_kib = sampledPeak;
    extra.samples = samples.length;
    extra.flood_s = floodS;
    const first = samples.find((s) => s.t >= 1);
    if (first && last.t - first.t >= 1) extra.rss_growth_kib_per_s = Math.round((last.rss - first.rss) / (last.t - first.t));
    cleanup();
    done(peak, 'KiB', extra);
  });
}

module.exports = { flood, checkFile };
