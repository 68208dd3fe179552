'use strict'
// What building the addon from source needs on Debian 12, checked before trying: a missing
// piece is named with the Debian package that provides it.

const fs = require('node:fs')
const { spawnSync } = require('node:child_process')

function has (command, args = ['--version']) {
  const r = spawnSync(command, args, { stdio: 'ignore' })
  return r.status === 0
}

function readVersionMacro (file, pattern) {
  try {
    const m = fs.readFileSync(file, 'utf8').match(pattern)
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

/** [{what, debian}] for everything missing; empty when the build can start. */
function missingPrerequisites () {
  const missing = []
  if (!has('cmake')) missing.push({ what: 'cmake (3.25 or later)', debian: 'cmake' })
  if (!has('c++') && !has('g++')) missing.push({ what: 'a C++20 compiler', debian: 'g++' })
  if (!has('ninja') && !has('make')) missing.push({ what: 'a build tool (ninja or make)', debian: 'ninja-build' })
  const boost = readVersionMacro('/usr/include/boost/version.hpp', /#define BOOST_VERSION (\d+)/)
  if (boost === null || boost < 108100) {
    missing.push({
      what: boost === null ? 'Boost 1.81 headers' : `Boost 1.81 headers (found ${Math.floor(boost / 100000)}.${Math.floor(boost / 100) % 1000})`,
      debian: 'libboost1.81-dev'
    })
  }
  if (!fs.existsSync('/usr/include/openssl/ssl.h')) missing.push({ what: 'OpenSSL 3 headers', debian: 'libssl-dev' })
  if (!['/usr/include/node/uv.h', '/usr/local/include/node/uv.h', '/usr/include/uv.h'].some(f => fs.existsSync(f))) {
    missing.push({ what: "libuv's header uv.h", debian: 'libuv1-dev' })
  }
  return missing
}

function describe (missing) {
  return 'minisock: cannot build the native addon from source; missing:\n' +
    missing.map(m => `  - ${m.what} (Debian package ${m.debian})`).join('\n') +
    '\nInstall them with:\n  sudo apt-get install ' + [...new Set(missing.map(m => m.debian))].join(' ') +
    '\nthen run `npm rebuild minisock`.'
}

module.exports = { missingPrerequisites, describe }
