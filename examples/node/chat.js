'use strict'
// Mini-program code, as a page would have it: it uses the platform's global `wx` and nothing
// else. chat.test.js runs it under Node's test runner against a real WebSocket server.

class ChatClient {
  constructor (url) {
    this.url = url
    this.task = null
    this.received = []
    this.listeners = []
  }

  /** Resolves when the connection is open; rejects with the platform's error. */
  open () {
    return new Promise((resolve, reject) => {
      this.task = wx.connectSocket({ url: this.url, fail: reject })
      this.task.onOpen(() => resolve())
      this.task.onError(error => reject(new Error(error.errMsg)))
      this.task.onMessage(({ data }) => {
        this.received.push(data)
        for (const fn of this.listeners) fn(data)
      })
    })
  }

  /** Sends one line; resolves once it is handed to the network. */
  say (text) {
    return new Promise((resolve, reject) => {
      this.task.send({ data: JSON.stringify({ text }), success: resolve, fail: reject })
    })
  }

  onLine (fn) {
    this.listeners.push(data => fn(JSON.parse(data).text))
  }

  /** Resolves with the close code once the closing handshake is done. */
  close () {
    return new Promise(resolve => {
      this.task.onClose(({ code }) => resolve(code))
      this.task.close({ code: 1000, reason: 'bye' })
    })
  }
}

module.exports = { ChatClient }
