// The seed examples (../../seeds.js, from ../shared/seeds and miniprogram-api-typings) as
// TypeScript against the globals that require('minisock/global') installs.
import 'minisock/global'

export function taroTcp (): void {
  const tcp = Taro.createTCPSocket()
  tcp.connect({ address: '192.168.193.2', port: 8848 })
  tcp.write('hello, how are you')
  tcp.close()
}

export function wxTcp (): void {
  const tcp = wx.createTCPSocket()
  tcp.bindWifi({ BSSID: 'xxx' })
  tcp.onBindWifi(() => {})
  tcp.connect({ address: '192.168.193.2', port: 8848 })
  tcp.write('hello, how are you')
  tcp.close()
  const listener = function (res: unknown): void { console.log(res) }
  tcp.onConnect(listener)
  tcp.offConnect(listener)
  tcp.onError(listener)
  tcp.offError(listener)
  tcp.onMessage(listener)
  tcp.offMessage(listener)
  tcp.onBindWifi(listener)
  tcp.offBindWifi(listener)
  tcp.onMessage(({ message, remoteInfo, localInfo }) => {
    const bytes: ArrayBuffer = message
    console.log(bytes.byteLength, remoteInfo.address, remoteInfo.family, remoteInfo.port, remoteInfo.size,
      localInfo.address, localInfo.port)
  })
  tcp.onError(({ errMsg, errCode }) => console.log(errMsg, errCode))
}

export function taroUdp (): void {
  const udp = Taro.createUDPSocket()
  const port: number = udp.bind()
  udp.send({ address: '192.168.193.2', port: 8848, message: 'hello' })
  udp.send({ address: '192.168.193.2', port, message: new ArrayBuffer(4), offset: 1, length: 2 })
  udp.onListening(() => {})
  udp.onMessage(({ message, remoteInfo }) => console.log(message.byteLength, remoteInfo.port))
  udp.setTTL(64)
  // Taro's SendOption: {data, success, fail, complete}, to the connected peer.
  udp.connect({ address: '192.168.193.2', port: 8848 })
  udp.send({ data: 'hello', success: () => {}, fail: (res) => console.log(res.errMsg), complete: () => {} })
  udp.close()
}

export function taroConnectSocket (): void {
  Taro.connectSocket({
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
  })
}

export function taroConnectSocketHeader (): void {
  Taro.connectSocket({
    url: 'wss://example.qq.com',
    header: {
      'content-type': 'application/json'
    },
    protocols: ['protocol1']
  })
}

export function wxCloseSocket (): void {
  wx.connectSocket({
    url: 'test.php'
  })
  wx.onSocketOpen(function () {
    wx.closeSocket()
  })
  wx.onSocketClose(function (res) {
    console.log('WebSocket closed', res.code, res.reason)
  })
}

export function wxSendSocketMessage (): (msg: string) => void {
  let socketOpen = false
  let socketMsgQueue: string[] = []
  wx.connectSocket({
    url: 'test.php'
  })
  wx.onSocketOpen(function () {
    socketOpen = true
    for (let i = 0; i < socketMsgQueue.length; i++) {
      sendSocketMessage(socketMsgQueue[i])
    }
    socketMsgQueue = []
  })
  function sendSocketMessage (msg: string): void {
    if (socketOpen) {
      wx.sendSocketMessage({
        data: msg
      })
    } else {
      socketMsgQueue.push(msg)
    }
  }
  return sendSocketMessage
}

export async function promiseForms (): Promise<void> {
  const res = await wx.sendSocketMessage({ data: 'x' }) // no callbacks: a Promise
  console.log(res.errMsg)
  const nothing: void = wx.closeSocket({ success: () => {} })
  console.log(nothing)
  const task = await Taro.connectSocket({ url: 'wss://example.qq.com' })
  console.log(task.readyState === task.OPEN, task.errMsg)
}
