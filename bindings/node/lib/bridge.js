'use strict'
// The JavaScript end of the event queue (src/event_queue.cpp).
//
// The loop threads queue events natively; one thread-safe-function call hands JavaScript a
// whole batch, a flat array of records [kind, target, p1, p2, p3]. drain() walks it and
// gives each record to its target (a socket, a task, a runtime's global listeners, or the
// success/fail/complete callbacks of one call).
//
// Timing: after the callbacks of connectSocket (success, complete) the walk stops and goes
// on in a setImmediate callback, that is after every microtask has run: a Promise settled by
// those callbacks (Taro) has run its .then handlers before any event of the task arrives.
//
// Listener exceptions are caught: the other listeners and the rest of the batch still run,
// and the exception is then rethrown on its own, so that Node reports it as it reports any
// uncaught exception ('uncaughtException', or the error printed and exit code 1).

const native = require('./native')

const KIND = Object.freeze({
  CONNECT: 1,
  MESSAGE_BINARY: 2,
  MESSAGE_TEXT: 3,
  ERROR: 4,
  CLOSE: 5,
  BIND_WIFI: 6,
  LISTENING: 7,
  OPEN: 8,
  INFO: 9,
  SUCCESS: 10,
  FAIL: 11,
  COMPLETE: 12
})
const STRIDE = 5

// What the walk calls on a target, and what dropRuntime() asks of it (symbols: not part of
// the public objects' surface).
const EVENT = Symbol('minisock.event')
const DROP = Symbol('minisock.drop')
const RUNTIME = Symbol('minisock.runtime')

// Targets that must receive events: open sockets and tasks, pending callback sets, runtimes.
const strong = new Map()
// Closed sockets: later calls still report one Error each, to whoever still holds them.
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

// Reached only while someone holds it: a closed socket, a runtime (its sockets hold it).
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

// ---- keeping the process alive ----

let active = 0
function hold () {
  if (active++ === 0) native.setRef(true)
}
function release () {
  if (active > 0 && --active === 0) native.setRef(false)
}

// ---- listener exceptions ----

function rethrow (error) {
  throw error
}
function reportUncaught (error) {
  process.nextTick(rethrow, error)
}
function invoke (fn, arg) {
  try {
    fn(arg)
  } catch (error) {
    reportUncaught(error)
  }
}

// ---- listener lists: onX(fn) / offX(fn) / offX() ----

// Lists are replaced, never changed in place, so a dispatch walks the list it started with:
// a listener removed during dispatch is not called again, one added runs from the next event.
class Listeners {
  constructor (names) {
    for (const name of names) this[name] = EMPTY
  }

  add (name, fn) {
    this[name] = this[name].concat(fn)
  }

  // Removes every registration of fn (the same function object), or all when fn is undefined.
  remove (name, fn) {
    if (fn === undefined) this[name] = EMPTY
    else if (this[name].includes(fn)) this[name] = this[name].filter(f => f !== fn)
  }

  emit (name, arg) {
    const list = this[name]
    if (list.length === 1) return invoke(list[0], arg)
    for (let i = 0; i < list.length; i++) {
      const fn = list[i]
      if (i > 0 && this[name] !== list && !this[name].includes(fn)) continue
      invoke(fn, arg)
    }
  }
}
const EMPTY = Object.freeze([])

// ---- success / fail / complete ----

// The callbacks of one call. `connect` marks connectSocket's: the walk pauses after them.
class CallbackSet {
  constructor (runtime, option, connect = false) {
    this.id = newId()
    this[RUNTIME] = runtime
    this.success = typeof option.success === 'function' ? option.success : undefined
    this.fail = typeof option.fail === 'function' ? option.fail : undefined
    this.complete = typeof option.complete === 'function' ? option.complete : undefined
    this.connect = connect
    register(this.id, this)
    hold()
  }

  static has (option) {
    return typeof option.success === 'function' || typeof option.fail === 'function' ||
      typeof option.complete === 'function'
  }

  // Reports a result made here (a refused argument): fail then complete, later, in order.
  refuse (errMsg, errno = 0) {
    native.inject(KIND.FAIL, this.id, errMsg, errno, 0)
    native.inject(KIND.COMPLETE, this.id, errMsg, errno, 0)
  }

  [EVENT] (kind, errMsg, errno) {
    const res = errno ? { errMsg, errno } : { errMsg }
    if (kind === KIND.SUCCESS) {
      if (this.success) invoke(this.success, res)
    } else if (kind === KIND.FAIL) {
      if (this.fail) invoke(this.fail, res)
    } else if (kind === KIND.COMPLETE) {
      forget(this.id)
      release()
      if (this.complete) invoke(this.complete, res)
      return this.connect
    }
    return false
  }

  [DROP] () {
    if (strong.get(this.id) === this) {
      forget(this.id)
      release()
    }
  }
}

// ---- the walk ----

const backlog = [] // [batch, index, batch, index, …] waiting behind a pause
let paused = false
// Deliveries from the native queue and the records they carried (tests check the batching).
const stats = { batches: 0, records: 0 }

function drain (batch) {
  stats.batches++
  stats.records += batch.length / STRIDE
  if (paused) backlog.push(batch, 0)
  else walk(batch, 0)
}

function walk (batch, start) {
  const n = batch.length
  for (let i = start; i < n; i += STRIDE) {
    const target = lookup(batch[i + 1])
    if (target === undefined) continue
    let pause = false
    try {
      pause = target[EVENT](batch[i], batch[i + 2], batch[i + 3], batch[i + 4])
    } catch (error) {
      reportUncaught(error) // a bug of ours: reported, and the walk goes on
    }
    if (pause) {
      paused = true
      backlog.unshift(batch, i + STRIDE)
      setImmediate(resume)
      return
    }
  }
}

function resume () {
  paused = false
  while (!paused && backlog.length > 0) {
    const batch = backlog.shift()
    const index = backlog.shift()
    walk(batch, index)
  }
}

native.init(drain)

// Drops every target of a runtime (destroyed: no more events will come).
function dropRuntime (runtime) {
  for (const [id, target] of strong) {
    if (target[RUNTIME] === runtime && target !== runtime) {
      if (typeof target[DROP] === 'function') target[DROP]()
      else forget(id)
    }
  }
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
  hold,
  release,
  invoke,
  reportUncaught,
  Listeners,
  CallbackSet,
  dropRuntime,
  stats
}
