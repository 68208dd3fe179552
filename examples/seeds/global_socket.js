// The seed's older global calls (003; the miniprogram-api-typings examples of
// wx.sendSocketMessage and wx.closeSocket) under `minisock run`, against minisock's embedded
// WebSocket echo server instead of test.php:
//   minisock run examples/seeds/global_socket.js
const server = new minisock.testing.WsEchoServer()

let socketOpen = false
let socketMsgQueue = ['queued before open']
wx.connectSocket({
  url: `ws://127.0.0.1:${server.port}/`
})

wx.onSocketOpen(function (res) {
  console.log('onSocketOpen')
  socketOpen = true
  for (let i = 0; i < socketMsgQueue.length; i++) {
    sendSocketMessage(socketMsgQueue[i])
  }
  socketMsgQueue = []
})

function sendSocketMessage (msg) {
  if (socketOpen) {
    wx.sendSocketMessage({
      data: msg
    })
  } else {
    socketMsgQueue.push(msg)
  }
}

wx.onSocketMessage(function (res) {
  console.log('onSocketMessage', res)
  wx.closeSocket({ code: 1000, reason: 'done' })
})

wx.onSocketClose(function (res) {
  console.log('WebSocket 已关闭！', res)
  server.close()
})
