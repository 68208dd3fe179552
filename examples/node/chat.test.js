'use strict'
// Mini-program network code tested off the phone: require('minisock/global') installs
// minisock's wx and Taro as globals (before the code under test runs), and the test starts a
// loopback WebSocket server of its own. Run with `node --test` in a project that has
// `npm install minisock`.

require('minisock/global')
const assert = require('node:assert/strict')
const { test, after } = require('node:test')
const { WsEchoServer } = require('minisock/testing')
const { ChatClient } = require('./chat')

const server = new WsEchoServer()
after(() => server.close())

test('the chat client sends lines and hears them back over a real WebSocket', async () => {
  const chat = new ChatClient(`ws://127.0.0.1:${server.port}/chat`)
  await chat.open()
  const heard = []
  const twoLines = new Promise(resolve => chat.onLine(text => heard.push(text) === 2 && resolve()))
  await chat.say('hello')
  await chat.say('你好')
  await twoLines
  assert.deepEqual(heard, ['hello', '你好'])
  assert.equal(await chat.close(), 1000)
})

test('a refused connection reaches the code under test as the platform\'s error', async () => {
  const chat = new ChatClient('ftp://127.0.0.1/')
  await assert.rejects(chat.open(), error => /connectSocket:fail/.test(error.errMsg || error.message))
})

test('the globals are minisock\'s, and other globals stay as they were', () => {
  assert.equal(typeof globalThis.wx.connectSocket, 'function')
  assert.equal(typeof globalThis.Taro.connectSocket, 'function')
  assert.equal(globalThis.wx.connectSocket, require('minisock').wx.connectSocket)
})
