'use strict'
// Shared by the tests: bounded waits, an event recorder, seed runner, TLS files, children.

const assert = require('node:assert/strict')
const { execFileSync, spawn } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

// The package under test: this directory, or (MINISOCK_PACKAGE=minisock, the package test)
// the package installed from its npm tarball into a project of its own.
const packageDir = process.env.MINISOCK_PACKAGE
  ? path.dirname(require.resolve(`${process.env.MINISOCK_PACKAGE}/package.json`, { paths: [process.cwd()] }))
  : path.resolve(__dirname, '..')
const binding = require(packageDir)
const testing = require(path.join(packageDir, 'testing'))

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

/** A throwaway self-signed certificate for localhost/127.0.0.1 (openssl command). */
function makeCertificate () {
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

/** Runs `node -e script` with the binding's path in MINISOCK; resolves {code, signal, stdout, stderr}. */
function runNode (script, { env = {}, ms = WAIT_MS } = {}) {
  return within(new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], {
      env: { ...process.env, MINISOCK: packageDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => { stdout += d })
    child.stderr.on('data', d => { stderr += d })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  }), 'a child node process', ms)
}

/** A loopback TCP port nothing listens on (bound by the system, then released). */
function freePort () {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Whether something accepts connections on 127.0.0.1:port. */
function accepts (port) {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('connect', () => { socket.destroy(); resolve(true) })
    socket.on('error', () => resolve(false))
  })
}

/**
 * Starts a server program (microsocks, tinyproxy) that will listen on 127.0.0.1:port and
 * waits, at most 10 s, until it accepts connections. Returns {port, child, log(), stop()};
 * stop() ends it (SIGTERM, then SIGKILL after 5 s) and resolves once it has exited.
 */
async function startServerProcess (command, args, port) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', d => { output += d })
  child.stderr.on('data', d => { output += d })
  let exited = null
  const exit = new Promise(resolve => {
    child.on('exit', (code, signal) => { exited = { code, signal }; resolve() })
    child.on('error', error => { exited = { error }; resolve() })
  })
  const stop = async () => {
    if (exited) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exit
    clearTimeout(timer)
  }
  const deadline = Date.now() + 10000
  while (!(await accepts(port))) {
    if (exited) {
      throw new Error(`${command} exited at start (${exited.error ? exited.error.message : `code ${exited.code}`}; is it installed? scripts/setup.sh): ${output}`)
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`${command} did not listen on port ${port} within 10 s: ${output}`)
    }
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  return { port, child, log: () => output, stop, exited: () => exited !== null }
}

/** The bytes of an ArrayBuffer as an array of numbers. */
function bytes (buffer) {
  assert.ok(buffer instanceof ArrayBuffer, 'an ArrayBuffer')
  return Array.from(new Uint8Array(buffer))
}

module.exports = {
  ...binding,
  packageDir,
  testing,
  within,
  Recorder,
  fence,
  runSeed,
  recordingConsole,
  makeCertificate,
  runNode,
  freePort,
  startServerProcess,
  bytes,
  WAIT_MS
}
