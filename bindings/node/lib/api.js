'use strict'
// wx and Taro over one minisock::Runtime: TCPSocket, UDPSocket, SocketTask, connectSocket and
// the older global calls, with the platform's names, events and callbacks.

const native = require('./native')
const {
  KIND, EVENT, DROP, RUNTIME, newId, register, registerWeak, demote, forget, hold, release, Listeners,
  CallbackSet, dropRuntime
} = require('./bridge')
const {
  copyOption, parameterError, isObject, isData, isInt32, requireObject, requireFunction,
  optionalFunction
} = require('./args')

const CALLBACKS = ['success', 'fail', 'complete']
const SEND_FIELDS = ['data', ...CALLBACKS]
const CLOSE_FIELDS = ['code', 'reason', ...CALLBACKS]
const CONNECT_FIELDS = ['url', 'header', 'protocols', 'tcpNoDelay', 'perMessageDeflate', 'timeout',
  'method', ...CALLBACKS]

const HANDLE = Symbol('minisock.handle')
const ID = Symbol('minisock.id')
const LISTENERS = Symbol('minisock.listeners')
const STATE = Symbol('minisock.state')

function errorEvent (errMsg, errCode, errno) {
  return errno ? { errMsg, errCode, errno } : { errMsg, errCode }
}

// Event listener methods: onX(listener) and offX(listener?) for each name.
function defineListenerMethods (klass, names) {
  for (const name of names) {
    const upper = name[0].toUpperCase() + name.slice(1)
    Object.defineProperty(klass.prototype, `on${upper}`, {
      value: function (listener) {
        requireFunction(`on${upper}`, listener)
        this[LISTENERS].add(name, listener)
      },
      writable: true,
      configurable: true
    })
    Object.defineProperty(klass.prototype, `off${upper}`, {
      value: function (listener) {
        optionalFunction(`off${upper}`, listener)
        this[LISTENERS].remove(name, listener)
      },
      writable: true,
      configurable: true
    })
  }
}

// Common to TCPSocket and UDPSocket: identity, keep-alive while in use, Close handling.
class SocketBase {
  constructor (runtime, names) {
    this[ID] = newId()
    this[RUNTIME] = runtime
    this[LISTENERS] = new Listeners(names)
    this[STATE] = { held: false, closed: false, remote: null, local: null }
    runtime.sockets++
  }

  [DROP] () {
    const s = this[STATE]
    s.closed = true
    if (s.held) {
      s.held = false
      release()
    }
    forget(this[ID])
  }
}

// The socket is in use (connecting, bound): the process stays alive until its Close.
function inUse (socket) {
  const s = socket[STATE]
  if (!s.held && !s.closed) {
    s.held = true
    hold()
  }
}

// One Error event made here (a field of the wrong type): the call is not made at all.
function refuse (socket, errCode, errMsg) {
  native.inject(KIND.ERROR, socket[ID], errMsg, errCode, 0)
}

function closed (socket) {
  const s = socket[STATE]
  if (!s.closed) socket[RUNTIME].sockets--
  s.closed = true
  if (s.held) {
    s.held = false
    release()
  }
  demote(socket[ID], socket)
}

function messageEvent (socket, message) {
  const { remote, local } = socket[STATE]
  return {
    message,
    remoteInfo: remote
      ? { address: remote.address, family: remote.family, port: remote.port, size: message.byteLength }
      : { address: '', family: '', port: 0, size: message.byteLength },
    localInfo: local
      ? { address: local.address, family: local.family, port: local.port }
      : { address: '', family: '', port: 0 }
  }
}

// ---- TCPSocket ----

class TCPSocket extends SocketBase {
  constructor (runtime, type) {
    super(runtime, ['connect', 'message', 'error', 'close', 'bindWifi'])
    this[HANDLE] = native.tcpCreate(runtime.handle, this[ID], type)
    register(this[ID], this)
  }

