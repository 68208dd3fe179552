// The seed's Taro.connectSocket example (003/004) under `minisock run`, as written except the
// URL (minisock's embedded WebSocket echo server instead of ws://echo.websocket.org/echo):
//   minisock run examples/seeds/connect_socket.js
const server = new minisock.testing.WsEchoServer()

Taro.connectSocket({
  url: `ws://127.0.0.1:${server.port}/echo`,
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
    server.close()
  })
})
