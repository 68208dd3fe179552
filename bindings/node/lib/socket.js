'use strict'
// What TCPSocket and UDPSocket share: identity, listener methods, the platform's strong
// reference until Close, and the dispatch of their events (written once for both).

const {
  KIND, EVENT, DROP, RUNTIME, newId, register, registerWeak, demote, forget, refuse, Listeners
} = require('./events')
const { requireFunction, optionalFunction } = require('./args')

const HANDLE = Symbol('minisock.handle')
const ID = Symbol('minisock.id')
const LISTENERS = Symbol('minisock.listeners')
const STATE = Symbol('minisock.state')

// onX(listener) and offX(listener?) for each event name, on a class's prototype.
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

function errorEvent (errMsg, errCode, errno) {
  return errno ? { errMsg, errCode, errno } : { errMsg, errCode }
}

const NO_INFO = Object.freeze({ address: '', family: '', port: 0 })

// The events without fields, by kind: the listener list each goes to (TCP's Drain is
// minisock's extension).
const SIMPLE = {
  [KIND.CONNECT]: 'connect',
  [KIND.LISTENING]: 'listening',
  [KIND.BIND_WIFI]: 'bindWifi',
  [KIND.DRAIN]: 'drain'
}

// A socket that was never used (no call but listener registrations) can fire no event but
// its creation's Error and Close, so the runtime holds it only weakly: once its owner drops it,
// the collector takes it, its native handle's finalizer closes it (the runtime forgets it), and
// it leaves the runtime's socketCount(). Its first call (any method, even one refused) makes the
// runtime hold it, as the platform does, until its Close.
const unused = new FinalizationRegistry(state => {
  if (state.closed || state.runtime.destroyed) return // destroy() counted it already
  state.closed = true
  state.runtime.sockets--
})

class SocketBase {
  constructor (runtime, names, create) {
    this[ID] = newId()
    this[RUNTIME] = runtime
    this[LISTENERS] = new Listeners(names)
    this[STATE] = { closed: false, used: false, runtime, remote: NO_INFO, local: NO_INFO }
    runtime.sockets++
    registerWeak(this[ID], this) // until used (use()): then the platform's strong reference
    unused.register(this, this[STATE], this[STATE])
    this[HANDLE] = create(runtime.handle, this[ID])
  }

  [EVENT] (kind, p1, p2, p3) {
    const listeners = this[LISTENERS]
    switch (kind) {
      case KIND.MESSAGE_BINARY: {
        if (listeners.message.length === 0) return
        const { remote, local } = this[STATE]
        listeners.emit('message', {
          message: p1,
          remoteInfo: { address: remote.address, family: remote.family, port: remote.port, size: p1.byteLength },
          localInfo: { address: local.address, family: local.family, port: local.port }
        })
        return
      }
      case KIND.INFO:
        this[STATE].remote = p1
        this[STATE].local = p2
        return
      case KIND.ERROR:
        listeners.emit('error', errorEvent(p1, p2, p3))
        return
      case KIND.CLOSE: {
        const s = this[STATE]
        if (!s.closed) this[RUNTIME].sockets--
        s.closed = true
        demote(this[ID], this)
        listeners.emit('close', {})
        return
      }
      default:
        if (SIMPLE[kind] !== undefined) listeners.emit(SIMPLE[kind], {})
    }
  }

  [DROP] () {
    this[STATE].closed = true
    forget(this[ID])
  }
}

// The socket's first call: from now on the runtime holds it until its Close.
function use (socket) {
  const s = socket[STATE]
  if (s.used) return
  s.used = true
  unused.unregister(s)
  if (!s.closed && !socket[RUNTIME].destroyed) register(socket[ID], socket)
}

// A call refused here (a field of the wrong type): one Error, later, and nothing else.
function refuseCall (socket, errCode, errMsg) {
  refuse(socket, errCode, errMsg, socket[ID])
}

module.exports = { SocketBase, use, refuseCall, defineListenerMethods, errorEvent, HANDLE, ID, LISTENERS, STATE }
