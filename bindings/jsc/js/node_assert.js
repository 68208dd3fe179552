'use strict'
// require('node:assert/strict') under minisock run: the strict assertions the binding's shared
// tests use (ok, equal, notEqual, deepEqual, notDeepEqual, match, doesNotMatch, throws,
// rejects, fail), with Node's strict semantics (Object.is, prototypes and own enumerable keys
// compared, ArrayBuffers by content).

const { inspect } = require('./console')

class AssertionError extends Error {
  constructor (message, { actual, expected, operator } = {}) {
    super(message)
    this.name = 'AssertionError'
    this.code = 'ERR_ASSERTION'
    this.actual = actual
    this.expected = expected
    this.operator = operator
  }
}

function raise (message, fallback, details) {
  if (message instanceof Error) throw message
  throw new AssertionError(message !== undefined ? String(message) : fallback, details)
}

function ownKeys (o) {
  return [...Object.keys(o), ...Object.getOwnPropertySymbols(o).filter(k => Object.prototype.propertyIsEnumerable.call(o, k))]
}

const BOXED = [Number, String, Boolean, BigInt, Symbol]

function isDeepStrictEqual (a, b, seen = []) {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false
  if (Object.prototype.toString.call(a) !== Object.prototype.toString.call(b)) return false
  for (const [x, y] of seen) if (x === a && y === b) return true
  const next = seen.concat([[a, b]])
  if (a instanceof ArrayBuffer) {
    if (a.byteLength !== b.byteLength) return false
    const x = new Uint8Array(a)
    const y = new Uint8Array(b)
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
    return true
  }
  if (ArrayBuffer.isView(a)) {
    if (a.byteLength !== b.byteLength) return false
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
  }
  if (Array.isArray(a) && a.length !== b.length) return false
  for (const Box of BOXED) {
    if (Box.prototype && Object.getPrototypeOf(a) === Box.prototype && !Object.is(a.valueOf(), b.valueOf())) return false
  }
  if (a instanceof Date && !Object.is(a.getTime(), b.getTime())) return false
  if (a instanceof RegExp && (String(a) !== String(b) || a.lastIndex !== b.lastIndex)) return false
  if (a instanceof Error && (a.message !== b.message || a.name !== b.name)) return false
  if (a instanceof Map) {
    if (a.size !== b.size) return false
    for (const [k, v] of a) if (!b.has(k) || !isDeepStrictEqual(v, b.get(k), next)) return false
  }
  if (a instanceof Set) {
    if (a.size !== b.size) return false
    for (const v of a) if (!b.has(v)) return false
  }
  const ka = ownKeys(a)
  const kb = ownKeys(b)
  if (ka.length !== kb.length) return false
  for (const k of ka) {
    if (!Object.prototype.propertyIsEnumerable.call(b, k)) return false
    if (!isDeepStrictEqual(a[k], b[k], next)) return false
  }
  return true
}

function ok (value, message) {
  if (!value) raise(message, `The expression evaluated to a falsy value:\n\n  assert.ok(${inspect(value)})\n`, { actual: value, expected: true, operator: '==' })
}

function equal (actual, expected, message) {
  if (!Object.is(actual, expected)) {
    raise(message, `Expected values to be strictly equal:\n\n${inspect(actual)} !== ${inspect(expected)}\n`, { actual, expected, operator: 'strictEqual' })
  }
}

function notEqual (actual, expected, message) {
  if (Object.is(actual, expected)) raise(message, `Expected "actual" to be strictly unequal to: ${inspect(expected)}`, { actual, expected, operator: 'notStrictEqual' })
}

function deepEqual (actual, expected, message) {
  if (!isDeepStrictEqual(actual, expected)) {
    raise(message, `Expected values to be strictly deep-equal:\n+ actual - expected\n\n+ ${inspect(actual, 4)}\n- ${inspect(expected, 4)}`, { actual, expected, operator: 'deepStrictEqual' })
  }
}

function notDeepEqual (actual, expected, message) {
  if (isDeepStrictEqual(actual, expected)) raise(message, `Expected "actual" not to be strictly deep-equal to: ${inspect(expected)}`, { actual, expected, operator: 'notDeepStrictEqual' })
}

function match (text, pattern, message) {
  if (typeof text !== 'string' || !pattern.test(text)) {
    raise(message, `The input did not match the regular expression ${pattern}. Input:\n\n${inspect(text)}\n`, { actual: text, expected: pattern, operator: 'match' })
  }
}

