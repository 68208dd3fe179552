'use strict'
// minisock's embedded loopback echo servers (src/servers), for tests and demos:
//
//   const { TcpEchoServer, UdpEchoServer, WsEchoServer } = require('<repo>/bindings/node/testing')
//   const server = new WsEchoServer()          // 127.0.0.1, a free port
//   const url = `ws://127.0.0.1:${server.port}/`
//   …
//   server.close()
//
// Each runs on a thread of its own (they are test peers, not minisock runtimes) and never
// calls into JavaScript; it does not keep the process alive. Not part of the mini-program API.

const native = require('./lib/native')
const { runtimes } = require('./lib/runtime')

class EchoServer {
  constructor (kind, { host = '127.0.0.1', port = 0, cert, key } = {}) {
    this._handle = native.serverStart(kind, host, port, cert, key)
    this.host = host
    this.port = native.serverInfo(this._handle).port
  }

  /** Counters: TCP {accepted, echoedBytes}, UDP {echoed}, WebSocket {accepted, messages, lastRequestHeaders}. */
  get stats () {
    return native.serverInfo(this._handle)
  }

  /** Stops the server and closes its connections. */
  close () {
    native.serverStop(this._handle)
  }
}

/** Echoes every byte back; closes its side when the client closes its side. */
class TcpEchoServer extends EchoServer {
  constructor (options) { super('tcp', options) }
}

/** Sends every datagram back to its sender. */
class UdpEchoServer extends EchoServer {
  constructor (options) { super('udp', options) }
}

/**
 * Echoes every message with its type, answers pings and close frames (echoing code and
 * reason), accepts permessage-deflate, picks the first offered subprotocol. With `cert` and
 * `key` (PEM files) it speaks wss.
 */
class WsEchoServer extends EchoServer {
  constructor (options) { super('ws', options) }
}

/**
 * How events reached JavaScript so far in this thread: {steps, events, pendingBytes,
 * maxPendingBytes}: the event loop's steps of minisock's runtimes, the events they dispatched
 * (several per step in a burst), and the bytes held natively for JavaScript (read from the
 * network, not yet handed over) now and at most.
 */
function deliveryStats () {
  return native.deliveryStats()
}

/**
 * The sockets the C++ Runtime behind `rt` (a createRuntime() result) still holds: what
 * socketCount() says from the native side (a socket dropped and collected is gone from both).
 */
function nativeSocketCount (rt) {
  const runtime = runtimes.get(rt)
  if (runtime === undefined) throw new TypeError('nativeSocketCount: not a runtime made by createRuntime()')
  return native.runtimeSocketCount(runtime.handle)
}

module.exports = { TcpEchoServer, UdpEchoServer, WsEchoServer, deliveryStats, nativeSocketCount }
