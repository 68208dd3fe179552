'use strict';
// Finds npm `ws` and `bufferutil`. bench/run.sh installs them outside the tracked tree, into
// build/bench/node/node_modules (`npm install --prefix build/bench/node`); MINISOCK_BENCH_NODE_MODULES
// names another folder, and a plain require() (NODE_PATH, a node_modules above) comes last.
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

function findRequire() {
  const candidates = [
    process.env.MINISOCK_BENCH_NODE_MODULES,
    path.join(__dirname, '..', '..', 'build', 'bench', 'node', 'node_modules'),
  ].filter(Boolean);
  for (const dir of candidates) {
    if (fs.existsSync(path.join(dir, 'ws', 'package.json')))
      return createRequire(path.join(dir, 'noop.js'));
  }
  return require;
}

/// Loads `ws` and checks that it masks and unmasks through bufferutil's native addon (ws falls
/// back to plain JavaScript without a word when bufferutil does not load).
function loadWs() {
  const req = findRequire();
  const WebSocket = req('ws');
  const wsDir = path.dirname(req.resolve('ws/package.json'));
  const version = req('ws/package.json').version;
  if (process.env.WS_NO_BUFFER_UTIL) throw new Error('WS_NO_BUFFER_UTIL is set: ws would not use bufferutil');
  const bufferutil = req('bufferutil');
  if (!/\[native code\]/.test(String(bufferutil.mask)))
    throw new Error('bufferutil loaded its JavaScript fallback, not the native addon');
  // ws 8 keeps its masking in lib/buffer-util.js (not an exported path: load it by file name,
  // which is the same module instance ws itself uses).
  const bufferUtilJs = require(path.join(wsDir, 'lib', 'buffer-util.js'));
  const usesAddon = /bufferUtil\.mask|websocketMask/.test(String(bufferUtilJs.mask));
  if (!usesAddon) throw new Error(`ws ${version} does not use bufferutil for masking`);
  return { WebSocket, version, bufferutilVersion: req('bufferutil/package.json').version };
}

module.exports = { loadWs };