  connect (option) {
    requireObject('connect', option)
    const { address, port, timeout } = option
    if (typeof address !== 'string') {
      return refuse(this, 1, `connect fail: ${parameterError('address', 'String', address)}`)
    }
    if (typeof port !== 'number') {
      return refuse(this, 2, `connect fail: ${parameterError('port', 'Number', port)}`)
    }
    if (!isInt32(port)) return refuse(this, 2, `connect fail: invalid port ${port} (must be 1-65535)`)
    let ms
    if (timeout !== undefined) {
      if (typeof timeout !== 'number') {
        return refuse(this, -1, `connect fail: ${parameterError('timeout', 'Number', timeout)}`)
      }
      ms = timeout * 1000 // the platform's timeout is in seconds
    }
    inUse(this)
    native.tcpConnect(this[HANDLE], address, port, ms)
  }

  write (data) {
    if (!isData(data)) throw new TypeError(`write: ${parameterError('data', 'String/ArrayBuffer', data)}`)
    native.tcpWrite(this[HANDLE], data)
  }

  close () {
    native.tcpClose(this[HANDLE])
  }

  bindWifi (option) {
    requireObject('bindWifi', option)
    const { BSSID } = option
    if (typeof BSSID !== 'string') {
      return refuse(this, 3, `bindWifi fail: ${parameterError('BSSID', 'String', BSSID)}`)
    }
    native.tcpBindWifi(this[HANDLE], BSSID)
  }

  /** Extension: bytes written and not yet handed to the operating system. */
  get bufferedAmount () {
    return native.tcpBufferedAmount(this[HANDLE])
  }

  [EVENT] (kind, p1, p2, p3) {
    const listeners = this[LISTENERS]
    switch (kind) {
      case KIND.MESSAGE_BINARY:
        if (listeners.message.length) listeners.emit('message', messageEvent(this, p1))
        break
      case KIND.INFO:
        this[STATE].remote = p1
        this[STATE].local = p2
        break
      case KIND.CONNECT:
        listeners.emit('connect', {})
        break
      case KIND.ERROR:
        listeners.emit('error', errorEvent(p1, p2, p3))
        break
      case KIND.CLOSE:
        closed(this)
        listeners.emit('close', {})
        break
      case KIND.BIND_WIFI:
        listeners.emit('bindWifi', {})
        break
    }
    return false
  }
}
defineListenerMethods(TCPSocket, ['connect', 'message', 'error', 'close', 'bindWifi'])

// ---- UDPSocket ----

// UDPSocket.send and .write: the same option; write goes to the connected peer.
function sendDatagram (socket, api, option, fn) {
  requireObject(api, option)
  const { address, port, message, offset, length, setBroadcast } = option
  if (typeof address !== 'string') {
    return refuse(socket, 1, `${api} fail: ${parameterError('address', 'String', address)}`)
  }
  if (typeof port !== 'number') {
    return refuse(socket, 2, `${api} fail: ${parameterError('port', 'Number', port)}`)
  }
  if (!isInt32(port)) return refuse(socket, 2, `${api} fail: invalid port ${port} (must be 1-65535)`)
  if (!isData(message)) {
    return refuse(socket, -1, `${api} fail: ${parameterError('message', 'String/ArrayBuffer', message)}`)
  }
  for (const [name, value] of [['offset', offset], ['length', length]]) {
    if (value === undefined) continue
    if (typeof value !== 'number') {
      return refuse(socket, -1, `${api} fail: ${parameterError(name, 'Number', value)}`)
    }
    if (!Number.isInteger(value)) return refuse(socket, -1, `${api} fail: invalid ${name} ${value}`)
  }
  if (setBroadcast !== undefined && typeof setBroadcast !== 'boolean') {
    return refuse(socket, -1, `${api} fail: ${parameterError('setBroadcast', 'Boolean', setBroadcast)}`)
  }
  inUse(socket)
  fn(socket[HANDLE], address, port, message, offset, length, setBroadcast)
}

class UDPSocket extends SocketBase {
  constructor (runtime, type) {
    super(runtime, ['listening', 'message', 'error', 'close'])
    this[HANDLE] = native.udpCreate(runtime.handle, this[ID], type)
    register(this[ID], this)
  }

