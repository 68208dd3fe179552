'use strict'
// Shared by the tests that run in both engines (bindings/node/test/shared: under Node's test
// runner, and under `minisock run`, JavaScriptCore): bounded waits, an event recorder, the seed
// runner, TLS files. Only what both engines have: no Node module, no Buffer.

const assert = require('node:assert/strict')

// The engine: `minisock run` defines the global `minisock` (engine 'javascriptcore') and has
// the binding built in; under Node, the package under test is this directory, or
// (MINISOCK_PACKAGE=minisock, the package test) the package installed from its npm tarball.
const jsc = typeof minisock === 'object' && minisock !== null && minisock.engine === 'javascriptcore'
let packageDir = null
if (!jsc) {
  const path = require('node:path')
  packageDir = process.env.MINISOCK_PACKAGE
    ? path.dirname(require.resolve(`${process.env.MINISOCK_PACKAGE}/package.json`, { paths: [process.cwd()] }))
    : path.resolve(__dirname, '..', '..')
}
const binding = jsc ? require('minisock') : require(packageDir)
const testing = jsc ? require('minisock/testing') : require(`${packageDir}/testing`)

const WAIT_MS = 10000

/** Resolves with `promise`, or rejects after `ms` naming what was awaited. */
function within (promise, what, ms = WAIT_MS) {
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Records events in order; waits for a condition on them, bounded. */
class Recorder {
  constructor () {
    this.events = []
    this.waiters = []
  }

  /** A listener recording `name` with its argument. */
  on (name) {
    return arg => this.push(name, arg)
  }

  push (name, arg) {
    this.events.push({ name, arg })
    for (const w of this.waiters.slice()) {
      if (w.test()) {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        w.resolve()
      }
    }
  }

  names () {
    return this.events.map(e => e.name)
  }

  count (name) {
    return this.events.filter(e => e.name === name).length
  }

  get (name, index = 0) {
    return this.events.filter(e => e.name === name)[index]?.arg
  }

  /** Waits until test() holds (checked after each event). */
  until (test, what, ms) {
    if (test()) return Promise.resolve()
    const waiter = { test }
    const done = new Promise(resolve => { waiter.resolve = resolve })
    this.waiters.push(waiter)
    return within(done, `${what} (events so far: ${this.names().join(', ') || 'none'})`, ms)
  }

  waitFor (name, count = 1, ms) {
    return this.until(() => this.count(name) >= count, `${count} × ${name}`, ms)
  }
}

/**
 * Waits until everything minisock queued for `socket` before now has reached JavaScript: a
 * call that always fails (bindWifi on TCP, setTTL(-1) on UDP) reports one Error, after the
 * events before it. Used to check that nothing more arrives, without sleeping; the fence's
 * Error is taken out of the recorder.
 */
async function fence (socket, recorder) {
  const before = recorder.count('error')
  if (typeof socket.bindWifi === 'function') socket.bindWifi({ BSSID: 'fence' }) // TCP: always an Error
  else socket.setTTL(-1) // UDP: always an Error
  await recorder.waitFor('error', before + 1)
  recorder.events.splice(recorder.events.findLastIndex(e => e.name === 'error'), 1)
}

/**
 * Runs a seed example as written, with `replacements` ([from, to] text pairs: the addresses)
 * applied, and the given globals (wx, Taro, console, …) in scope.
 */
function runSeed (code, globals, replacements = []) {
  let text = code
  for (const [from, to] of replacements) {
    assert.ok(text.includes(from), `the seed contains ${from}`)
    text = text.split(from).join(to)
  }
  const names = Object.keys(globals)
  // eslint-disable-next-line no-new-func
  return new Function(...names, text)(...names.map(n => globals[n]))
}

/** A console whose log() records its arguments; waitForLines(n) waits for n of them. */
function recordingConsole () {
  const rec = new Recorder()
  const lines = []
  const log = (...args) => {
    lines.push(args)
    rec.push('line', args)
  }
  return { lines, log, error: log, waitForLines: n => rec.waitFor('line', n) }
}

/**
 * A throwaway self-signed certificate for localhost/127.0.0.1: {cert, key, remove()} (PEM
 * files). Node: made by the openssl command; minisock run: by the host (OpenSSL's C API).
 */
function makeCertificate () {
  if (jsc) return minisock.testing.makeCertificate()
  const { execFileSync } = require('node:child_process')
  const fs = require('node:fs')
  const os = require('node:os')
  const path = require('node:path')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minisock-node-tls-'))
  const cert = path.join(dir, 'cert.pem')
  const key = path.join(dir, 'key.pem')
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'
  ], { stdio: 'ignore' })
  return { dir, cert, key, remove: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

/** The bytes of an ArrayBuffer as an array of numbers. */
function bytes (buffer) {
  assert.ok(buffer instanceof ArrayBuffer, 'an ArrayBuffer')
  return Array.from(new Uint8Array(buffer))
}

/** An ArrayBuffer's bytes as text (UTF-8; both engines, without Buffer or TextDecoder). */
function text (buffer) {
  return decodeURIComponent(bytes(buffer).map(b => '%' + b.toString(16).padStart(2, '0')).join(''))
}

module.exports = {
  ...binding,
  engine: jsc ? 'javascriptcore' : 'node',
  packageDir,
  testing,
  within,
  Recorder,
  fence,
  runSeed,
  recordingConsole,
  makeCertificate,
  bytes,
  text,
  WAIT_MS
}
