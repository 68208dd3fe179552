'use strict'
// Shared by the Node-only tests: what shared/helpers.js has (both engines), plus children,
// free ports and server processes.

const { spawn } = require('node:child_process')
const net = require('node:net')
const shared = require('./shared/helpers')

const { packageDir, within, WAIT_MS } = shared

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

module.exports = {
  ...shared,
  runNode,
  freePort,
  startServerProcess
}
