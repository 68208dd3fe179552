'use strict'
// Loads the addon built by CMake (target minisock_node): MINISOCK_NODE_ADDON if set, else the
// release build tree, else the dev one. Nothing is built or downloaded here.

const fs = require('node:fs')
const path = require('node:path')

const repo = path.resolve(__dirname, '..', '..', '..')
const candidates = process.env.MINISOCK_NODE_ADDON
  ? [path.resolve(process.env.MINISOCK_NODE_ADDON)]
  : ['release', 'dev'].map(preset => path.join(repo, 'build', preset, 'bindings', 'node', 'minisock.node'))

const found = candidates.find(file => fs.existsSync(file))
if (!found) {
  throw new Error(
    'minisock: the native addon is not built. Looked for:\n  ' + candidates.join('\n  ') +
    '\nBuild it with `cmake --preset release && cmake --build --preset release` (or ' +
    './scripts/test.sh), or set MINISOCK_NODE_ADDON to the path of minisock.node.')
}

const native = require(found)

// Runtimes run loops on threads of their own: end them before the process does, whether it
// exits normally, through process.exit() or after an uncaught exception.
process.on('exit', () => native.shutdown())

module.exports = native
module.exports.path = found
