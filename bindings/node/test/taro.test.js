'use strict'
// Taro's differences: connectSocket returns a Promise of the task, settled when the task is
// created, and no event of the task reaches JavaScript before the microtasks of that
// settlement ran (listeners attached in .then, or after await, see every event);
// sendSocketMessage and closeSocket return Promises; success/fail/complete run as well.

const assert = require('node:assert/strict')
const { test, after } = require('node:test')
const { createRuntime, testing, Recorder, within, runNode } = require('./helpers')

const server = new testing.WsEchoServer()
const url = `ws://127.0.0.1:${server.port}/`
const rt = createRuntime()
const { Taro } = rt
after(() => {
  rt.destroy()
  server.close()
})

function record (task, rec = new Recorder()) {
  for (const name of ['Open', 'Message', 'Error', 'Close']) task[`on${name}`](rec.on(name.toLowerCase()))
  return rec
}

test('connectSocket: success, then the Promise resolves with the task (errMsg on it), then complete', async () => {
  const order = []
  const promise = Taro.connectSocket({
    url,
    success: res => order.push(['success', res]),
    complete: res => order.push(['complete', res])
  })
  assert.ok(promise instanceof Promise)
  promise.then(() => order.push(['resolved']))
  const task = await within(promise, 'connectSocket')
  assert.equal(task.errMsg, 'connectSocket:ok')
  assert.equal(typeof task.send, 'function')
  assert.deepEqual(order[0], ['success', { errMsg: 'connectSocket:ok' }])
  assert.deepEqual(order[1], ['complete', { errMsg: 'connectSocket:ok' }])
  // Listeners attached now, after an await, still see Open.
  const rec = record(task)
  await rec.waitFor('open')
  task.close()
  await rec.waitFor('close')
  assert.deepEqual(rec.names(), ['open', 'close'])
})

test('listeners attached in .then see Error and Close of a task refused at once (6th connection)', async () => {
  const limited = createRuntime({ policy: { maxWebSockets: 1 } })
  try {
    const first = await within(limited.Taro.connectSocket({ url }), 'the first task')
    const firstRec = record(first)
    await firstRec.waitFor('open')
    // minisock queues success, Error and Close of the refused task together: the walk pauses
    // after the callbacks until the .then below has run.
    const rec = new Recorder()
    await within(limited.Taro.connectSocket({ url }).then(task => record(task, rec)), 'the second task')
    await rec.waitFor('close')
    assert.deepEqual(rec.names(), ['error', 'close'])
    assert.equal(rec.get('error').errno, 600007)
    first.close()
    await firstRec.waitFor('close')
  } finally {
    limited.destroy()
  }
})

test('many tasks at once, each .then attaching its listeners: every Open is seen', async () => {
  const many = createRuntime({ policy: { maxWebSockets: 0 } })
  try {
    const recs = []
    await within(Promise.all(Array.from({ length: 20 }, () =>
      many.Taro.connectSocket({ url }).then(task => {
        const rec = record(task)
        recs.push([task, rec])
      }))), 'twenty tasks')
    await Promise.all(recs.map(([, rec]) => rec.waitFor('open')))
    for (const [task] of recs) task.close()
    await Promise.all(recs.map(([, rec]) => rec.waitFor('close')))
    assert.ok(recs.every(([, rec]) => rec.names().join() === 'open,close'))
  } finally {
    many.destroy()
  }
})

test('an invalid url: fail, then the Promise rejects with the same result, then complete', async () => {
  const order = []
  const promise = Taro.connectSocket({
    url: 'ftp://127.0.0.1/',
    fail: res => order.push(['fail', res]),
    complete: res => order.push(['complete', res])
  })
  const rejection = await promise.then(() => assert.fail('resolved'), error => error)
  assert.deepEqual(rejection, { errMsg: 'connectSocket:fail url not ws or wss', errno: 600009 })
  assert.deepEqual(order.map(o => o[0]), ['fail', 'complete'])
})

test('sendSocketMessage and closeSocket return Promises (resolve ok, reject with the fail result)', async () => {
  const g = createRuntime()
  try {
    await assert.rejects(g.Taro.sendSocketMessage({ data: 'x' }), {
      errMsg: 'sendSocketMessage:fail webSocket is not connected (no connectSocket task)'
    })
    const rec = new Recorder()
    g.Taro.onSocketMessage(rec.on('message'))
    g.Taro.onSocketClose(rec.on('close'))
    const opened = new Promise(resolve => g.Taro.onSocketOpen(resolve))
    await within(g.Taro.connectSocket({ url }), 'connectSocket')
    await within(opened, 'onSocketOpen')
    const calls = []
    const sent = await within(g.Taro.sendSocketMessage({ data: 'hi', success: () => calls.push('success') }), 'send')
    assert.deepEqual(sent, { errMsg: 'sendSocketMessage:ok' })
    assert.deepEqual(calls, ['success'])
    await rec.waitFor('message')
    assert.equal(rec.get('message').data, 'hi')
    await assert.rejects(g.Taro.closeSocket({ code: 1, fail: () => calls.push('fail') }),
      { errMsg: 'closeSocket:fail The code must be either 1000, or between 3000 and 4999. 1 is neither.' })
    assert.deepEqual(calls, ['success', 'fail'])
    assert.deepEqual(await within(g.Taro.closeSocket(), 'closeSocket'), { errMsg: 'closeSocket:ok' })
    await rec.waitFor('close')
  } finally {
    g.destroy()
  }
})

test('with fail or complete given, an unobserved rejection does not end the process; without, Node reports it', async () => {
  const script = (withFail) => `
    const { createRuntime } = require(process.env.MINISOCK)
    const rt = createRuntime()
    process.on('exit', code => console.log('exit', code))
    rt.Taro.connectSocket({ url: 'nope'${withFail ? ', fail: r => console.log(r.errMsg)' : ''} })
    setTimeout(() => { console.log('still running'); rt.destroy() }, 300)
  `
  const handled = await runNode(script(true))
  assert.equal(handled.code, 0, handled.stderr)
  assert.match(handled.stdout, /connectSocket:fail url not ws or wss/)
  assert.match(handled.stdout, /still running/)
  const unhandled = await runNode(script(false))
  assert.equal(unhandled.code, 1)
  assert.equal(unhandled.signal, null)
  assert.match(unhandled.stderr, /UnhandledPromiseRejection/) // the reason is the {errMsg} object
  assert.doesNotMatch(unhandled.stdout, /still running/)
})