  bind (port) {
    if (port !== undefined) {
      if (typeof port !== 'number') {
        refuse(this, 2, `bind fail: ${parameterError('port', 'Number', port)}`)
        return 0
      }
      if (!isInt32(port)) {
        refuse(this, 2, `bind fail: invalid port ${port} (must be 0-65535)`)
        return 0
      }
    }
    const bound = native.udpBind(this[HANDLE], port)
    if (bound !== 0) inUse(this)
    return bound
  }

  send (option) {
    sendDatagram(this, 'send', option, native.udpSend)
  }

  write (option) {
    sendDatagram(this, 'write', option, native.udpWrite)
  }

  connect (option) {
    requireObject('connect', option)
    const { address, port } = option
    if (typeof address !== 'string') {
      return refuse(this, 1, `connect fail: ${parameterError('address', 'String', address)}`)
    }
    if (typeof port !== 'number') {
      return refuse(this, 2, `connect fail: ${parameterError('port', 'Number', port)}`)
    }
    if (!isInt32(port)) return refuse(this, 2, `connect fail: invalid port ${port} (must be 1-65535)`)
    inUse(this)
    native.udpConnect(this[HANDLE], address, port)
  }

  setTTL (ttl) {
    if (typeof ttl !== 'number') {
      return refuse(this, -1, `setTTL fail: ${parameterError('ttl', 'Number', ttl)}`)
    }
    if (!isInt32(ttl)) return refuse(this, -1, `setTTL fail: invalid TTL ${ttl} (must be 0-255)`)
    native.udpSetTTL(this[HANDLE], ttl)
  }

  close () {
    native.udpClose(this[HANDLE])
  }

  [EVENT] (kind, p1, p2, p3) {
    const listeners = this[LISTENERS]
    switch (kind) {
      case KIND.MESSAGE_BINARY:
        if (listeners.message.length) listeners.emit('message', messageEvent(this, p1))
        break
      case KIND.INFO:
        this[STATE].remote = p1
        this[STATE].local = p2
        break
      case KIND.LISTENING:
        listeners.emit('listening', {})
        break
      case KIND.ERROR:
        listeners.emit('error', errorEvent(p1, p2, p3))
        break
      case KIND.CLOSE:
        closed(this)
        listeners.emit('close', {})
        break
    }
    return false
  }
}
defineListenerMethods(UDPSocket, ['listening', 'message', 'error', 'close'])

// ---- SocketTask ----

const CONNECTING = 0
const OPEN = 1
const CLOSING = 2
const CLOSED = 3

class SocketTask {
  constructor (runtime) {
    this[ID] = newId()
    this[RUNTIME] = runtime
    this[HANDLE] = null // none: refused before reaching minisock
    this[LISTENERS] = new Listeners(['open', 'message', 'error', 'close'])
    this[STATE] = { opened: false, closed: false, closing: false }
    register(this[ID], this)
    runtime.sockets++
    hold() // a task keeps the process alive until its Close
  }

  /**
   * As JavaScript has seen it: OPEN from the Open event on, CLOSING from an accepted close()
   * (or the server's closing) on, CLOSED from the Close event on.
   */
  get readyState () {
    const s = this[STATE]
    if (s.closed) return CLOSED
    if (s.closing) return CLOSING
    const state = this[HANDLE] ? native.taskReadyState(this[HANDLE]) : CLOSED
    if (state === OPEN) return s.opened ? OPEN : CONNECTING
    if (state === CLOSED) return s.opened ? CLOSING : CONNECTING
    return state
  }

  /** Extension: bytes of messages sent and not yet handed to the operating system. */
  get bufferedAmount () {
    return this[HANDLE] ? native.taskBufferedAmount(this[HANDLE]) : 0
  }

  send (option) {
    requireObject('send', option)
    sendOn(this[RUNTIME], option, (id, data) => {
      if (!this[HANDLE]) return 'sendSocketMessage:fail webSocket is not connected'
      native.taskSend(this[HANDLE], id, data)
    })
  }

