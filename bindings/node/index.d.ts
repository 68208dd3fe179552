// Types of minisock's JavaScript binding. Interface and field names follow
// miniprogram-api-typings (types/wx/lib.wx.api.d.ts, namespace WechatMiniprogram) where the
// two agree; extensions are marked as such.


export declare namespace minisock {
  /** The argument of success/fail/complete: `connectSocket:ok`, `sendSocketMessage:fail …`. */
  interface GeneralCallbackResult {
    errMsg: string
    /** The platform's unified errno (600000-series), when one applies. */
    errno?: number
  }

  /** The argument of every onError listener. */
  interface ErrorListenerResult {
    /** e.g. `connect fail: errno:111 errmsg:Connection refused` */
    errMsg: string
    /** -1 system, -2 OS socket error, -3 refused by the policy, -4 connect failed, 1 invalid address, 2 invalid port, 3-6 bindWifi. */
    errCode: number
    /** The Linux errno (errCode -2) or the unified 600000-series errno, when there is one. */
    errno?: number
  }

  type Callback<T = GeneralCallbackResult> = (res: T) => void
  /**
   * The listener of an event that carries no field (TCP Connect and Close, UDP Listening and
   * Close, BindWifi): it receives `{}`, as the seeds show. (miniprogram-api-typings declares
   * `{errMsg}` there; the README says what differs.)
   */
  type EmptyListener = (res: Record<string, never>) => void
  /** What offX accepts: the same function object that was given to onX (its type does not matter). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type AnyListener = (...args: any[]) => void

  interface CallbackOption {
    success?: Callback
    fail?: Callback
    complete?: Callback
  }

  // ---- TCPSocket ----

  interface CreateTCPSocketOption {
    /** 'ipv4' (default) or 'ipv6' */
    type?: 'ipv4' | 'ipv6'
  }

  interface TCPSocketConnectOption {
    address: string
    port: number
    /** Connect timeout in seconds (default 2). */
    timeout?: number
  }

  interface BindWifiOption {
    BSSID: string
  }

  interface OnMessageListenerResultLocalInfo {
    address: string
    /** 'IPv4' or 'IPv6' */
    family: string
    port: number
  }

  interface TCPSocketOnMessageListenerResultRemoteInfo {
    address: string
    family: string
    port: number
    /** Size of the message in bytes. */
    size: number
  }

  interface TCPSocketOnMessageListenerResult {
    message: ArrayBuffer
    remoteInfo: TCPSocketOnMessageListenerResultRemoteInfo
    localInfo: OnMessageListenerResultLocalInfo
  }

  interface TCPSocket {
    connect(options: TCPSocketConnectOption): void
    write(data: string | ArrayBuffer): void
    close(): void
    /** Android only on the platform: always an Error here (errCode 3 or 5). */
    bindWifi(options: BindWifiOption): void
    onConnect(listener: EmptyListener): void
    offConnect(listener?: AnyListener): void
    onMessage(listener: (result: TCPSocketOnMessageListenerResult) => void): void
    offMessage(listener?: AnyListener): void
    onError(listener: (result: ErrorListenerResult) => void): void
    offError(listener?: AnyListener): void
    onClose(listener: EmptyListener): void
    offClose(listener?: AnyListener): void
    /** Never fires here: Wi-Fi binding is Android-only on the platform. */
    onBindWifi(listener: EmptyListener): void
    offBindWifi(listener?: AnyListener): void
    /**
     * Extension (minisock's, not the platform's): Drain fires, with `{}`, when bytes that had
     * to wait (written before the connection was up, or more than the operating system took
     * at once) have all been handed to the operating system: `bufferedAmount` is 0 again. It
     * never fires inside `write()`, not for a write the system took at once, not after
     * `close()`. A writer can write while `bufferedAmount` is 0 and continue from here.
     */
    onDrain(listener: EmptyListener): void
    /** Extension: removes a Drain listener (the same function object), or all of them. */
    offDrain(listener?: AnyListener): void
    /** Extension: bytes written and not yet handed to the operating system (see onDrain). */
    readonly bufferedAmount: number
    /**
     * Extension (as Node's `socket.pause()`): stops receiving. No new read starts, so the
     * operating system's receive buffer fills and TCP's flow control slows the peer; nothing
     * is lost. Data already read when it takes effect is still delivered (one Message at most).
     */
    pause(): void
    /** Extension: receiving again after `pause()`; Message events resume with the next byte. */
    resume(): void
    /** Extension: whether `pause()` is in effect. */
    isPaused(): boolean
  }

  // ---- UDPSocket ----

  interface UDPSocketSendSlice {
    /** Start of the slice of the message to send, in bytes. */
    offset?: number
    /** Length of the slice (default: to the end). */
    length?: number
    setBroadcast?: boolean
  }

  /**
   * UDPSocket.send's option in WeChat's shape ({address, port, message}) or Taro's
   * ({data, success, fail, complete}; on a connected socket address and port may be left out:
   * the datagram goes to the peer). Callbacks: `send:ok` once handed to the OS, `send:fail …`
   * (the Error event fires as well).
   */
  type UDPSocketSendOption = UDPSocketSendSlice & CallbackOption & (
    { address: string, port: number, message: string | ArrayBuffer } |
    { address?: string, port?: number, data: string | ArrayBuffer })

  interface UDPSocketConnectOption {
    address: string
    port: number
  }

  interface UDPSocketOnMessageListenerResultRemoteInfo {
    address: string
    family: string
    port: number
    size: number
  }

  interface UDPSocketOnMessageListenerResult {
    message: ArrayBuffer
    remoteInfo: UDPSocketOnMessageListenerResultRemoteInfo
    localInfo: OnMessageListenerResultLocalInfo
  }

  interface UDPSocket {
    /** Binds a free port (or `port`) and returns it; 0 on failure (an Error follows). */
    bind(port?: number): number
    send(option: UDPSocketSendOption): void
    connect(option: UDPSocketConnectOption): void
    /** send() to the connected peer. */
    write(option: UDPSocketSendOption): void
    setTTL(ttl: number): void
    close(): void
    onListening(listener: EmptyListener): void
    offListening(listener?: AnyListener): void
    onMessage(listener: (result: UDPSocketOnMessageListenerResult) => void): void
    offMessage(listener?: AnyListener): void
    onError(listener: (result: ErrorListenerResult) => void): void
    offError(listener?: AnyListener): void
    onClose(listener: EmptyListener): void
    offClose(listener?: AnyListener): void
  }

  // ---- SocketTask (WebSocket) ----

  interface ConnectSocketOption extends CallbackOption {
    /** ws:// or wss:// (the policy decides whether ws:// is allowed) */
    url: string
    /** Request header fields; Referer is refused. */
    header?: Record<string, string | number | boolean>
    protocols?: string[]
    tcpNoDelay?: boolean
    /**
     * Offer permessage-deflate. minisock also takes an object as true (socket.io-client passes
     * its own options, `{ threshold: 1024 }`, and the platform accepts them).
     */
    perMessageDeflate?: boolean | object
    /** Opening handshake timeout in milliseconds: default and maximum 60000 (a larger value is capped). */
    timeout?: number
    /**
     * OPTIONS, GET, HEAD, POST, PUT, DELETE, TRACE or CONNECT, in any case (the platform's list);
     * the handshake itself is always sent with GET (RFC 6455 4.1). Anything else fails the call.
     */
    method?: string
    /**
     * Extension (minisock's, not the platform's): in milliseconds, 0 (the default) off, at
     * most 24 hours. After this long without anything from the server the task pings it; when
     * nothing arrives within another such period the task fails: Error (errno 600003, `network
     * interrupted: no data from the server within twice the heartbeat (… ms; heartbeat … ms)`),
     * then Close 1006.
     * Other values: `connectSocket:fail invalid heartbeat … ms (must be 0, off, up to 24 hours)`.
     */
    heartbeat?: number
  }

  interface SocketTaskSendOption extends CallbackOption {
    data: string | ArrayBuffer
  }

  interface SocketTaskCloseOption extends CallbackOption {
    /** 1000 (default) or 3000-4999 */
    code?: number
    /** At most 123 bytes of UTF-8. */
    reason?: string
  }

  interface SocketProfile {
    fetchStart: number
    domainLookUpStart: number
    domainLookUpEnd: number
    connectStart: number
    connectEnd: number
    handshakeCost: number
    cost: number
    rtt: number
    /** Extension: the TLS session was resumed (NetworkOptions.tlsSessionResumption). */
    tlsSessionReused: boolean
  }

  interface OnOpenListenerResult {
    /** The server's 101 response header fields. */
    header: Record<string, string>
    profile: SocketProfile
    /** Extension: the negotiated subprotocol, or ''. */
    protocol: string
  }

  interface SocketTaskOnMessageListenerResult {
    data: string | ArrayBuffer
  }

  interface SocketTaskOnCloseListenerResult {
    code: number
    reason: string
  }

  interface SocketTask {
    send(option: SocketTaskSendOption): void
    close(option?: SocketTaskCloseOption): void
    onOpen(listener: (result: OnOpenListenerResult) => void): void
    offOpen(listener?: AnyListener): void
    onMessage(listener: (result: SocketTaskOnMessageListenerResult) => void): void
    offMessage(listener?: AnyListener): void
    onError(listener: (result: ErrorListenerResult) => void): void
    offError(listener?: AnyListener): void
    onClose(listener: (result: SocketTaskOnCloseListenerResult) => void): void
    offClose(listener?: AnyListener): void
    /** CONNECTING, OPEN, CLOSING or CLOSED, as the events delivered so far say. */
    readonly readyState: 0 | 1 | 2 | 3
    readonly CONNECTING: 0
    readonly OPEN: 1
    readonly CLOSING: 2
    readonly CLOSED: 3
    /** Extension: bytes of messages sent and not yet handed to the operating system. */
    readonly bufferedAmount: number
    /**
     * Extension (as Node's `socket.pause()`): stops receiving between reads, so TCP's flow
     * control slows the server; nothing is lost. A message already read when it takes effect is
     * still delivered (one Message at most). Allowed in any state; a task that never connected
     * ignores it.
     */
    pause(): void
    /** Extension: receiving again after `pause()`. */
    resume(): void
    /** Extension: whether `pause()` is in effect. */
    isPaused(): boolean
    /** Set by Taro.connectSocket when it resolves: 'connectSocket:ok'. */
    errMsg?: string
  }

  interface SendSocketMessageOption extends CallbackOption {
    data: string | ArrayBuffer
  }

  interface CloseSocketOption extends CallbackOption {
    code?: number
    reason?: string
  }

  type OnSocketOpenCallback = (result: OnOpenListenerResult) => void
  type OnSocketMessageCallback = (result: SocketTaskOnMessageListenerResult) => void
  type OnSocketErrorCallback = (result: ErrorListenerResult) => void
  type OnSocketCloseCallback = (result: SocketTaskOnCloseListenerResult) => void

  /** The calls both namespaces share. */
  interface CommonApi {
    createTCPSocket(option?: CreateTCPSocketOption): TCPSocket
    /** 'udp4' (default) or 'udp6' */
    /** `options` (WeChat's contextId for MagicBrush, say) is accepted and ignored. */
    createUDPSocket(type?: 'udp4' | 'udp6' | string, options?: Record<string, unknown>): UDPSocket
    onSocketOpen(listener: OnSocketOpenCallback): void
    onSocketMessage(listener: OnSocketMessageCallback): void
    onSocketError(listener: OnSocketErrorCallback): void
    onSocketClose(listener: OnSocketCloseCallback): void
    /** Extension: removes a global listener (the same function object), or all of that kind. */
    offSocketOpen(listener?: AnyListener): void
    /** Extension: as offSocketOpen. */
    offSocketMessage(listener?: AnyListener): void
    /** Extension: as offSocketOpen. */
    offSocketError(listener?: AnyListener): void
    /** Extension: as offSocketOpen. */
    offSocketClose(listener?: AnyListener): void
  }

  /** The promise form of wx: without success/fail/complete a call returns a Promise. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type WxPromisified<T extends CallbackOption> = T extends { success: any } ? void
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    : T extends { fail: any } ? void
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    : T extends { complete: any } ? void
    : Promise<GeneralCallbackResult>

  interface Wx extends CommonApi {
    /** Returns the task at once; success/complete run when it is created. */
    connectSocket(option: ConnectSocketOption): SocketTask
    sendSocketMessage<T extends SendSocketMessageOption = SendSocketMessageOption>(option: T): WxPromisified<T>
    closeSocket<T extends CloseSocketOption = CloseSocketOption>(option?: T): WxPromisified<T>
  }

  interface Taro extends CommonApi {
    /**
     * A Promise of the task (with errMsg 'connectSocket:ok' assigned to it), settled when the
     * task is created: listeners attached in `.then` see every event. Rejects on fail (the
     * rejection is marked handled when `fail` or `complete` is given).
     */
    connectSocket(option: ConnectSocketOption): Promise<SocketTask>
    sendSocketMessage(option: SendSocketMessageOption): Promise<GeneralCallbackResult>
    closeSocket(option?: CloseSocketOption): Promise<GeneralCallbackResult>
  }

  type PortSpec = number | [number, number] | { first: number; last: number }

  /** minisock::Policy fields over a preset (`base`, default 'development'). */
  interface PolicyFields {
    base?: 'release' | 'development' | 'unrestricted'
    blockedTCPPorts?: PortSpec[]
    /** 0 = no limit */
    maxTCPSocketsPerWindow?: number
    /** seconds */
    tcpSocketWindow?: number
    enforceDomainList?: boolean
    allowedDomains?: string[]
    lanAddressesOnly?: boolean
    allowOwnAddresses?: boolean
    blockedWebSocketPorts?: PortSpec[]
    /** 0 = no limit */
    maxWebSockets?: number
    allowInsecureWebSocket?: boolean
    maxWebSocketMessageSize?: number
    maxUDPMessageSize?: number
    verifyCertificates?: boolean
    /** An extra PEM CA file to trust besides the system store. */
    caFile?: string
  }

  interface Policy {
    blockedTCPPorts: [number, number][]
    maxTCPSocketsPerWindow: number
    tcpSocketWindow: number
    enforceDomainList: boolean
    allowedDomains: string[]
    lanAddressesOnly: boolean
    allowOwnAddresses: boolean
    blockedWebSocketPorts: [number, number][]
    maxWebSockets: number
    allowInsecureWebSocket: boolean
    maxWebSocketMessageSize: number
    maxUDPMessageSize: number
    verifyCertificates: boolean
    caFile: string
  }

  /**
   * Extension (minisock::NetworkOptions; the platform has no proxy): how a runtime's
   * TCPSockets and SocketTasks (ws and wss) reach the network. UDPSockets are never proxied.
   */
  interface NetworkOptions {
    /**
     * `socks5://[user:password@]host[:port]` (also `socks5h://`) or
     * `http://[user:password@]host[:port]` (HTTP CONNECT, Basic credentials); the port
     * defaults to 1080, user and password may be percent-encoded; '' = none. The proxy
     * resolves host names; TLS runs through the tunnel with the real host's SNI and
     * certificate check. The policy applies to the destination as written, not to the proxy.
     */
    proxy?: string
    /**
     * Destinations reached directly, as curl's NO_PROXY: '*', an IP address, a CIDR block
     * ('10.0.0.0/8', 'fd00::/8') or a domain name (itself and every name below it).
     */
    noProxy?: string[]
    /** wss: CA certificates (PEM text) trusted besides the system store and policy.caFile. */
    caPem?: string
    /**
     * wss: a client certificate (mutual TLS) sent when a server asks for one: a PEM file with
     * any intermediates, or the same as PEM text; at most one of the two, with a key.
     */
    clientCertificateFile?: string
    clientCertificatePem?: string
    /** The client certificate's private key: a PEM file or PEM text, encrypted or not. */
    clientKeyFile?: string
    clientKeyPem?: string
    /** The passphrase of an encrypted key (never part of an errMsg). */
    clientKeyPassphrase?: string
    /**
     * wss: `sha256//BASE64` pins of public keys (SHA-256 of the SubjectPublicKeyInfo, as
     * curl's --pinnedpubkey); one key of the server's verified chain must be pinned, in
     * addition to normal verification. A mismatch fails with the server's actual pin.
     */
    pinnedPublicKeys?: string[]
    /** wss: resume TLS sessions per host and port, as browsers do (default true). */
    tlsSessionResumption?: boolean
  }

  interface RuntimeOptions {
    policy?: 'release' | 'development' | 'unrestricted' | PolicyFields
    /**
     * Extension: a proxy and wss TLS settings. Settings of the wrong form throw a TypeError
     * from createRuntime; files and PEM text that cannot be used fail each wss connection.
     */
    network?: NetworkOptions
  }

  interface Runtime {
    readonly wx: Wx
    readonly Taro: Taro
    readonly policy: Policy
    /** Sockets and tasks whose Close has not reached JavaScript yet; 0 means drained. */
    socketCount(): number
    /** Closes every socket of this runtime at once, without events; its calls then throw. */
    destroy(): void
  }
}

/** The default runtime's calls, with the development policy. */
export declare const wx: minisock.Wx
/** Taro's flavour of the same calls: connectSocket, sendSocketMessage and closeSocket return Promises. */
export declare const Taro: minisock.Taro
/** A separate runtime (its own policy, quotas and global calls, on the same event loop). */
export declare function createRuntime(options?: minisock.RuntimeOptions): minisock.Runtime
