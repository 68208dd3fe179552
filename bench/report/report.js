#!/usr/bin/env node
// Turns one bench/run.sh run into bench/results/<date>.json (every sample, machine, versions),
// <date>.md (one line per row: each peer's median and min–max, minisock's ratios, the
// micro-benchmarks) and <date>.png (gnuplot: each peer's median normalised to the row's best),
// refreshes latest.md / latest.png, and prints the Markdown table.
//
//   node bench/report/report.js --run build/bench/runs/<stamp> [--out bench/results]
//        [--build build/bench] [--wall SECONDS] [--bench-wall SECONDS] [--date YYYY-MM-DD]
//        [--latest yes|no]
//
// The run folder holds what run.sh wrote: samples.tsv, meta.json, notes.txt, micro.json.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

// minisock_base: the C++ client of an earlier minisock (BENCH_BASE_DIR), run side by side to
// check that a change did not slow the C++ rows down.
const PEERS = ['raw', 'asio', 'websocketpp', 'node', 'minisock_base', 'minisock', 'minisock_js', 'minisock_jsc'];
// "best other peer": the peers minisock must lead that are not Asio/Beast (raw is the limit).
const OTHERS = ['websocketpp', 'node'];

function parseArgs(argv) {
  const a = {
    out: 'bench/results', build: 'build/bench', wall: null, 'bench-wall': null, date: null, run: null,
    latest: 'yes',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in a) || argv[i + 1] === undefined) throw new Error(`bad argument: ${argv[i]}`);
    a[k] = argv[i + 1];
  }
  if (!a.run) throw new Error('usage: report.js --run DIR [--out DIR] [--build DIR] [--wall S] [--date D]');
  return a;
}

function readText(file) {
  try { return fs.readFileSync(file, 'utf8'); } catch { return null; }
}

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch { return null; }
}

// ------------------------------------------------------------------ machine and versions
function machineInfo() {
  const cpuinfo = readText('/proc/cpuinfo') || '';
  const model = (cpuinfo.match(/^model name\s*:\s*(.*)$/m) || [])[1] || os.cpus()[0]?.model || 'unknown';
  const mhz = (cpuinfo.match(/^cpu MHz\s*:\s*(.*)$/m) || [])[1];
  const meminfo = readText('/proc/meminfo') || '';
  const memKiB = Number((meminfo.match(/^MemTotal:\s*(\d+)/m) || [])[1] || os.totalmem() / 1024);
  return {
    cpu_model: model.trim(),
    cpu_mhz: mhz ? Number(mhz) : null,
    cores: os.cpus().length,
    kernel: `${os.type()} ${os.release()}`,
    kernel_build: os.version(),
    memory_gib: Number((memKiB / 1048576).toFixed(1)),
  };
}