  close (option = {}) {
    requireObject('close', option)
    closeOn(this[RUNTIME], option, (id, code, reason) => {
      if (!this[HANDLE]) return 'closeSocket:fail the WebSocket is already closing or closed'
      // What minisock accepts (else fail, and the task stays as it is): the state follows now.
      const valid = (code === undefined || code === 1000 || (code >= 3000 && code <= 4999)) &&
        (reason === undefined || Buffer.byteLength(reason) <= 123)
      if (valid) this[STATE].closing = true
      native.taskClose(this[HANDLE], id, code, reason)
    })
  }

  [EVENT] (kind, p1, p2, p3) {
    const listeners = this[LISTENERS]
    switch (kind) {
      case KIND.MESSAGE_TEXT:
      case KIND.MESSAGE_BINARY:
        if (listeners.message.length) listeners.emit('message', { data: p1 })
        break
      case KIND.OPEN:
        this[STATE].opened = true
        listeners.emit('open', p1)
        break
      case KIND.ERROR:
        listeners.emit('error', errorEvent(p1, p2, p3))
        break
      case KIND.CLOSE:
        this[STATE].closed = true
        this[RUNTIME].sockets--
        demote(this[ID], this)
        release()
        listeners.emit('close', { code: p1, reason: p2 })
        break
    }
    return false
  }

  [DROP] () {
    if (!this[STATE].closed) {
      this[STATE].closed = true
      release()
    }
    forget(this[ID])
  }
}
defineListenerMethods(SocketTask, ['open', 'message', 'error', 'close'])
for (const [name, value] of [['CONNECTING', CONNECTING], ['OPEN', OPEN], ['CLOSING', CLOSING], ['CLOSED', CLOSED]]) {
  Object.defineProperty(SocketTask, name, { value, enumerable: true })
  Object.defineProperty(SocketTask.prototype, name, { value, enumerable: true })
}

// send({data, success, fail, complete}) of a task or of the global call. `go(id, data)` makes
// the call, or returns the errMsg of a refusal.
function sendOn (runtime, option, go) {
  option = copyOption(option, SEND_FIELDS)
  const callbacks = CallbackSet.has(option) ? new CallbackSet(runtime, option) : null
  const refused = !isData(option.data)
    ? `sendSocketMessage:fail ${parameterError('data', 'String/ArrayBuffer', option.data)}`
    : go(callbacks ? callbacks.id : 0, option.data)
  if (refused && callbacks) callbacks.refuse(refused)
}

// close({code, reason, success, fail, complete}) of a task or of the global call.
function closeOn (runtime, option, go) {
  option = copyOption(option, CLOSE_FIELDS)
  const callbacks = CallbackSet.has(option) ? new CallbackSet(runtime, option) : null
  const { code, reason } = option
  let refused
  if (code !== undefined && typeof code !== 'number') {
    refused = `closeSocket:fail ${parameterError('code', 'Number', code)}`
  } else if (code !== undefined && !isInt32(code)) {
    refused = `closeSocket:fail The code must be either 1000, or between 3000 and 4999. ${code} is neither.`
  } else if (reason !== undefined && typeof reason !== 'string') {
    refused = `closeSocket:fail ${parameterError('reason', 'String', reason)}`
  } else {
    refused = go(callbacks ? callbacks.id : 0, code, reason)
  }
  if (refused && callbacks) callbacks.refuse(refused)
}

