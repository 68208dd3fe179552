'use strict'
// Argument checks, with the platform's wording for parameter errors:
//   connectSocket:fail parameter error: parameter.url should be String instead of Undefined;

// ArrayBuffer's own brand check (engine-neutral, as util.types.isArrayBuffer: true for an
// ArrayBuffer of any realm, false for a SharedArrayBuffer, a view or a look-alike).
const byteLengthOf = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get
function isArrayBuffer (value) {
  if (typeof value !== 'object' || value === null) return false
  try {
    byteLengthOf.call(value)
    return true
  } catch {
    return false
  }
}

// 'Undefined', 'Null', 'Number', 'String', 'Object', 'Array', 'ArrayBuffer', 'Uint8Array', …
function typeName (value) {
  if (value === null) return 'Null'
  if (value === undefined) return 'Undefined'
  return Object.prototype.toString.call(value).slice(8, -1)
}

function parameterError (name, expected, value) {
  const what = name ? `parameter.${name}` : 'parameter'
  return `parameter error: ${what} should be ${expected} instead of ${typeName(value)};`
}

function isObject (value) {
  return typeof value === 'object' && value !== null
}

function isData (value) {
  return typeof value === 'string' || isArrayBuffer(value)
}

const INT32_MIN = -2147483648
const INT32_MAX = 2147483647
function isInt32 (value) {
  return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX
}

// A call whose argument is not the documented object/function throws: there is no callback
// through which to report it. (Fields of the wrong type are reported the platform's way.)
function requireObject (api, value) {
  if (!isObject(value)) throw new TypeError(`${api}: ${parameterError('', 'Object', value)}`)
}
function requireFunction (api, value) {
  if (typeof value !== 'function') {
    throw new TypeError(`${api}: ${parameterError('listener', 'Function', value)}`)
  }
}
function optionalFunction (api, value) {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`${api}: ${parameterError('listener', 'Function', value)}`)
  }
}

// The named fields of a user's option, each read once, before the call has any effect: a
// getter that throws (or a Proxy) ends the call cleanly, and later reads see the same values.
function copyOption (option, names) {
  const copy = {}
  for (const name of names) copy[name] = option[name]
  return copy
}

// The length of `text` in UTF-8 bytes (lone surrogates count as U+FFFD, 3 bytes, as the
// native side encodes them), without Node's Buffer.
function utf8Length (text) {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length &&
      text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) <= 0xdfff) {
      n += 4
      i++
    } else n += 3
  }
  return n
}

module.exports = {
  copyOption,
  isArrayBuffer,
  utf8Length,
  typeName,
  parameterError,
  isObject,
  isData,
  isInt32,
  requireObject,
  requireFunction,
  optionalFunction
}
