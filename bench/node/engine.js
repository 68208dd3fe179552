'use strict'
// What the JavaScript peers need of their engine, for Node (`node minisock_js.js`) and for
// JavaScriptCore (`minisock run minisock_js.js`, the minisock_jsc peer): the binding, a clock,
// arguments, output, exit, and (Node only) memory figures.
const jsc = typeof minisock === 'object' && minisock !== null && minisock.engine === 'javascriptcore'

const engine = jsc
  ? {
      name: 'javascriptcore',
      createRuntime: minisock.createRuntime,
      // No performance.now() in a bare JavaScriptCore context: Date.now()'s millisecond is
      // 0.05 % of a 2 s window.
      now: () => Date.now(),
      argv: minisock.args,
      write: text => console.log(text.replace(/\n$/, '')),
      error: text => console.error(text.replace(/\n$/, '')),
      exit: code => minisock.exit(code),
      // The watchdog: cleared by exit (the run ends there), so it need not be unref'd.
      watchdog: (fn, ms) => setTimeout(fn, ms),
      rssKiB: null
    }
  : {
      name: 'node',
      createRuntime: options => require(require('path').join(__dirname, '..', '..', 'bindings', 'node')).createRuntime(options),
      now: () => require('perf_hooks').performance.now(),
      argv: process.argv.slice(2),
      write: text => process.stdout.write(text),
      error: text => process.stderr.write(text),
      exit: code => process.exit(code),
      watchdog: (fn, ms) => setTimeout(fn, ms).unref(),
      rssKiB: () => {
        if (global.gc) { global.gc(); global.gc() }
        return Math.round(process.memoryUsage().rss / 1024)
      }
    }

module.exports = engine