// The checks of connectSocket's option (a copy): the first problem, or undefined; the header
// as [name, value] pairs.
function checkConnect (option) {
  const { url, header, protocols, tcpNoDelay, perMessageDeflate, timeout, method } = option
  const pairs = []
  if (typeof url !== 'string') return { problem: parameterError('url', 'String', url) }
  if (header !== undefined && header !== null && !isObject(header)) {
    return { problem: parameterError('header', 'Object', header) }
  }
  if (header) {
    for (const [name, value] of Object.entries(header)) {
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        return { problem: parameterError(`header.${name}`, 'String', value) }
      }
      pairs.push([name, String(value)])
    }
  }
  if (protocols !== undefined) {
    if (!Array.isArray(protocols)) return { problem: parameterError('protocols', 'Array', protocols) }
    const i = protocols.findIndex(p => typeof p !== 'string')
    if (i >= 0) return { problem: parameterError(`protocols[${i}]`, 'String', protocols[i]) }
    option.protocols = protocols.slice()
  }
  for (const [name, value] of [['tcpNoDelay', tcpNoDelay], ['perMessageDeflate', perMessageDeflate]]) {
    if (value !== undefined && typeof value !== 'boolean') return { problem: parameterError(name, 'Boolean', value) }
  }
  if (timeout !== undefined && typeof timeout !== 'number') return { problem: parameterError('timeout', 'Number', timeout) }
  if (method !== undefined && typeof method !== 'string') return { problem: parameterError('method', 'String', method) }
  return { header: pairs }
}

function connectSocket (runtime, option) {
  requireObject('connectSocket', option)
  option = copyOption(option, CONNECT_FIELDS)
  const { problem, header } = checkConnect(option) // may throw (a user's getter): nothing made yet
  const callbacks = new CallbackSet(runtime, option, true)
  const task = new SocketTask(runtime)
  if (problem) {
    // As minisock does for an invalid option: fail and complete, then Error and Close 1006.
    const errMsg = `connectSocket:fail ${problem}`
    const urlProblem = typeof option.url !== 'string'
    callbacks.refuse(errMsg, urlProblem ? 600009 : 0)
    native.inject(KIND.ERROR, task[ID], errMsg, urlProblem ? 1 : -1, urlProblem ? 600009 : 0)
    native.inject(KIND.CLOSE, task[ID], '', 1006, 0)
    return task
  }
  task[HANDLE] = native.taskConnect(
    runtime.handle, task[ID], callbacks.id, option.url, header, option.protocols || [],
    option.tcpNoDelay === true, option.perMessageDeflate === true, option.timeout, option.method)
  return task
}

// ---- runtimes ----

const GLOBAL_KINDS = { socketOpen: 0, socketMessage: 1, socketError: 2, socketClose: 3 }

class Runtime {
  constructor (policySpec) {
    this.id = newId()
    this[RUNTIME] = this
    this.handle = native.createRuntime(this.id, policySpec)
    this.destroyed = false
    // Sockets and tasks whose Close has not reached JavaScript yet.
    this.sockets = 0
    this[LISTENERS] = new Listeners(Object.keys(GLOBAL_KINDS))
    // Weakly: a runtime nobody holds (no open socket holds it either) is collected, and its
    // loop thread ends (the native handle's finalizer destroys it).
    registerWeak(this.id, this)
  }

  check () {
    if (this.destroyed) throw new Error('minisock: this runtime has been destroyed')
    return this
  }

  onGlobal (name, listener) {
    const listeners = this[LISTENERS]
    const before = listeners[name].length
    listeners.add(name, listener)
    if (before === 0) native.globalListen(this.handle, GLOBAL_KINDS[name], true)
  }

  offGlobal (name, listener) {
    const listeners = this[LISTENERS]
    listeners.remove(name, listener)
    if (listeners[name].length === 0 && !this.destroyed) {
      native.globalListen(this.handle, GLOBAL_KINDS[name], false)
    }
  }

  [EVENT] (kind, p1, p2, p3) {
    const listeners = this[LISTENERS]
    switch (kind) {
      case KIND.OPEN:
        listeners.emit('socketOpen', p1)
        break
      case KIND.MESSAGE_TEXT:
      case KIND.MESSAGE_BINARY:
        listeners.emit('socketMessage', { data: p1 })
        break
      case KIND.ERROR:
        listeners.emit('socketError', errorEvent(p1, p2, p3))
        break
      case KIND.CLOSE:
        listeners.emit('socketClose', { code: p1, reason: p2 })
        break
    }
    return false
  }

