'use strict'
// `minisock run` (bindings/jsc) against Node: the seed examples (examples/seeds) and the
// scripts of tests/jsc/scripts, each run by the minisock CLI (JavaScriptCore) and by Node with
// the same globals (node_globals.js), against the embedded loopback servers each starts. What
// they print must be the same, line for line, with the same exit status; and what the seeds
// print is checked against what the seed pages say.
//   MINISOCK_CLI=build/release/tools/minisock/minisock node --test tests/jsc/run.test.js

const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { test } = require('node:test')

const repo = path.resolve(__dirname, '..', '..')
const cli = process.env.MINISOCK_CLI || path.join(repo, 'build', 'release', 'tools', 'minisock', 'minisock')
const WAIT_MS = 20000

function run (command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => { stdout += d })
    child.stderr.on('data', d => { stderr += d })
    const timer = setTimeout(() => child.kill('SIGKILL'), WAIT_MS)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

/** The script in both engines: {jsc, node}, each {code, signal, stdout, stderr}. */
async function both (file, args = []) {
  assert.ok(fs.existsSync(cli), `the minisock CLI is built (${cli}); set MINISOCK_CLI`)
  const [jsc, node] = await Promise.all([
    run(cli, ['run', file, ...args]),
    run(process.execPath, ['-r', path.join(__dirname, 'node_globals.js'), file, ...args])
  ])
  assert.equal(jsc.signal, null, `minisock run ${file} ended by a signal: ${jsc.stderr}`)
  assert.equal(node.signal, null, `node ${file} ended by a signal: ${node.stderr}`)
  assert.equal(jsc.stdout, node.stdout, `${file}: minisock run and Node print the same`)
  assert.equal(jsc.code, node.code, `${file}: the same exit status (stderr: ${jsc.stderr})`)
  return { jsc, node }
}

const lines = text => text.split('\n').filter(Boolean)

test('seed: Taro.connectSocket (003/004): success before the Promise, then open, message, close', async () => {
  const { jsc } = await both('examples/seeds/connect_socket.js')
  assert.equal(jsc.code, 0, jsc.stderr)
  assert.deepEqual(lines(jsc.stdout), [
    'connect success', 'onOpen', "onMessage:  { data: 'xxx' }", "onClose:  { code: 1000, reason: '' }"
  ])
})

test('seed: the global socket calls (003): queued message sent on open, echoed, closed', async () => {
  const { jsc } = await both('examples/seeds/global_socket.js')
  assert.equal(jsc.code, 0, jsc.stderr)
  assert.deepEqual(lines(jsc.stdout), [
    'onSocketOpen', "onSocketMessage { data: 'queued before open' }", "WebSocket 已关闭！ { code: 1000, reason: '' }"
  ])
})

test('seed: TCPSocket (000/001): connect, write, echo, close; write before connect and a bad BSSID are Errors', async () => {
  const { jsc } = await both('examples/seeds/tcp_socket.js')
  assert.equal(jsc.code, 0, jsc.stderr)
  const out = lines(jsc.stdout)
  assert.deepEqual(out.slice(0, 3), ['[tcp] onConnect', '[tcp] onMessage "hello, how are you" from 127.0.0.1 (IPv4)', '[tcp] onClose'])
  assert.match(jsc.stdout, /errMsg: 'write fail: socket is not connected \(call connect\(\) first\)',\n {2}errCode: -1/)
  assert.match(jsc.stdout, /bindWifi fail: invalid BSSID 'xxx'/)
  assert.equal(out[out.length - 1], '[tcp2] onClose')
})

test('seed: UDPSocket (002): bind returns a port, Listening, the echo, Close, then a send is an Error', async () => {
  const { jsc } = await both('examples/seeds/udp_socket.js')
  assert.equal(jsc.code, 0, jsc.stderr)
  assert.deepEqual(lines(jsc.stdout), [
    '[udp] bind() -> a port: true', '[udp] onListening', '[udp] onMessage "hello" from 127.0.0.1, 5 bytes',
    '[udp] onClose', "[udp] onError { errMsg: 'send fail: task already closed', errCode: -1 }"
  ])
})

test('a listener that throws: printed as uncaught with its stack, the others of that event still run, exit status 1', async () => {
  const { jsc } = await both('tests/jsc/scripts/throwing_listener.js')
  assert.equal(jsc.code, 1)
  assert.deepEqual(lines(jsc.stdout), ['second listener called'])
  assert.match(jsc.stderr, /^Uncaught Error: boom from a listener\n {4}at .*throwing_listener\.js:6:/)
})

