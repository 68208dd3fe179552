'use strict'
// Loads the native addon, the first that exists of:
//   1. MINISOCK_NODE_ADDON (a path to minisock.node);
//   2. the npm package's own: build/Release/minisock.node (built at install time) or the
//      prebuilt prebuilds/<platform>-<arch>/node.napi.node (node-gyp-build's convention);
//   3. in the repository, the CMake build trees: build/release, then build/dev.

const fs = require('node:fs')
const path = require('node:path')

const pkg = path.resolve(__dirname, '..')
const repo = path.resolve(pkg, '..', '..')

function locate () {
  if (process.env.MINISOCK_NODE_ADDON) return path.resolve(process.env.MINISOCK_NODE_ADDON)
  const looked = []
  try {
    return require('node-gyp-build').resolve(pkg)
  } catch (error) {
    looked.push(`${path.join(pkg, 'build', 'Release')} and ${path.join(pkg, 'prebuilds')} (${error.message.split('\n')[0]})`)
  }
  for (const preset of ['release', 'dev']) {
    const file = path.join(repo, 'build', preset, 'bindings', 'node', 'minisock.node')
    if (fs.existsSync(file)) return file
    looked.push(file)
  }
  let hint
  try {
    const { missingPrerequisites, describe } = require('../scripts/prerequisites')
    const missing = missingPrerequisites()
    hint = missing.length > 0 ? describe(missing) : 'Rebuild it with `npm rebuild minisock`.'
  } catch {
    hint = 'In the repository, build it with `cmake --preset release && cmake --build --preset release`.'
  }
  throw new Error('minisock: the native addon is not built. Looked for:\n  ' + looked.join('\n  ') +
    '\n' + hint + '\nOr set MINISOCK_NODE_ADDON to the path of a minisock.node.')
}

const found = locate()
const native = require(found)

// Close every socket before the process ends, whether it exits normally, through
// process.exit() or after an uncaught exception (the loop does not run again).
process.on('exit', () => native.shutdown())

// The bridge's one JavaScript-side duty (docs/ARCHITECTURE.md, "The JavaScript bridge"): an
// exception of a listener, reported as uncaught once the current event is over.
function rethrow (error) {
  throw error
}
native.reportError = error => process.nextTick(rethrow, error)

module.exports = native
module.exports.path = found
