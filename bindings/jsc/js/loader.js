(function (host) {
  'use strict'
  // minisock run's JavaScript side (bindings/jsc/src/host.cpp calls this function once, with
  // the host's natives): CommonJS modules (the binding's own, embedded in the executable, and
  // the user's, from disk), the globals a mini-program's network code sees, then the script.
  //
  // Module names: 'minisock', 'minisock/testing', 'minisock/global' (bindings/node's
  // index.js, testing.js, global.js, with lib/native.js replaced by jsc/native.js: the
  // addon's functions from the host), 'node:test' and 'node:assert/strict' (small shims, so
  // that tests written for Node's runner run here unchanged), and files by relative or
  // absolute path (.js, .json, a directory's index.js). There is no npm lookup.

  const EMBEDDED = 'minisock:'
  const ALIASES = {
    minisock: 'index.js',
    'minisock/testing': 'testing.js',
    'minisock/global': 'global.js',
    'node:test': 'jsc/node_test.js',
    test: 'jsc/node_test.js',
    'node:assert/strict': 'jsc/node_assert.js',
    'assert/strict': 'jsc/node_assert.js'
  }
  const REPLACED = { 'lib/native.js': 'jsc/native.js' }
  const cache = Object.create(null)

  // The bridge (docs/ARCHITECTURE.md, "The JavaScript bridge"): the addon's functions, made by
  // the same C++ as Node's (over bindings/jsc's Node-API), and what lib/ asks of an engine.
  const native = host.addon
  // An exception of a listener is uncaught (printed, exit status 1) as in Node: the event's
  // other listeners still run, then the run ends, before the event's Promise jobs.
  let reported = false
  native.reportError = error => {
    host.reportError(error)
    reported = true
  }
  const init = native.init
  native.init = dispatch => init(function (id, kind, p1, p2, p3) {
    dispatch(id, kind, p1, p2, p3)
    if (reported) host.halt()
  })
  native.defaultPolicy = host.policy // minisock run --policy: the default runtime's
  native.path = 'minisock run (built in)'
  cache[EMBEDDED + 'jsc/native.js'] = { id: EMBEDDED + 'jsc/native.js', exports: native, loaded: true }

  function normalize (path) {
    const absolute = path.startsWith('/')
    const out = []
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue
      if (part === '..') {
        if (out.length > 0 && out[out.length - 1] !== '..') out.pop()
        else if (!absolute) out.push('..')
      } else {
        out.push(part)
      }
    }
    return (absolute ? '/' : '') + out.join('/')
  }
  function dirname (path) {
    const i = path.lastIndexOf('/')
    return i <= 0 ? (path.startsWith('/') ? '/' : '') : path.slice(0, i)
  }

  function notFound (spec, from) {
    const error = new Error(`Cannot find module '${spec}' (required from ${from}; minisock run ` +
      "loads 'minisock', 'minisock/testing', 'minisock/global', 'node:test', " +
      "'node:assert/strict' (not the legacy, loose node:assert) and files by path, no npm packages)")
    error.code = 'MODULE_NOT_FOUND'
    return error
  }

  // An embedded name ('lib/api.js') or an absolute file path.
  function resolve (spec, parent) {
    if (Object.prototype.hasOwnProperty.call(ALIASES, spec)) return EMBEDDED + ALIASES[spec]
    const relative = spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..'
    if (parent.startsWith(EMBEDDED) && relative) {
      const dir = dirname(parent.slice(EMBEDDED.length))
      const base = normalize(dir ? dir + '/' + spec : spec)
      for (const name of [base, base + '.js', base === '' ? 'index.js' : base + '/index.js']) {
        const key = REPLACED[name] || name
        if (cache[EMBEDDED + key] !== undefined || host.source(key) !== undefined) return EMBEDDED + key
      }
      throw notFound(spec, parent)
    }
    if (!relative && !spec.startsWith('/')) throw notFound(spec, parent)
    const base = spec.startsWith('/') ? normalize(spec) : normalize(dirname(parent) + '/' + spec)
    for (const file of [base, base + '.js', base + '.json', base + '/index.js']) {
      if (host.isFile(file)) return file
    }
    throw notFound(spec, parent)
  }

  function load (id) {
    const cached = cache[id]
    if (cached !== undefined) return cached.exports
    const embedded = id.startsWith(EMBEDDED)
    const text = embedded ? host.source(id.slice(EMBEDDED.length)) : host.readFile(id)
    const module = { id, filename: id, exports: {}, loaded: false }
    if (mainModule === undefined && !embedded) mainModule = module // the script: the first file
    cache[id] = module
    try {
      if (id.endsWith('.json')) {
        module.exports = JSON.parse(text)
      } else {
        // The wrapper on the source's first line: line numbers in stacks stay the file's own.
        const source = text.startsWith('#!') ? '//' + text : text
        const fn = host.evaluate('(function (exports, require, module, __filename, __dirname) {' +
          source + '\n})', id)
        fn.call(module.exports, module.exports, makeRequire(id), module, id,
          embedded ? EMBEDDED + dirname(id.slice(EMBEDDED.length)) : dirname(id))
      }
    } catch (error) {
      delete cache[id]
      throw error
    }
    module.loaded = true
    return module.exports
  }

  let mainModule
  function makeRequire (parent) {
    const require = spec => {
      if (typeof spec !== 'string') throw new TypeError('require: the module name should be String')
      return load(resolve(spec, parent))
    }
    require.resolve = spec => resolve(spec, parent)
    require.cache = cache
    Object.defineProperty(require, 'main', { get: () => mainModule, enumerable: true })
    return require
  }

  // ---- the globals ----

  const define = (name, value) => Object.defineProperty(globalThis, name, {
    value, writable: true, configurable: true, enumerable: false
  })
  const requireEmbedded = makeRequire(EMBEDDED + 'jsc/loader.js')

  define('console', requireEmbedded('./console').makeConsole(host))
  define('setTimeout', (fn, ms, ...args) => host.setTimer(args.length ? () => fn(...args) : fn, ms, false))
  define('setInterval', (fn, ms, ...args) => host.setTimer(args.length ? () => fn(...args) : fn, ms, true))
  define('clearTimeout', id => host.clearTimer(id))
  define('clearInterval', id => host.clearTimer(id))
  if (typeof globalThis.queueMicrotask !== 'function') {
    define('queueMicrotask', fn => { Promise.resolve().then(fn) })
  }

  const binding = requireEmbedded('minisock')
  const testing = Object.freeze({
    ...requireEmbedded('minisock/testing'),
    /**
     * A throwaway self-signed certificate for localhost, 127.0.0.1 and ::1 (its own CA):
     * {cert, key} file paths, removed when the script ends (remove() is then a no-op).
     */
    makeCertificate () {
      const [cert, key] = host.makeCertificate()
      return { cert, key, remove () {} }
    }
  })
  requireEmbedded('minisock/global') // wx and Taro
  define('minisock', Object.freeze({
    engine: 'javascriptcore',
    /** The script's arguments (after the file name). */
    args: Object.freeze(host.argv.slice(1)),
    createRuntime: binding.createRuntime,
    testing,
    /** The exit status when the script ends normally (as process.exitCode). */
    set exitCode (code) { host.setExitCode(code) },
    /**
     * Ends the run with `code` (default 0) once the current callback returns: no further
     * event or timer runs (as process.exit; the caller's remaining code still runs).
     */
    exit (code = 0) { host.exit(code) }
  }))

  // ---- the script ----

  const script = host.argv[0]
  const main = script.startsWith('/') ? normalize(script) : normalize(host.cwd + '/' + script)
  if (!host.isFile(main)) throw new Error(`minisock run: cannot read ${script}: no such file`)
  load(main)
})
