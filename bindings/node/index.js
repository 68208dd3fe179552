'use strict'
// minisock for JavaScript: the mini-program socket API (wx / Taro) on the C++ core, through
// Node-API. See README.md ("JavaScript binding") and index.d.ts.
//
//   const { wx, Taro, createRuntime } = require('<repo>/bindings/node')
//
// `wx` and `Taro` share one default runtime, made on first use, with the development policy;
// createRuntime({ policy, network }) makes another with its own policy (and, as an extension,
// a proxy). Every runtime runs on this thread's own event loop (Node's libuv loop): no thread
// of minisock's.

const { Runtime, makeApis } = require('./lib/api')
const { normalizePolicy } = require('./lib/policy')
const { normalizeNetwork } = require('./lib/network')
const { isObject, typeName } = require('./lib/args')
const { runtimes } = require('./lib/runtime')

let defaultRuntime = null
function getDefaultRuntime () {
  if (defaultRuntime === null) {
    // The engine's bridge may name another preset (minisock run --policy).
    defaultRuntime = new Runtime(normalizePolicy(require('./lib/native').defaultPolicy || 'development'))
  }
  return defaultRuntime
}

const { wx, Taro } = makeApis(getDefaultRuntime)

/**
 * A separate runtime: its own policy, quotas and global socket calls (on the same event loop),
 * and, as an extension, its own way to the network: `network: { proxy, noProxy }` (a SOCKS5 or
 * HTTP CONNECT proxy for its TCPSockets and SocketTasks; minisock::NetworkOptions).
 * @param {{policy?: string | object, network?: {proxy?: string, noProxy?: string[]}}} [options]
 */
function createRuntime (options = {}) {
  if (!isObject(options)) {
    throw new TypeError(`createRuntime: options should be Object instead of ${typeName(options)}`)
  }
  const runtime = new Runtime(normalizePolicy(options.policy), normalizeNetwork(options.network))
  const apis = makeApis(() => runtime)
  const native = require('./lib/native')
  const api = Object.freeze({
    wx: apis.wx,
    Taro: apis.Taro,
    /** The policy this runtime enforces (every field). */
    get policy () {
      runtime.check()
      return native.runtimePolicy(runtime.handle)
    },
    /**
     * Sockets and tasks of this runtime whose Close has not reached JavaScript yet (created
     * and not closed; a TCPSocket or UDPSocket never used counts until it is collected): 0
     * means drained.
     */
    socketCount () {
      return runtime.sockets
    },
    /** Closes every socket of this runtime at once, without events. */
    destroy () {
      runtime.destroy()
    }
  })
  runtimes.set(api, runtime) // for testing.nativeSocketCount(api)
  return api
}

module.exports = { wx, Taro, createRuntime }
