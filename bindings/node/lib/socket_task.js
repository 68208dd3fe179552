'use strict'
// SocketTask (connectSocket) over minisock::SocketTask, and the send/close options shared
// with the older global calls (wx.sendSocketMessage, wx.closeSocket).

const native = require('./native')
const { KIND, EVENT, DROP, RUNTIME, newId, register, demote, forget, CallbackSet, Listeners } = require('./events')
const { defineListenerMethods, errorEvent, HANDLE, ID, LISTENERS, STATE } = require('./socket')
const { copyOption, parameterError, isObject, isData, isInt32, requireObject, utf8Length } = require('./args')

const CALLBACKS = ['success', 'fail', 'complete']
const SEND_FIELDS = ['data', ...CALLBACKS]
const CLOSE_FIELDS = ['code', 'reason', ...CALLBACKS]
// heartbeat: minisock's extension (ConnectSocketOption::heartbeat), in milliseconds.
const CONNECT_FIELDS = ['url', 'header', 'protocols', 'tcpNoDelay', 'perMessageDeflate', 'timeout',
  'method', 'heartbeat', ...CALLBACKS]

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

  /**
   * Extension (as Node's socket.pause()): stops receiving between reads; TCP's flow control
   * slows the server. A task that connectSocket refused has nothing to pause.
   */
  pause () {
    if (this[HANDLE]) native.taskSetPaused(this[HANDLE], true)
  }

  /** Extension: receiving again after pause(). */
  resume () {
    if (this[HANDLE]) native.taskSetPaused(this[HANDLE], false)
  }

  /** Extension: whether pause() is in effect. */
  isPaused () {
    return this[HANDLE] ? native.taskIsPaused(this[HANDLE]) : false
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
        (reason === undefined || utf8Length(reason) <= 123)
      if (valid) this[STATE].closing = true
      native.taskClose(this[HANDLE], id, { code, reason })
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
        listeners.emit('close', { code: p1, reason: p2 })
        break
    }
  }

  [DROP] () {
    this[STATE].closed = true
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

// The checks of connectSocket's option (a copy): the first problem, or the option as it
// crosses to the native side (by name; the header as [name, value] pairs).
function checkConnect (option) {
  const { url, header, protocols, tcpNoDelay, perMessageDeflate, timeout, method, heartbeat } = option
  if (typeof url !== 'string') return { problem: parameterError('url', 'String', url) }
  if (header !== undefined && header !== null && !isObject(header)) {
    return { problem: parameterError('header', 'Object', header) }
  }
  const pairs = []
  if (header) {
    for (const [name, value] of Object.entries(header)) {
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        return { problem: parameterError(`header.${name}`, 'String', value) }
      }
      pairs.push([name, String(value)])
    }
  }
  let offered
  if (protocols !== undefined) {
    if (!Array.isArray(protocols)) return { problem: parameterError('protocols', 'Array', protocols) }
    // Read by index, not through the array's own methods (a Proxy around an array, or an
    // array whose methods were replaced, is still an array of strings).
    offered = []
    for (let i = 0, n = protocols.length; i < n; i++) {
      const p = protocols[i]
      if (typeof p !== 'string') return { problem: parameterError(`protocols[${i}]`, 'String', p) }
      offered.push(p)
    }
  }
  if (tcpNoDelay !== undefined && typeof tcpNoDelay !== 'boolean') {
    return { problem: parameterError('tcpNoDelay', 'Boolean', tcpNoDelay) }
  }
  // perMessageDeflate: a Boolean, or an object taken as true (socket.io-client passes its own
  // options, { threshold: 1024 }, and uni-app hands them on: the platform accepts them).
  let deflate = perMessageDeflate
  if (isObject(deflate)) deflate = true
  else if (deflate !== undefined && typeof deflate !== 'boolean') {
    return { problem: parameterError('perMessageDeflate', 'Boolean', perMessageDeflate) }
  }
  if (timeout !== undefined && typeof timeout !== 'number') return { problem: parameterError('timeout', 'Number', timeout) }
  if (method !== undefined && typeof method !== 'string') return { problem: parameterError('method', 'String', method) }
  if (heartbeat !== undefined) {
    if (typeof heartbeat !== 'number') return { problem: parameterError('heartbeat', 'Number', heartbeat) }
    // The values minisock cannot be given (a number of milliseconds), in its words; it checks
    // the others itself (0 off, up to 24 hours).
    if (!Number.isFinite(heartbeat)) return { problem: `invalid heartbeat ${heartbeat} ms (must be 0, off, up to 24 hours)` }
  }
  return {
    native: { url, header: pairs, protocols: offered, tcpNoDelay, perMessageDeflate: deflate, timeout, method, heartbeat }
  }
}

function connectSocket (runtime, option) {
  requireObject('connectSocket', option)
  option = copyOption(option, CONNECT_FIELDS)
  const checked = checkConnect(option) // may throw (a user's getter): nothing made yet
  const callbacks = new CallbackSet(runtime, option)
  const task = new SocketTask(runtime)
  if (checked.problem) {
    // As minisock does for an invalid option: fail and complete, then Error and Close 1006.
    const errMsg = `connectSocket:fail ${checked.problem}`
    const urlProblem = typeof option.url !== 'string'
    callbacks.refuse(errMsg, urlProblem ? 600009 : 0)
    native.post(runtime.handle, KIND.ERROR, task[ID], errMsg, urlProblem ? 1 : -1, urlProblem ? 600009 : 0)
    native.post(runtime.handle, KIND.CLOSE, task[ID], '', 1006, 0)
    return task
  }
  task[HANDLE] = native.taskConnect(runtime.handle, task[ID], callbacks.id, checked.native)
  return task
}

module.exports = { SocketTask, connectSocket, sendOn, closeOn, SEND_FIELDS, CLOSE_FIELDS }
