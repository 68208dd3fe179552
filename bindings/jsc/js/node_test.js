'use strict'
// require('node:test') under minisock run: test(name, [options], fn) and after(fn), enough for
// the binding's shared tests (bindings/node/test/shared) to run unchanged in both engines.
// Tests run one after another once the file has been evaluated; output is TAP, as Node's
// runner prints it; the exit status is 1 while any test failed or has not finished (so a
// script that ends with a test still waiting fails).

const tests = []
const afters = []
let scheduled = false

function schedule () {
  if (scheduled) return
  scheduled = true
  globalThis.minisock.exitCode = 1 // until every test has passed
  setTimeout(runAll, 0)
}

function test (name, options, fn) {
  if (typeof options === 'function') {
    fn = options
    options = {}
  }
  tests.push({ name: String(name), options: options || {}, fn })
  schedule()
}

function after (fn) {
  afters.push(fn)
  schedule()
}

function errorText (error) {
  if (error instanceof Error) {
    const frames = (error.stack || '').split('\n').filter(Boolean).map(l => `      ${l}`)
    return [`    error: ${JSON.stringify(error.message)}`, `    name: ${error.name}`,
      ...(error.code ? [`    code: ${error.code}`] : []), '    stack: |-', ...frames].join('\n')
  }
  return `    error: ${String(error)}`
}

async function runAll () {
  let pass = 0
  let fail = 0
  let skipped = 0
  const write = line => console.log(line)
  write('TAP version 13')
  for (let i = 0; i < tests.length; i++) {
    const t = tests[i]
    const number = i + 1
    if (t.options.skip) {
      skipped++
      write(`ok ${number} - ${t.name} # SKIP${typeof t.options.skip === 'string' ? ' ' + t.options.skip : ''}`)
      continue
    }
    let skip = null
    const context = {
      name: t.name,
      skip (message = '') { skip = String(message) },
      diagnostic (message) { write(`# ${message}`) }
    }
    const started = Date.now()
    try {
      await t.fn(context)
      if (skip !== null) {
        skipped++
        write(`ok ${number} - ${t.name} # SKIP${skip ? ' ' + skip : ''}`)
      } else {
        pass++
        write(`ok ${number} - ${t.name}`)
      }
    } catch (error) {
      fail++
      write(`not ok ${number} - ${t.name}`)
      write('  ---')
      write(`  duration_ms: ${Date.now() - started}`)
      write(errorText(error))
      write('  ...')
    }
  }
  for (const fn of afters) {
    try {
      await fn()
    } catch (error) {
      fail++
      write(`not ok - after() hook failed\n${errorText(error)}`)
    }
  }
  write(`1..${tests.length}`)
  write(`# tests ${tests.length}`)
  write(`# pass ${pass}`)
  write(`# fail ${fail}`)
  write(`# skipped ${skipped}`)
  globalThis.minisock.exitCode = fail > 0 ? 1 : 0
}

module.exports = { test, after, default: test }
module.exports.test = test
