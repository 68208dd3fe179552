'use strict'
// The platform's two promise forms: wx's (a Promise only when no callback is given) and
// Taro's (always a Promise, settled after the user's callbacks).

const { copyOption, isObject, requireObject } = require('./args')

function has (option) {
  return typeof option.success === 'function' || typeof option.fail === 'function' ||
    typeof option.complete === 'function'
}

// wx's promise form: without success/fail/complete, the call returns a Promise.
function wxPromisify (api, fields, call, optionalOption) {
  return function (option) {
    if (option === undefined && optionalOption) option = {}
    requireObject(api, option)
    option = copyOption(option, fields)
    if (has(option)) {
      call(option)
      return undefined
    }
    return new Promise((resolve, reject) => call({ ...option, success: resolve, fail: reject }))
  }
}

function noop () {}

// Taro's promisify (@tarojs/shared processApis): always a Promise; the user's success/fail
// run first, then it settles; connectSocket resolves with the task (errMsg assigned to it).
// When fail or complete is given, failures are the caller's to handle there: the rejection
// is marked handled, so that callback-style code does not end the process with an
// unhandled rejection (a mini-program only logs it). `.then`/`.catch` see it as usual.
function taroPromisify (key, wxCall) {
  return function (options = {}) {
    if (!isObject(options)) return wxCall(options) // throws: not an object
    let task = null
    const obj = Object.assign({}, options)
    const { success, fail, complete } = obj // read once: a throwing getter ends the call here
    const promise = new Promise((resolve, reject) => {
      obj.success = res => {
        try {
          if (typeof success === 'function') success(res)
        } finally {
          if (key === 'connectSocket') {
            resolve(Promise.resolve().then(() => (task ? Object.assign(task, res) : res)))
          } else {
            resolve(res)
          }
        }
      }
      obj.fail = res => {
        try {
          if (typeof fail === 'function') fail(res)
        } finally {
          reject(res)
        }
      }
      obj.complete = res => {
        if (typeof complete === 'function') complete(res)
      }
      task = wxCall(obj)
    })
    if (typeof fail === 'function' || typeof complete === 'function') {
      promise.catch(noop)
    }
    return promise
  }
}

module.exports = { wxPromisify, taroPromisify }
