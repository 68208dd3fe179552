'use strict'
// `npm install`: use the prebuilt addon shipped in prebuilds/ when it loads on this machine;
// otherwise build the addon from the sources in native/ and src/ with cmake-js (Node-API
// headers from the node-api-headers package: nothing is downloaded outside the npm registry).
// MINISOCK_NODE_ADDON=/path/minisock.node skips both; MINISOCK_BUILD_FROM_SOURCE=1 skips the
// prebuilt.

const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { missingPrerequisites, describe } = require('./prerequisites')

const root = path.join(__dirname, '..')

function main () {
  if (process.env.MINISOCK_NODE_ADDON) {
    console.log(`minisock: MINISOCK_NODE_ADDON=${process.env.MINISOCK_NODE_ADDON}; nothing to build`)
    return 0
  }
  if (!process.env.MINISOCK_BUILD_FROM_SOURCE) {
    try {
      const file = require('node-gyp-build').resolve(root)
      require(file)
      console.log(`minisock: using the prebuilt addon ${path.relative(root, file)}`)
      return 0
    } catch (error) {
      console.log(`minisock: no prebuilt addon loads here (${error.message.split('\n')[0]}); building from source`)
    }
  }
  const missing = missingPrerequisites()
  if (missing.length > 0) {
    console.error(describe(missing))
    return 1
  }
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js')
  const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--directory', root, '--out', path.join(root, 'build'),
    '--config', 'Release', '--log-level', 'warn'], { stdio: 'inherit', cwd: root })
  if (r.status !== 0) {
    console.error('minisock: building the native addon failed (the compiler\'s messages are above).')
    return r.status || 1
  }
  return 0
}

process.exitCode = main()
