'use strict'
// console for minisock run: log/info/debug on stdout, warn/error on stderr, formatted as Node's
// console formats (util.format: %s %d %i %f %j %o %O %c %%, then each further argument
// inspected: strings as they are at the top, quoted inside objects; objects to depth 2).

// Node's quoting: single quotes, or double or back quotes when the text has single quotes.
function quote (text) {
  let q = "'"
  if (text.includes("'")) {
    if (!text.includes('"')) q = '"'
    else if (!text.includes('`') && !text.includes('${')) q = '`'
  }
  const escaped = text.replace(/[\\\n\t\r\b\f\v]/g, c => ({ '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\b': '\\b', '\f': '\\f', '\v': '\\v' })[c])
  return q + (q === "'" ? escaped.replace(/'/g, "\\'") : escaped) + q
}

function isIdentifier (key) {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
}

// Node's util.inspect layout (breakLength 80): entries on one line when they fit, else one a
// line, indented.
function reduce (entries, open, close, indent) {
  if (entries.length === 0) return `${open}${close}`
  const start = entries.length + indent + open.length + 10
  let total = entries.length + start
  let fits = total + entries.length <= 80
  for (let i = 0; fits && i < entries.length; i++) {
    total += entries[i].length
    if (total > 80) fits = false
  }
  const joined = entries.join(', ')
  if (fits && !joined.includes('\n')) return `${open} ${joined} ${close}`
  const pad = '\n' + ' '.repeat(indent)
  return `${open}${pad}  ${entries.join(`,${pad}  `)}${pad}${close}`
}

function inspect (value, depth = 2, seen = [], indent = 0) {
  switch (typeof value) {
    case 'string': return quote(value)
    case 'number': return Object.is(value, -0) ? '-0' : String(value)
    case 'bigint': return `${value}n`
    case 'undefined': return 'undefined'
    case 'boolean': return String(value)
    case 'symbol': return value.toString()
    case 'function': return `[${value.constructor && value.constructor.name === 'AsyncFunction' ? 'AsyncFunction' : 'Function'}: ${value.name || '(anonymous)'}]`
  }
  if (value === null) return 'null'
  if (seen.includes(value)) return '[Circular *1]'
  if (value instanceof Error) {
    const frames = (value.stack || '').split('\n').filter(Boolean).map(l => `    at ${l}`)
    return [String(value), ...frames].join('\n')
  }
  const next = v => inspect(v, depth - 1, seen.concat([value]), indent + 2)
  if (value instanceof ArrayBuffer) {
    const bytes = Array.from(new Uint8Array(value, 0, Math.min(value.byteLength, 50)), b => b.toString(16).padStart(2, '0'))
    const more = value.byteLength > 50 ? ` ... ${value.byteLength - 50} more bytes` : ''
    return reduce([`[Uint8Contents]: <${bytes.join(' ')}${more}>`, `byteLength: ${value.byteLength}`], 'ArrayBuffer {', '}', indent)
  }
  if (value instanceof DataView) {
    const bytes = Array.from(new Uint8Array(value.buffer, value.byteOffset, Math.min(value.byteLength, 50)), b => b.toString(16).padStart(2, '0'))
    return reduce([`byteLength: ${value.byteLength}`, `byteOffset: ${value.byteOffset}`, `buffer: ArrayBuffer { [Uint8Contents]: <${bytes.join(' ')}>, byteLength: ${value.buffer.byteLength} }`], 'DataView {', '}', indent)
  }
  if (ArrayBuffer.isView(value)) {
    const items = Array.from(value.slice(0, 100), String)
    if (value.length > 100) items.push(`... ${value.length - 100} more items`)
    return reduce(items, `${value.constructor.name}(${value.length}) [`, ']', indent)
  }
  if (value instanceof Promise) return 'Promise { <pending> }'
  if (value instanceof Date) return value.toISOString()
  if (value instanceof RegExp) return String(value)
  if (depth < 0) return Array.isArray(value) ? '[Array]' : '[Object]'
  if (Array.isArray(value)) {
    const items = []
    for (let i = 0; i < value.length; i++) {
      if (i in value) {
        items.push(next(value[i]))
        continue
      }
      let holes = 0
      while (i < value.length && !(i in value)) { holes++; i++ }
      i--
      items.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`)
    }
    return reduce(items, '[', ']', indent)
  }
  if (value instanceof Map) {
    return reduce(Array.from(value, ([k, v]) => `${next(k)} => ${next(v)}`), `Map(${value.size}) {`, '}', indent)
  }
  if (value instanceof Set) return reduce(Array.from(value, next), `Set(${value.size}) {`, '}', indent)
  const proto = Object.getPrototypeOf(value)
  const name = proto === null ? '[Object: null prototype] ' : value.constructor && value.constructor.name !== 'Object' ? `${value.constructor.name} ` : ''
  const entries = Object.keys(value).map(k => `${isIdentifier(k) ? k : quote(k)}: ${next(value[k])}`)
  return reduce(entries, `${name}{`, '}', indent)
}

function format (...args) {
  let first = args.length > 0 ? args[0] : ''
  let rest = args.slice(1)
  let out
  if (typeof first === 'string' && first.includes('%') && rest.length > 0) {
    out = first.replace(/%[sdifjoOc%]/g, spec => {
      if (spec === '%%') return '%'
      if (rest.length === 0) return spec
      const v = rest.shift()
      switch (spec) {
        case '%s': return typeof v === 'string' ? v : typeof v === 'object' && v !== null ? inspect(v, 1) : String(v)
        case '%d': case '%i': return typeof v === 'object' ? 'NaN' : String(spec === '%i' ? parseInt(v) : Number(v))
        case '%f': return String(parseFloat(v))
        case '%j': try { return JSON.stringify(v) } catch { return '[Circular]' }
        case '%c': return ''
        default: return inspect(v, 4)
      }
    })
    first = null
  } else {
    out = typeof first === 'string' ? first : inspect(first)
  }
  for (const v of rest) out += ' ' + (typeof v === 'string' ? v : inspect(v))
  return out
}

function makeConsole (host) {
  const out = (...args) => host.write(1, format(...args) + '\n')
  const err = (...args) => host.write(2, format(...args) + '\n')
  return { log: out, info: out, debug: out, warn: err, error: err, trace: err }
}

module.exports = { makeConsole, format, inspect }