function doesNotMatch (text, pattern, message) {
  if (typeof text !== 'string' || pattern.test(text)) {
    raise(message, `The input was expected to not match the regular expression ${pattern}. Input:\n\n${inspect(text)}\n`, { actual: text, expected: pattern, operator: 'doesNotMatch' })
  }
}

function fail (message = 'Failed') {
  raise(message, 'Failed', { operator: 'fail' })
}

// What throws/rejects accept as `expected`: a RegExp (tested on String(error)), a class, a
// validation function, or an object whose every property must match.
function checkError (error, expected, message, what) {
  if (expected === undefined) return
  if (expected instanceof RegExp) {
    if (!expected.test(String(error))) raise(message, `The input did not match the regular expression ${expected}. Input:\n\n${inspect(String(error))}\n`, { actual: error, expected, operator: what })
    return
  }
  if (typeof expected === 'function') {
    if (expected.prototype !== undefined && error instanceof expected) return
    if (Error.isPrototypeOf(expected) || expected === Error) {
      raise(message, `The error is expected to be an instance of "${expected.name}". Received: ${inspect(error)}`, { actual: error, expected, operator: what })
    }
    if (expected.call({}, error) !== true) raise(message, `The ${what === 'rejects' ? 'rejection' : 'error'} validation function is expected to return "true". Received: ${inspect(error)}`, { actual: error, expected, operator: what })
    return
  }
  if (typeof expected === 'object' && expected !== null) {
    const keys = Object.keys(expected)
    if (expected instanceof Error) keys.push('name', 'message') // as Node: an Error's own fields
    if (keys.length === 0) throw new TypeError(`The "expected" argument of assert.${what} may not be an empty object`)
    if (typeof error !== 'object' || error === null) {
      raise(message, `The ${what === 'rejects' ? 'rejection' : 'error'} is expected to be an object. Received: ${inspect(error)}`, { actual: error, expected, operator: what })
    }
    for (const key of keys) {
      const want = expected[key]
      const got = error[key]
      if (want instanceof RegExp && typeof got === 'string') {
        if (!want.test(got)) raise(message, `${what}: property ${key} ${inspect(got)} does not match ${want}`, { actual: error, expected, operator: what })
      } else if (!isDeepStrictEqual(got, want)) {
        raise(message, `${what}: property ${key} is ${inspect(got)}, expected ${inspect(want)}`, { actual: error, expected, operator: what })
      }
    }
    return
  }
  throw new TypeError(`The "expected" argument of assert.${what} must be a RegExp, a function or an object; received ${inspect(expected)}`)
}

function throws (fn, expected, message) {
  if (typeof fn !== 'function') throw new TypeError(`The "fn" argument of assert.throws must be a function; received ${inspect(fn)}`)
  if (typeof expected === 'string') {
    message = expected
    expected = undefined
  }
  let threw = false
  let error
  try {
    fn()
  } catch (e) {
    threw = true
    error = e
  }
  if (!threw) raise(message, 'Missing expected exception.', { operator: 'throws' })
  checkError(error, expected, message, 'throws')
}

async function rejects (promiseOrFn, expected, message) {
  if (typeof expected === 'string') {
    message = expected
    expected = undefined
  }
  const promise = typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn
  if (promise === null || (typeof promise !== 'object' && typeof promise !== 'function') || typeof promise.then !== 'function') {
    throw new TypeError(`The "promiseFn" argument of assert.rejects must be a Promise or a function returning one; received ${inspect(promise)}`)
  }
  let rejected = false
  let error
  try {
    await promise
  } catch (e) {
    rejected = true
    error = e
  }
  if (!rejected) raise(message, 'Missing expected rejection.', { operator: 'rejects' })
  checkError(error, expected, message, 'rejects')
}

const assert = (value, message) => ok(value, message)
Object.assign(assert, {
  AssertionError,
  ok,
  equal,
  strictEqual: equal,
  notEqual,
  notStrictEqual: notEqual,
  deepEqual,
  deepStrictEqual: deepEqual,
  notDeepEqual,
  notDeepStrictEqual: notDeepEqual,
  match,
  doesNotMatch,
  throws,
  rejects,
  fail
})
assert.strict = assert

module.exports = assert
