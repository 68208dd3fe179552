'use strict'
// How events reach JavaScript (src/addon.hpp): every runtime runs on this thread's own event
// loop, and each event is one call of dispatch(id, kind, p1, p2, p3) from the native side, made
// like Node's own I/O callbacks (napi_make_callback), so process.nextTick callbacks and
// microtasks run after each event: a Promise settled by a callback (Taro's connectSocket) has
// run its .then handlers before the task's next event is dispatched.
//
// Targets are the objects events are for: open sockets and tasks, pending callback sets,
// runtimes (their global listeners). Listener exceptions are caught: the other listeners still
// run, and the exception is reported as uncaught by the engine's bridge (native.reportError:
// under Node rethrown on its own tick, so that Node reports it as any uncaught exception,
// 'uncaughtException' or the error printed and exit code 1).

const native = require('./native')

const { KIND } = native

// What dispatch calls on a target, and what dropRuntime() asks of it (symbols: not part of
// the public objects' surface).
const EVENT = Symbol('minisock.event')
const DROP = Symbol('minisock.drop')
const RUNTIME = Symbol('minisock.runtime')

// Targets that must receive events: open sockets and tasks, pending callback sets.
const strong = new Map()
// Closed sockets and runtimes: reached only while someone holds them (later calls on a closed
// socket still report one Error each).
const weak = new Map()
const collected = new FinalizationRegistry(id => {
  const ref = weak.get(id)
  if (ref !== undefined && ref.deref() === undefined) weak.delete(id)
})

let nextId = 1
function newId () {
  let id = nextId
  while (strong.has(id) || weak.has(id) || id === 0) id = (id + 1) >>> 0
  nextId = (id + 1) >>> 0
  return id
}

function register (id, target) {
  strong.set(id, target)
}

function registerWeak (id, target) {
  weak.set(id, new WeakRef(target))
  collected.register(target, id)
}

// After a Close: keep reaching the target only while someone holds it.
function demote (id, target) {
  if (strong.get(id) !== target) return
  strong.delete(id)
  registerWeak(id, target)
}

function forget (id) {
  strong.delete(id)
  weak.delete(id)
}

function lookup (id) {
  const target = strong.get(id)
  if (target !== undefined) return target
  const ref = weak.get(id)
  return ref === undefined ? undefined : ref.deref()
}

// ---- listener exceptions ----

// The engine's bridge reports it as uncaught after the current event (lib/native.js: on
// Node's next tick; under JavaScriptCore, minisock run prints it and exits with status 1).
function reportUncaught (error) {
  native.reportError(error)
}
function invoke (fn, arg) {
  try {
    fn(arg)
  } catch (error) {
    reportUncaught(error)
  }
}

// ---- listener lists: onX(fn) / offX(fn) / offX() ----

// One array of entries { fn, live } per event, in order of registration. A dispatch walks the
// entries present when it starts: one removed meanwhile (live false) is not called again, one
// added (appended) runs from the next event. Adding is a push; removing marks fn's entries,
// found through a Map from fn to its entries, so n adds and n removes cost O(n) in all. Dead
// entries are dropped outside dispatch once they are half of the array (or all of it: the
// array is then EMPTY again, so `list.length === 0` says that nobody listens).
const STATE = Symbol('minisock.listenerState')

class ListState {
  constructor () {
    this.byFn = new Map() // fn -> its live entries
    this.live = 0
    this.walking = 0 // dispatches of the list under way
  }
}

class Listeners {
  constructor (names) {
    for (const name of names) this[name] = EMPTY
    this[STATE] = Object.create(null) // name -> ListState, made on the first add
  }

  add (name, fn) {
    const entry = { fn, live: true }
    if (this[name] === EMPTY) this[name] = [entry]
    else this[name].push(entry)
    const state = this[STATE][name] || (this[STATE][name] = new ListState())
    const entries = state.byFn.get(fn)
    if (entries === undefined) state.byFn.set(fn, [entry])
    else entries.push(entry)
    state.live++
  }

