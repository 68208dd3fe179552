'use strict'
// console for minisock run: log/info/debug on stdout, warn/error on stderr, formatted as Node's
// console formats (util.format: %s %d %i %f %j %o %O %c %%, then each further argument
// inspected: strings as they are at the top, quoted inside objects; objects to depth 2).

function quote (text) {
  return "'" + text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'"
}

function isIdentifier (key) {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
}

function inspect (value, depth = 2, seen = []) {
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
  if (seen.includes(value)) return '[Circular]'
  if (value instanceof Error) {
    const text = value.stack ? `${value}\n${value.stack.split('\n').filter(Boolean).map(l => `    at ${l}`).join('\n')}` : String(value)
    return text
  }
  if (value instanceof ArrayBuffer) {
    const bytes = Array.from(new Uint8Array(value, 0, Math.min(value.byteLength, 50)), b => b.toString(16).padStart(2, '0'))
    const more = value.byteLength > 50 ? ` ... ${value.byteLength - 50} more bytes` : ''
    return `ArrayBuffer { [Uint8Contents]: <${bytes.join(' ')}${more}>, byteLength: ${value.byteLength} }`
  }
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name
    return `${name}(${value.length}) [ ${Array.from(value.slice(0, 100)).join(', ')}${value.length > 100 ? ', ...' : ''} ]`
  }
  if (value instanceof Promise) return 'Promise { <pending> }'
  if (value instanceof Date) return value.toISOString()
  if (value instanceof RegExp) return String(value)
  if (depth < 0) return Array.isArray(value) ? '[Array]' : '[Object]'
  const inner = seen.concat([value])
  let parts
  let open = '{'
  let close = '}'
  let prefix = ''
  if (Array.isArray(value)) {
    open = '['
    close = ']'
    parts = value.map(v => inspect(v, depth - 1, inner))
  } else if (value instanceof Map) {
    prefix = `Map(${value.size}) `
    parts = Array.from(value, ([k, v]) => `${inspect(k, depth - 1, inner)} => ${inspect(v, depth - 1, inner)}`)
  } else if (value instanceof Set) {
    prefix = `Set(${value.size}) `
    parts = Array.from(value, v => inspect(v, depth - 1, inner))
  } else {
    const ctor = Object.getPrototypeOf(value) === null ? '[Object: null prototype] ' : value.constructor && value.constructor.name !== 'Object' ? `${value.constructor.name} ` : ''
    prefix = ctor
    parts = Object.keys(value).map(k => `${isIdentifier(k) ? k : quote(k)}: ${inspect(value[k], depth - 1, inner)}`)
  }
  if (parts.length === 0) return `${prefix}${open}${close}`
  const line = `${prefix}${open} ${parts.join(', ')} ${close}`
  if (line.length <= 72 && !line.includes('\n')) return line
  return `${prefix}${open}\n${parts.map(p => '  ' + p.split('\n').join('\n  ')).join(',\n')}\n${close}`
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
