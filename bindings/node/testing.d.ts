// require('minisock/testing'): minisock's embedded loopback echo servers, for tests and demos.

export interface EchoServerOptions {
  /** Address to listen on (default '127.0.0.1'). */
  host?: string
  /** Port to listen on (default 0: one the system chooses; read it back from `port`). */
  port?: number
  /** WsEchoServer only: PEM files of a certificate and its key, for wss. */
  cert?: string
  key?: string
}

declare class EchoServer {
  constructor (options?: EchoServerOptions)
  readonly host: string
  readonly port: number
  /** Counters: TCP {accepted, echoedBytes}, UDP {echoed}, WebSocket {accepted, messages, lastRequestHeaders}. */
  readonly stats: Record<string, unknown>
  /** Stops the server and closes its connections. */
  close (): void
}

/** Echoes every byte back; closes its side when the client closes its side. */
export declare class TcpEchoServer extends EchoServer {}
/** Sends every datagram back to its sender. */
export declare class UdpEchoServer extends EchoServer {}
/** Echoes every message with its type; wss with `cert` and `key`. */
export declare class WsEchoServer extends EchoServer {}

/** How events reached JavaScript so far: the event loop's steps of minisock, and their events. */
export declare function deliveryStats (): { steps: number, events: number, pendingBytes: number, maxPendingBytes: number }

/** The sockets the C++ Runtime behind `rt` (a createRuntime() result) still holds. */
export declare function nativeSocketCount (rt: { socketCount (): number }): number