test('a script that ends with a socket open runs until it closes; unused sockets and runtimes do not hold it', async () => {
  const { jsc } = await both('tests/jsc/scripts/keep_alive.js')
  assert.equal(jsc.code, 0, jsc.stderr)
  assert.deepEqual(lines(jsc.stdout), ['end of the script', 'closed after 20 round trips'])
})

test('unhandled rejection: exit status 1 with the reason; handled ones and Taro rejections caught are not', async () => {
  const { jsc } = await both('tests/jsc/scripts/rejection.js')
  assert.equal(jsc.code, 1)
  assert.deepEqual(lines(jsc.stdout), ['caught handled', 'rejected: connectSocket:fail url not ws or wss', 'now an unhandled one'])
  assert.match(jsc.stderr, /^Uncaught \(in promise\) Error: nobody handles this/)
})

test('timers: order by time then as set, arguments, clearTimeout, setInterval until cleared, Promise jobs after each', async () => {
  const { jsc } = await both('tests/jsc/scripts/timers.js')
  assert.equal(jsc.code, 0, jsc.stderr)
  assert.deepEqual(lines(jsc.stdout), ['zero, b 1 2, c, c then, d', 'interval 1, interval 2, interval 3'])
})

test('bad input to every call: the same TypeErrors and fail/Error events as Node, each naming the problem', async () => {
  const { jsc } = await both('tests/jsc/scripts/bad_input.js')
  assert.equal(jsc.code, 0, jsc.stderr)
  assert.match(jsc.stdout, /tcp\.connect\(5\): throws TypeError: connect: parameter error: parameter should be Object instead of Number;/)
  assert.match(jsc.stdout, /connectSocket\(ftp\) fail \{ errMsg: 'connectSocket:fail url not ws or wss', errno: 600009 \}/)
  assert.match(jsc.stdout, /Taro\.connectSocket\(nope\) rejected/)
  assert.equal(jsc.stderr, '')
})

test("the node:assert/strict shim fails where Node's module fails", async () => {
  const { jsc } = await both('tests/jsc/scripts/assert_shim.js')
  assert.equal(jsc.code, 0, jsc.stderr)
  assert.doesNotMatch(jsc.stdout, /: passed/) // every case is a failing assertion
})

test('minisock.exitCode and minisock.args', async () => {
  const { jsc } = await both('tests/jsc/scripts/exit_code.js', ['one', '--two'])
  assert.equal(jsc.code, 3)
})

test('minisock run examples/seeds/*.js runs each seed in a context of its own, in turn, under a line naming it', async () => {
  const files = fs.readdirSync(path.join(repo, 'examples', 'seeds')).filter(f => f.endsWith('.js')).sort()
    .map(f => `examples/seeds/${f}`)
  assert.ok(files.length >= 4, 'the seed scripts')
  const all = await run(cli, ['run', ...files])
  assert.equal(all.code, 0, all.stderr)
  assert.deepEqual(lines(all.stdout).filter(l => l.startsWith('== ')), files.map(f => `== ${f}`))
  for (const file of files) {
    const one = await run(cli, ['run', file])
    const section = all.stdout.split(`== ${file}\n`)[1].split('\n== ')[0]
    assert.equal(section.replace(/\n$/, ''), one.stdout.replace(/\n$/, ''), `${file}: the same events as alone`)
  }
})

test('several scripts: the words after the last .js file (or after --) are every script\'s arguments; the first failure is the status', async () => {
  const r = await run(cli, ['run', 'tests/jsc/scripts/exit_code.js', 'tests/jsc/scripts/timers.js', 'one', 'x.js'])
  assert.equal(r.code, 3, r.stderr) // exit_code.js's, though timers.js ended with 0
  assert.match(r.stdout, /exit code set; args: \[ 'one', 'x\.js' \]/)
  assert.match(r.stdout, /== tests\/jsc\/scripts\/timers\.js\nzero, b 1 2/)
  const separated = await run(cli, ['run', 'tests/jsc/scripts/exit_code.js', '--', 'examples/seeds/udp_socket.js'])
  assert.equal(separated.code, 3)
  assert.equal(separated.stdout, "exit code set; args: [ 'examples/seeds/udp_socket.js' ]\n")
})

test('minisock run: a missing file is a usage error (64); --policy reaches wx and Taro', async () => {
  const missing = await run(cli, ['run', 'tests/jsc/scripts/no_such_file.js'])
  assert.equal(missing.code, 64)
  assert.match(missing.stderr, /cannot read tests\/jsc\/scripts\/no_such_file\.js/)
  const policy = await run(cli, ['run', '--policy', 'release', 'tests/jsc/scripts/policy.js'])
  assert.equal(policy.code, 0, policy.stderr)
  assert.match(policy.stdout, /errCode: -3/) // release: loopback refused, as on the platform
})