  // Removes every registration of fn (the same function object), or all when fn is undefined.
  remove (name, fn) {
    const list = this[name]
    if (list === EMPTY) return
    const state = this[STATE][name]
    if (fn === undefined) {
      for (const entry of list) entry.live = false
      state.byFn.clear()
      state.live = 0
    } else {
      const entries = state.byFn.get(fn)
      if (entries === undefined) return
      for (const entry of entries) entry.live = false
      state.byFn.delete(fn)
      state.live -= entries.length
    }
    this.compact(name, state)
  }

  // How many registrations are live (during a dispatch too).
  count (name) {
    const state = this[STATE][name]
    return state === undefined ? 0 : state.live
  }

  // Drops dead entries when no dispatch walks the list and they are worth it.
  compact (name, state) {
    if (state.walking > 0) return
    if (state.live === 0) {
      this[name] = EMPTY
    } else if (state.live * 2 < this[name].length) {
      this[name] = this[name].filter(entry => entry.live)
    }
  }

  emit (name, arg) {
    const list = this[name]
    const n = list.length
    if (n === 1) { // the usual case: nothing to guard
      const entry = list[0]
      if (entry.live) invoke(entry.fn, arg)
      return
    }
    if (n === 0) return
    const state = this[STATE][name]
    state.walking++
    try {
      for (let i = 0; i < n; i++) {
        const entry = list[i]
        if (entry.live) invoke(entry.fn, arg)
      }
    } finally {
      state.walking--
      this.compact(name, state)
    }
  }
}
const EMPTY = Object.freeze([])

// ---- success / fail / complete ----

// The callbacks of one call, reached by id until `complete`. One event brings a result:
// SUCCESS (success, then complete), FAIL (fail, then complete) or COMPLETE alone, so that a
// Promise settled by the first runs its handlers after both, as on the platform.
class CallbackSet {
  constructor (runtime, option) {
    this.id = newId()
    this[RUNTIME] = runtime
    this.success = typeof option.success === 'function' ? option.success : undefined
    this.fail = typeof option.fail === 'function' ? option.fail : undefined
    this.complete = typeof option.complete === 'function' ? option.complete : undefined
    register(this.id, this)
  }

  static has (option) {
    return typeof option.success === 'function' || typeof option.fail === 'function' ||
      typeof option.complete === 'function'
  }

  // Reports a result made here (a refused argument): fail then complete, later.
  refuse (errMsg, errno = 0) {
    native.post(this[RUNTIME].handle, KIND.FAIL, this.id, errMsg, errno, 0)
  }

  [EVENT] (kind, errMsg, errno) {
    const res = errno ? { errMsg, errno } : { errMsg }
    forget(this.id)
    if (kind === KIND.SUCCESS) {
      if (this.success) invoke(this.success, res)
    } else if (kind === KIND.FAIL) {
      if (this.fail) invoke(this.fail, res)
    }
    if (this.complete) invoke(this.complete, res)
  }

  [DROP] () {
    forget(this.id)
  }
}

// ---- the one entry from native code ----

function dispatch (id, kind, p1, p2, p3) {
  const target = lookup(id)
  if (target === undefined) return
  try {
    target[EVENT](kind, p1, p2, p3)
  } catch (error) {
    reportUncaught(error) // a bug of ours: reported, and the loop goes on
  }
}

native.init(dispatch)

// Drops every target of a runtime (destroyed: no more events will come).
function dropRuntime (runtime) {
  for (const [id, target] of strong) {
    if (target[RUNTIME] === runtime && target !== runtime) {
      if (typeof target[DROP] === 'function') target[DROP]()
      else forget(id)
    }
  }
}

// One Error event made here (a field of the wrong type): the call is not made at all; the
// Error comes later, through the socket's runtime, as minisock's own refusals do.
function refuse (target, errCode, errMsg, id) {
  native.post(target[RUNTIME].handle, KIND.ERROR, id, errMsg, errCode, 0)
}

module.exports = {
  KIND,
  EVENT,
  DROP,
  RUNTIME,
  newId,
  register,
  registerWeak,
  demote,
  forget,
  invoke,
  reportUncaught,
  refuse,
  Listeners,
  CallbackSet,
  dropRuntime
}