  destroy () {
    if (this.destroyed) return
    this.destroyed = true
    native.destroyRuntime(this.handle)
    dropRuntime(this)
    forget(this.id)
    this.sockets = 0
  }
}

// ---- wx and Taro ----

// wx's promise form: without success/fail/complete, the call returns a Promise.
function wxPromisify (api, fields, call, optionalOption) {
  return function (option) {
    if (option === undefined && optionalOption) option = {}
    requireObject(api, option)
    option = copyOption(option, fields)
    if (CallbackSet.has(option)) {
      call(option)
      return undefined
    }
    return new Promise((resolve, reject) => call({ ...option, success: resolve, fail: reject }))
  }
}

function noop () {}

// Taro's promisify (@tarojs/shared processApis): always a Promise; the user's success/fail
// run first, then it settles; connectSocket resolves with the task (errMsg assigned to it).
// When fail or complete is given, failures are the caller's to handle there: the rejection
// is marked handled, so that callback-style code does not end the process with an
// unhandled rejection (a mini-program only logs it). `.then`/`.catch` see it as usual.
function taroPromisify (key, wxCall) {
  return function (options = {}) {
    if (!isObject(options)) return wxCall(options) // throws: not an object
    let task = null
    const obj = Object.assign({}, options)
    const { success, fail, complete } = obj // read once: a throwing getter ends the call here
    const promise = new Promise((resolve, reject) => {
      obj.success = res => {
        try {
          if (typeof success === 'function') success(res)
        } finally {
          if (key === 'connectSocket') {
            resolve(Promise.resolve().then(() => (task ? Object.assign(task, res) : res)))
          } else {
            resolve(res)
          }
        }
      }
      obj.fail = res => {
        try {
          if (typeof fail === 'function') fail(res)
        } finally {
          reject(res)
        }
      }
      obj.complete = res => {
        if (typeof complete === 'function') complete(res)
      }
      task = wxCall(obj)
    })
    if (typeof fail === 'function' || typeof complete === 'function') {
      promise.catch(noop)
    }
    return promise
  }
}

function makeApis (getRuntime) {
  const rt = () => getRuntime().check()
  const wx = {
    createTCPSocket (option) {
      let type
      if (option !== undefined) {
        requireObject('createTCPSocket', option)
        if (option.type !== undefined) type = String(option.type)
      }
      return new TCPSocket(rt(), type)
    },
    createUDPSocket (type) {
      return new UDPSocket(rt(), type === undefined ? undefined : String(type))
    },
    connectSocket (option) {
      return connectSocket(rt(), option)
    },
    sendSocketMessage: wxPromisify('sendSocketMessage', SEND_FIELDS, option => {
      const runtime = rt()
      sendOn(runtime, option, (id, data) => { native.sendSocketMessage(runtime.handle, id, data) })
    }, false),
    closeSocket: wxPromisify('closeSocket', CLOSE_FIELDS, option => {
      const runtime = rt()
      closeOn(runtime, option, (id, code, reason) => { native.closeSocket(runtime.handle, id, code, reason) })
    }, true)
  }
  for (const name of Object.keys(GLOBAL_KINDS)) {
    const upper = name[0].toUpperCase() + name.slice(1)
    wx[`on${upper}`] = listener => {
      requireFunction(`on${upper}`, listener)
      rt().onGlobal(name, listener)
    }
    // Extension (the platform has no offSocketX): remove a global listener, or all of them.
    wx[`off${upper}`] = listener => {
      optionalFunction(`off${upper}`, listener)
      rt().offGlobal(name, listener)
    }
  }
  const Taro = {
    ...wx,
    connectSocket: taroPromisify('connectSocket', wx.connectSocket),
    sendSocketMessage: taroPromisify('sendSocketMessage', wx.sendSocketMessage),
    closeSocket: taroPromisify('closeSocket', wx.closeSocket)
  }
  return { wx: Object.freeze(wx), Taro: Object.freeze(Taro) }
}

module.exports = { Runtime, TCPSocket, UDPSocket, SocketTask, makeApis }
