'use strict'
// wx and Taro over one runtime: the platform's entry points (createTCPSocket,
// createUDPSocket, connectSocket, the older global calls), each class in its own file.

const native = require('./native')
const { TCPSocket } = require('./tcp')
const { UDPSocket } = require('./udp')
const { SocketTask, connectSocket, sendOn, closeOn, SEND_FIELDS, CLOSE_FIELDS } = require('./socket_task')
const { Runtime, GLOBAL_KINDS } = require('./runtime')
const { wxPromisify, taroPromisify } = require('./promisify')
const { requireObject, requireFunction, optionalFunction } = require('./args')

function makeApis (getRuntime) {
  const rt = () => getRuntime().check()
  const wx = {
    createTCPSocket (option) {
      let type
      if (option !== undefined) {
        requireObject('createTCPSocket', option)
        if (option.type !== undefined) type = String(option.type)
      }
      return new TCPSocket(rt(), type)
    },
    createUDPSocket (type) {
      return new UDPSocket(rt(), type === undefined ? undefined : String(type))
    },
    connectSocket (option) {
      return connectSocket(rt(), option)
    },
    sendSocketMessage: wxPromisify('sendSocketMessage', SEND_FIELDS, option => {
      const runtime = rt()
      sendOn(runtime, option, (id, data) => { native.sendSocketMessage(runtime.handle, id, data) })
    }, false),
    closeSocket: wxPromisify('closeSocket', CLOSE_FIELDS, option => {
      const runtime = rt()
      closeOn(runtime, option, (id, code, reason) => { native.closeSocket(runtime.handle, id, { code, reason }) })
    }, true)
  }
  for (const name of Object.keys(GLOBAL_KINDS)) {
    const upper = name[0].toUpperCase() + name.slice(1)
    wx[`on${upper}`] = listener => {
      requireFunction(`on${upper}`, listener)
      rt().onGlobal(name, listener)
    }
    // Extension (the platform has no offSocketX): remove a global listener, or all of them.
    wx[`off${upper}`] = listener => {
      optionalFunction(`off${upper}`, listener)
      rt().offGlobal(name, listener)
    }
  }
  const Taro = {
    ...wx,
    connectSocket: taroPromisify('connectSocket', wx.connectSocket),
    sendSocketMessage: taroPromisify('sendSocketMessage', wx.sendSocketMessage),
    closeSocket: taroPromisify('closeSocket', wx.closeSocket)
  }
  return { wx: Object.freeze(wx), Taro: Object.freeze(Taro) }
}

module.exports = { Runtime, TCPSocket, UDPSocket, SocketTask, makeApis }