function versions(buildDir, nodeModules) {
  const v = { node: process.version };
  const pkg = (name) => {
    const t = readText(path.join(nodeModules, name, 'package.json'));
    return t ? JSON.parse(t).version : null;
  };
  v.ws = pkg('ws');
  v.bufferutil = pkg('bufferutil');
  const boost = readText('/usr/include/boost/version.hpp');
  const bv = boost && boost.match(/#define BOOST_VERSION (\d+)/);
  v.boost = bv ? `${Math.floor(bv[1] / 100000)}.${Math.floor(bv[1] / 100) % 1000}.${bv[1] % 100}` : null;
  const wpp = readText('/usr/include/websocketpp/version.hpp');
  if (wpp) {
    const n = (k) => (wpp.match(new RegExp(`${k}_version = (\\d+)`)) || [])[1];
    v.websocketpp = `${n('major')}.${n('minor')}.${n('patch')}`;
  } else v.websocketpp = null;
  const cache = readText(path.join(buildDir, 'CMakeCache.txt')) || '';
  const cxx = (cache.match(/^CMAKE_CXX_COMPILER:[A-Z]+=(.*)$/m) || [])[1] || 'c++';
  v.compiler = (run(cxx, ['--version']) || '').split('\n')[0] || null;
  v.build_type = (cache.match(/^CMAKE_BUILD_TYPE:[A-Z]+=(.*)$/m) || [])[1] || null;
  v.openssl = run('openssl', ['version']);
  const commit = run('git', ['rev-parse', '--short=12', 'HEAD']);
  const dirty = run('git', ['status', '--porcelain', '--untracked-files=no']);
  v.minisock_commit = commit ? `${commit}${dirty ? ' (with uncommitted changes)' : ''}` : null;
  return v;
}

// ------------------------------------------------------------------ samples
function loadSamples(runDir) {
  const text = readText(path.join(runDir, 'samples.tsv'));
  if (!text) throw new Error(`no samples.tsv in ${runDir}`);
  const lines = text.split('\n').filter(Boolean);
  const header = lines.shift().split('\t');
  return lines.map((line) => {
    const f = line.split('\t');
    const o = Object.fromEntries(header.map((h, i) => [h, f[i]]));
    const s = { rep: Number(o.rep), row: o.row, peer: o.peer, status: Number(o.status), wall_s: Number(o.wall_s) };
    if (s.status === 0) {
      const r = JSON.parse(o.result);
      s.value = r.value;
      s.unit = r.unit;
      const extra = { ...r };
      delete extra.value;
      delete extra.unit;
      if (Object.keys(extra).length) s.extra = extra;
    } else if (s.status !== 3) {
      const err = readText(path.join(runDir, 'err', `${o.sample}.txt`)) || '';
      s.error = err.trim().split('\n').slice(-3).join(' | ').slice(0, 300) ||
        (s.status === 124 || s.status === 137 ? 'timed out' : `exit status ${s.status}`);
    }
    return s;
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function pearson(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; ++i) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxx && syy ? sxy / Math.sqrt(sxx * syy) : 0;
}

function lowerIsBetter(row, unit) {
  return /^(ws_idle|busy_flood|cli_ws_flood)/.test(row) || /KiB/i.test(unit || '');
}

function summarise(samples) {
  const rows = [];
  const byRow = new Map();
  for (const s of samples) {
    if (!byRow.has(s.row)) {
      const r = { row: s.row, unit: null, lower_is_better: false, peers: {} };
      byRow.set(s.row, r);
      rows.push(r);
    }
    const r = byRow.get(s.row);
    const p = (r.peers[s.peer] ||= { samples: [] });
    p.samples.push(s);
  }
  for (const r of rows) {
    const units = new Set();
    for (const [, p] of Object.entries(r.peers)) {
      const ok = p.samples.filter((s) => s.status === 0);
      ok.forEach((s) => units.add(s.unit));
      p.unsupported = p.samples.length > 0 && p.samples.every((s) => s.status === 3);
      p.failures = p.samples.filter((s) => s.status !== 0 && s.status !== 3).length;
      if (ok.length) {
        const vals = ok.map((s) => s.value);
        p.n = vals.length;
        p.median = median(vals);
        p.min = Math.min(...vals);
        p.max = Math.max(...vals);
      }
    }
    r.unit = [...units][0] || null;
    if (units.size > 1) r.unit_mismatch = [...units];
    r.lower_is_better = lowerIsBetter(r.row, r.unit);
    const med = (peer) => r.peers[peer]?.median;
    const ratio = (a, b) => (a !== undefined && b !== undefined && b !== 0 ? a / b : null);
    const others = OTHERS.map(med).filter((x) => x !== undefined);
    const bestOther = others.length ? (r.lower_is_better ? Math.min(...others) : Math.max(...others)) : undefined;
    r.ratios = {
      minisock_raw: ratio(med('minisock'), med('raw')),
      minisock_asio: ratio(med('minisock'), med('asio')),
      minisock_best_non_asio: ratio(med('minisock'), bestOther),
      js_node: ratio(med('minisock_js'), med('node')),
      jsc_node: ratio(med('minisock_jsc'), med('node')),
      minisock_base: ratio(med('minisock'), med('minisock_base')),
    };
    const meds = PEERS.map(med).filter((x) => x !== undefined);
    r.best = meds.length ? (r.lower_is_better ? Math.min(...meds) : Math.max(...meds)) : null;
  }
  return rows;
}

// ------------------------------------------------------------------ micro-benchmarks
function loadMicro(runDir) {
  const t = readText(path.join(runDir, 'micro.json'));
  if (!t) return null;
  let j;
  try { j = JSON.parse(t); } catch { return null; }
  return {
    context: j.context,
    benchmarks: (j.benchmarks || []).filter((b) => !b.run_type || b.run_type === 'iteration'),
  };
}

// ------------------------------------------------------------------ formatting
function fmt(x) {
  if (x === undefined || x === null || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(x / 1e3).toPrecision(3)}k`;
  if (a >= 100) return x.toFixed(0);
  return x.toPrecision(3);
}

function cell(p, reps) {
  if (!p) return '';
  if (p.unsupported) return '—';
  if (p.median === undefined) return `failed (${p.failures})`;
  let s = `**${fmt(p.median)}**`;
  if (p.n > 1) s += ` (${fmt(p.min)}–${fmt(p.max)})`;
  const missing = [];
  if (p.failures) missing.push(`${p.failures} failed`);
  if (p.n < reps && !p.failures && !/^ws_idle/.test(p.samples[0]?.row || '')) missing.push(`n=${p.n}`);
  if (missing.length) s += ` [${missing.join(', ')}]`;
  return s;
}

const fmtRatio = (r) => (r === null ? '' : `${r.toFixed(2)}×`);

function fmtTime(ns, unit) {
  const toNs = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 }[unit] || 1;
  const t = ns * toNs;
  if (t >= 1e9) return `${(t / 1e9).toPrecision(3)} s`;
  if (t >= 1e6) return `${(t / 1e6).toPrecision(3)} ms`;
  if (t >= 1e3) return `${(t / 1e3).toPrecision(3)} µs`;
  return `${t.toPrecision(3)} ns`;
}

function markdown(report) {
  const { machine: m, versions: v, run: r, rows, micro } = report;
  const peers = PEERS.filter((p) => rows.some((row) => row.peers[p]));
  const L = [];
  L.push(`# Benchmark results, ${report.date}`);
  L.push('');
  L.push(`${m.cpu_model}, ${m.cores} cores, ${m.memory_gib} GiB, ${m.kernel}. ` +
    `${v.compiler || 'compiler ?'} (${v.build_type || '?'}), Boost ${v.boost || '?'}, ` +
    `websocketpp ${v.websocketpp || '?'}, ${v.openssl || 'OpenSSL ?'}, Node ${v.node}, ` +
    `ws ${v.ws || '?'} + bufferutil ${v.bufferutil || '?'}; minisock ${v.minisock_commit || '?'}.`);
  L.push('');
  const meta = r.meta || {};
  L.push(`Run: ${meta.mode || '?'} (\`${meta.command || 'bench/run.sh'}\`), ` +
    `${meta.reps} repetitions interleaved (peer order shuffled each time), ` +
    `${meta.seconds} s windows after ${meta.warmup} s warmup, tcp_stream ${fmtBytes(meta.stream_bytes)}, ` +
    Object.entries(meta.samples_per_rep || {}).map(([row, n]) =>
      `${row} ${n} samples per peer and repetition (its samples spread with how often the sink is woken), `).join('') +
    `ws_idle at ${meta.idle_conns} connections (${meta.idle_reps} repetition${meta.idle_reps > 1 ? 's' : ''}); ` +
    `wall time ${r.bench_wall_s ?? '?'} s (${r.wall_s ?? '?'} s with setup and build). ` +
    'All on loopback, one single-threaded bench_server. ' +
    '`@1cpu`: client and server pinned to CPU 0; `@2cpu`: both on CPUs 0–1.');
  if (meta.mode === 'quick') L.push('', '*Quick run: short windows, numbers are indicative only.*');
  for (const n of r.notes || []) L.push('', `Note: ${n}`);
  L.push('');
  L.push('Each cell: median over the repetitions (bold), min–max in brackets; — = the peer has no such ' +
    'row. Ratios are of medians; "best other" is the better of websocketpp and node (the peers ' +
    'that are not Asio/Beast); minisock_js is the JavaScript binding (bindings/node), compared ' +
    'with Node\'s own net/dgram/ws; minisock_jsc is the same script in JavaScriptCore (minisock run). ws_idle, busy_flood and cli_ws_flood are memory: lower is better (↓).');
  L.push('');
  const base = peers.includes('minisock_base');
  const jsc = peers.includes('minisock_jsc');
  L.push(`| row | unit | ${peers.join(' | ')} | minisock / raw | minisock / asio | minisock / best other | minisock_js / node |${jsc ? ' minisock_jsc / node |' : ''}${base ? ' minisock / base |' : ''}`);
  L.push(`| --- | --- | ${peers.map(() => '---:').join(' | ')} | ---: | ---: | ---: | ---: |${jsc ? ' ---: |' : ''}${base ? ' ---: |' : ''}`);
  for (const row of rows) {
    const unit = `${row.unit || ''}${row.lower_is_better ? ' ↓' : ''}`;
    L.push(`| ${row.row} | ${unit} | ${peers.map((p) => cell(row.peers[p], meta.reps * ((meta.samples_per_rep || {})[row.row] || 1))).join(' | ')} | ` +
      `${fmtRatio(row.ratios.minisock_raw)} | ${fmtRatio(row.ratios.minisock_asio)} | ` +
      `${fmtRatio(row.ratios.minisock_best_non_asio)} | ${fmtRatio(row.ratios.js_node)} |` +
      (jsc ? ` ${fmtRatio(row.ratios.jsc_node)} |` : '') + (base ? ` ${fmtRatio(row.ratios.minisock_base)} |` : ''));
  }
  const failures = rows.flatMap((row) => Object.values(row.peers).flatMap((p) =>
    p.samples.filter((s) => s.error).map((s) => `${row.row} ${s.peer} rep ${s.rep}: ${s.error}`)));
  if (failures.length) {
    L.push('', 'Failures:', '');
    for (const f of failures.slice(0, 30)) L.push(`- ${f.replace(/\|/g, '/')}`);
    if (failures.length > 30) L.push(`- … ${failures.length - 30} more (see the JSON)`);
  }
  const mismatched = rows.filter((row) => row.unit_mismatch);
  if (mismatched.length) {
    L.push('', 'Unit mismatch between peers (medians not comparable): ' +
      mismatched.map((row) => `${row.row}: ${row.unit_mismatch.join(' / ')}`).join('; '));
  }
  const idle = rows.find((row) => /^ws_idle/.test(row.row));
  if (idle) {
    const parts = Object.entries(idle.peers).flatMap(([peer, p]) => {
      const s = p.samples.find((x) => x.extra);
      if (!s) return [];
      const kv = Object.entries(s.extra).filter(([k]) => k.startsWith('rss_kib_'))
        .map(([k, val]) => `${k.slice(8)}: ${fmtBytes(val * 1024)}`);
      return kv.length ? [`${peer} ${kv.join(', ')}`] : [];
    });
    if (parts.length) L.push('', `ws_idle RSS by connections (first repetition): ${parts.join('; ')}.`);
  }
  for (const row of rows) {
    // tcp_stream samples carry the server's wake-ups (voluntary context switches) per sample.
    const counted = (p) => p.samples.filter((x) => x.extra?.server_wakeups > 0 && x.value > 0);
    const all = Object.values(row.peers).flatMap(counted);
    if (all.length < 4) continue;
    const perPeer = Object.entries(row.peers).flatMap(([peer, p]) => {
      const w = counted(p).map((x) => x.extra.server_wakeups);
      return w.length ? [`${peer} ${fmt(median(w))}`] : [];
    });
    L.push('', `${row.row}: bench_server's wake-ups per sample (median) — ${perPeer.join(', ')}; ` +
      `correlation of log(throughput) with log(wake-ups) over all ${all.length} samples: ` +
      `${pearson(all.map((x) => Math.log(x.value)), all.map((x) => Math.log(x.extra.server_wakeups))).toFixed(2)}.`);
  }
  if (micro && micro.benchmarks.length) {
    L.push('', '## Micro-benchmarks (bench_micro, Google Benchmark)', '');
    const c = micro.context || {};
    if (c.library_build_type) {
      L.push(`Run once${meta.mode === 'quick' ? ' with a short --benchmark_min_time' : ''}; ` +
        `the Google Benchmark library itself reports a ${c.library_build_type} build (as the ` +
        `distribution ships it; the code measured is built ${report.versions.build_type || '?'}). ` +
        '"time" is wall-clock time per ' +
        'iteration, "CPU" the calling thread\'s CPU time.', '');
    }
    L.push('| benchmark | time | CPU | iterations | rate |');
    L.push('| --- | ---: | ---: | ---: | ---: |');
    for (const b of micro.benchmarks) {
      const rate = b.bytes_per_second ? `${fmtBytes(b.bytes_per_second)}/s`
        : b.items_per_second ? `${fmt(b.items_per_second)} items/s` : '';
      L.push(`| ${b.name} | ${fmtTime(b.real_time, b.time_unit)} | ${fmtTime(b.cpu_time, b.time_unit)} | ` +
        `${b.iterations} | ${rate} |`);
    }
  }
  L.push('', `Chart: [${report.date}.png](${report.date}.png) — each peer's median divided by the ` +
    'row\'s best (for ↓ rows, best divided by the median), so 1.0 is the best peer of each row.');
  return `${L.join('\n')}\n`;
}

function fmtBytes(n) {
  if (!Number.isFinite(n)) return '?';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < u.length - 1) { n /= 1024; ++i; }
  return `${Number(n.toPrecision(3))} ${u[i]}`;
}

// ------------------------------------------------------------------ chart
function chart(report, pngFile) {
  if (!run('sh', ['-c', 'command -v gnuplot'])) return 'gnuplot not found: no chart';
  const peers = PEERS.filter((p) => report.rows.some((row) => row.peers[p]?.median !== undefined));
  const rows = report.rows.filter((row) => row.best);
  if (!rows.length || !peers.length) return 'no data for a chart';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
  const dat = path.join(tmp, 'data.tsv');
  const lines = [];
  for (const row of rows) {
    const vals = peers.map((p) => {
      const m = row.peers[p]?.median;
      if (m === undefined || m <= 0) return '?';
      return (row.lower_is_better ? row.best / m : m / row.best).toFixed(4);
    });
    lines.push(`${row.row}${row.lower_is_better ? ' ↓' : ''}\t${vals.join('\t')}`);
  }
  fs.writeFileSync(dat, `${lines.join('\n')}\n`);
  const colors = { raw: '#555555', asio: '#1f77b4', websocketpp: '#9467bd', node: '#2ca02c', minisock_base: '#e377c2', minisock: '#d62728', minisock_js: '#ff7f0e', minisock_jsc: '#8c564b' };
  const width = Math.max(1000, 90 * rows.length + 200);
  const gp = [
    `set terminal pngcairo noenhanced size ${width},560 font "sans,10"`,
    `set output '${pngFile}'`,
    `set title "minisock bench ${report.date} (${report.run.meta?.mode || ''}): median per peer / best peer of the row (1.0 = best; ↓ rows: best / median)"`,
    'set datafile separator "\\t"',
    'set datafile missing "?"',
    'set style data histograms',
    'set style histogram clustered gap 1',
    'set style fill solid 0.85 border -1',
    'set boxwidth 0.9',
    'set yrange [0:1.15]',
    'set ytics 0.1',
    'set grid ytics',
    'set key outside right top',
    'set xtics rotate by -35 left nomirror',
    'set bmargin 7',
    `plot ${peers.map((p, i) => `'${dat}' using ${i + 2}:xtic(1) title '${p}' lc rgb '${colors[p]}'`).join(', ')}`,
  ];
  const script = path.join(tmp, 'chart.gp');
  fs.writeFileSync(script, `${gp.join('\n')}\n`);
  try {
    execFileSync('gnuplot', [script], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    return `gnuplot failed: ${String(e.stderr || e.message).trim().split('\n').slice(-2).join(' ')}`;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return null;
}

// ------------------------------------------------------------------ main
function main() {
  const args = parseArgs(process.argv.slice(2));
  const meta = JSON.parse(readText(path.join(args.run, 'meta.json')) || '{}');
  const notes = (readText(path.join(args.run, 'notes.txt')) || '').split('\n').filter(Boolean);
  const date = args.date || new Date().toISOString().slice(0, 10);
  const nodeModules = process.env.MINISOCK_BENCH_NODE_MODULES || path.join(args.build, 'node', 'node_modules');
  const samples = loadSamples(args.run);
  const report = {
    date,
    generated: new Date().toISOString(),
    machine: machineInfo(),
    versions: versions(args.build, nodeModules),
    run: {
      meta, notes, scratch: args.run,
      wall_s: args.wall === null ? null : Number(args.wall),
      bench_wall_s: args['bench-wall'] === null ? null : Number(args['bench-wall']),
    },
    rows: summarise(samples),
    micro: loadMicro(args.run),
  };
  fs.mkdirSync(args.out, { recursive: true });
  const base = path.join(args.out, date);
  const png = `${base}.png`;
  const chartNote = chart(report, path.resolve(png));
  if (chartNote) report.run.notes.push(chartNote);
  const md = markdown(report);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 1)}\n`);
  fs.writeFileSync(`${base}.md`, md);
  const latest = args.latest !== 'no';
  if (latest) {
    fs.writeFileSync(path.join(args.out, 'latest.md'), md.replace(`](${date}.png)`, '](latest.png)'));
    if (!chartNote) fs.copyFileSync(png, path.join(args.out, 'latest.png'));
  }
  process.stdout.write(md);
  const wrote = [`${base}.json`, `${base}.md`];
  if (!chartNote) wrote.push(png);
  if (latest) wrote.push(chartNote ? 'latest.md' : 'latest.md, latest.png');
  process.stderr.write(`report: wrote ${wrote.join(', ')}${chartNote ? ` (${chartNote})` : ''}\n`);
}

main();
