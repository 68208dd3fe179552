'use strict'
// The seed examples (/work/shared/seeds, and the miniprogram-api-typings examples of the same
// calls), copied as written. The tests run them with only the addresses replaced.

module.exports = {
  // 000 (Taro TCPSocket): connect, write, close
  taroTcpConnect: `const tcp = Taro.createTCPSocket()
tcp.connect({ address: '192.168.193.2', port: 8848 })`,
  taroTcpWrite: `const tcp = Taro.createTCPSocket()
tcp.write('hello, how are you')`,
  taroTcpClose: `const tcp = Taro.createTCPSocket()
tcp.close()`,

  // 001 (wx TCP communication)
  wxBindWifi: `const tcp = wx.createTCPSocket()  
tcp.bindWifi({ BSSID: 'xxx' })  
tcp.onBindWifi(() => {})`,
  wxClose: `const tcp = wx.createTCPSocket()  
tcp.close()`,
  wxConnect: `const tcp = wx.createTCPSocket()  
tcp.connect({address: '192.168.193.2', port: 8848})`,
  wxOffConnect: `const listener = function (res) { console.log(res) }

TCPSocket.onConnect(listener)
TCPSocket.offConnect(listener)  // Pass the same function object used for listening.`,
  wxOffError: `const listener = function (res) { console.log(res) }

TCPSocket.onError(listener)
TCPSocket.offError(listener)  // Pass the same function object used for listening.`,
  wxOffMessage: `const listener = function (res) { console.log(res) }

TCPSocket.onMessage(listener)
TCPSocket.offMessage(listener) // Pass the same function object used for listening.`,
  wxOffBindWifi: `const listener = function (res) { console.log(res) }

TCPSocket.onBindWifi(listener)
TCPSocket.offBindWifi(listener) // Pass the same function object used for listening.`,
  wxWrite: `const tcp = wx.createTCPSocket()  
tcp.write('hello, how are you')`,

  // 003 and 004 (Taro WebSocket), without the line \`import Taro from '@tarojs/taro'\`
  taroConnectSocket: `Taro.connectSocket({
  url: 'ws://echo.websocket.org/echo',
  success: function () {
    console.log('connect success')
  }
}).then(task => {
  task.onOpen(function () {
    console.log('onOpen')
    task.send({ data: 'xxx' })
  })
  task.onMessage(function (msg) {
    console.log('onMessage: ', msg)
    task.close()
  })
  task.onError(function () {
    console.log('onError')
  })
  task.onClose(function (e) {
    console.log('onClose: ', e)
  })
})`,
  taroConnectSocketHeader: `Taro.connectSocket({
  url: 'wss://example.qq.com',
  header:{
    'content-type': 'application/json'
  },
  protocols: ['protocol1']
})`,

  // miniprogram-api-typings: wx.closeSocket and wx.sendSocketMessage (its last line,
  // `return sendSocketMessage`, is ours: the test calls the example's function)
  wxCloseSocket: `wx.connectSocket({
  url: 'test.php'
})

//注意这里有时序问题，
//如果 wx.connectSocket 还没回调 wx.onSocketOpen，而先调用 wx.closeSocket，那么就做不到关闭 WebSocket 的目的。
//必须在 WebSocket 打开期间调用 wx.closeSocket 才能关闭。
wx.onSocketOpen(function() {
  wx.closeSocket()
})

wx.onSocketClose(function(res) {
  console.log('WebSocket 已关闭！')
})`,
  wxSendSocketMessage: `let socketOpen = false
let socketMsgQueue = []
wx.connectSocket({
  url: 'test.php'
})

wx.onSocketOpen(function(res) {
  socketOpen = true
  for (let i = 0; i < socketMsgQueue.length; i++){
    sendSocketMessage(socketMsgQueue[i])
  }
  socketMsgQueue = []
})

function sendSocketMessage(msg) {
  if (socketOpen) {
    wx.sendSocketMessage({
      data:msg
    })
  } else {
    socketMsgQueue.push(msg)
  }
}
return sendSocketMessage`
}
