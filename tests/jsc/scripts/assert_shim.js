// The assertions tests rely on fail where Node's node:assert/strict fails (run in both engines:
// minisock run's shim must agree with Node's module on each line).
const assert = require('node:assert/strict')
const cases = {
  'deepEqual DataView': () => assert.deepEqual(new DataView(new ArrayBuffer(1)), new DataView(new ArrayBuffer(2))),
  'deepEqual boxed': () => assert.deepEqual(new Number(1), new Number(2)),
  'deepEqual array length': () => assert.deepEqual([1, , 3], [1, undefined, 3]), // eslint-disable-line no-sparse-arrays
  'deepEqual symbol key': () => assert.deepEqual({ [Symbol.for('a')]: 1 }, { [Symbol.for('a')]: 2 }),
  'deepEqual ArrayBuffer': () => assert.deepEqual(new Uint8Array([1, 2]).buffer, new Uint8Array([1, 3]).buffer),
  'deepEqual prototype': () => assert.deepEqual({}, Object.create(null)),
  'deepEqual loose': () => assert.deepEqual({ a: 1 }, { a: '1' }),
  'notEqual NaN': () => assert.notEqual(NaN, NaN),
  'equal -0': () => assert.equal(0, -0),
  'throws non-function': () => assert.throws(42, TypeError),
  'throws Error instance': () => assert.throws(() => { throw new Error('other') }, new Error('specific')),
  'throws object': () => assert.throws(() => { throw new TypeError('x') }, { name: 'RangeError' }),
  'throws primitive': () => assert.throws(() => { throw 'text' }, { message: 'text' }), // eslint-disable-line no-throw-literal
  'throws nothing': () => assert.throws(() => {}),
  'throws regexp': () => assert.throws(() => { throw new Error('abc') }, /xyz/),
  'match': () => assert.match('abc', /d/),
  'ok': () => assert.ok(0)
}
for (const [name, fn] of Object.entries(cases)) {
  try {
    fn()
    console.log(`${name}: passed`)
  } catch (error) {
    console.log(`${name}: fails (${error.name})`)
  }
}
;(async () => {
  for (const [name, fn] of Object.entries({
    'rejects resolved': () => assert.rejects(Promise.resolve(1)),
    'rejects non-promise': () => assert.rejects(42),
    'rejects wrong': () => assert.rejects(Promise.reject(new TypeError('x')), RangeError)
  })) {
    try {
      await fn()
      console.log(`${name}: passed`)
    } catch (error) {
      console.log(`${name}: fails (${error.name})`)
    }
  }
})()
