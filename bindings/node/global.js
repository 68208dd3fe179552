'use strict'
// require('minisock/global'): minisock's `wx` and `Taro` as globals, for code written against
// the mini-program globals (a mini-program's network code under Node's test runner, or under
// miniprogram-simulate, which keeps an existing global.wx's functions over its no-op stubs).
//
// Whatever `wx` / `Taro` globals exist already keep their other functions (a test's stub of
// wx.request, say); the socket calls are minisock's. Returns {wx, Taro}.

const { wx, Taro } = require('.')

function install (name, api) {
  const existing = globalThis[name]
  const merged = existing !== null && typeof existing === 'object' ? { ...existing, ...api } : { ...api }
  globalThis[name] = merged
  return merged
}

module.exports = { wx: install('wx', wx), Taro: install('Taro', Taro) }
