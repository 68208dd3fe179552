'use strict'
// `node -r tests/jsc/node_globals.js FILE [ARGS]`: the globals `minisock run` gives a script
// (wx, Taro, minisock), made from the Node binding, so that tests/jsc/run.test.js runs one
// script in both engines and compares what each prints.
const path = require('node:path')
const pkg = path.resolve(__dirname, '..', '..', 'bindings', 'node')
const binding = require(pkg)
const testing = require(path.join(pkg, 'testing'))
const { makeCertificate } = require(path.join(pkg, 'test', 'shared', 'helpers'))
require(path.join(pkg, 'global'))

globalThis.minisock = Object.freeze({
  engine: 'node',
  args: Object.freeze(process.argv.slice(2)),
  createRuntime: binding.createRuntime,
  testing: Object.freeze({ ...testing, makeCertificate }),
  set exitCode (code) { process.exitCode = code },
  exit (code = 0) { process.exit(code) }
})
