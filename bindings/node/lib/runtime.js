'use strict'
// One minisock::Runtime as JavaScript holds it: its policy and network settings (a proxy),
// its global socket listeners (wx.onSocketOpen …), its sockets' count. Its loop is this
// thread's own event loop.

const native = require('./native')
const { KIND, EVENT, RUNTIME, newId, registerWeak, forget, Listeners, dropRuntime } = require('./events')
const { errorEvent, LISTENERS } = require('./socket')

const GLOBAL_KINDS = { socketOpen: 0, socketMessage: 1, socketError: 2, socketClose: 3 }

class Runtime {
  /** policySpec from lib/policy.js, networkSpec from lib/network.js (undefined: none). */
  constructor (policySpec, networkSpec) {
    this.id = newId()
    this[RUNTIME] = this
    this.handle = native.createRuntime(this.id, policySpec, networkSpec)
    this.destroyed = false
    // Sockets and tasks whose Close has not reached JavaScript yet.
    this.sockets = 0
    this[LISTENERS] = new Listeners(Object.keys(GLOBAL_KINDS))
    // Weakly: a runtime nobody holds (no open socket holds it either) is collected, and the
    // native handle's finalizer destroys it.
    registerWeak(this.id, this)
  }

  check () {
    if (this.destroyed) throw new Error('minisock: this runtime has been destroyed')
    return this
  }

  onGlobal (name, listener) {
    const listeners = this[LISTENERS]
    const before = listeners.count(name)
    listeners.add(name, listener)
    if (before === 0) native.globalListen(this.handle, GLOBAL_KINDS[name], true)
  }

  offGlobal (name, listener) {
    const listeners = this[LISTENERS]
    listeners.remove(name, listener)
    if (listeners.count(name) === 0 && !this.destroyed) {
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

// The runtime behind each object createRuntime() returned (testing.nativeSocketCount).
const runtimes = new WeakMap()

module.exports = { Runtime, GLOBAL_KINDS, runtimes }
