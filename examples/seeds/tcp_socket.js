// The seeds' TCPSocket examples (Taro's page, 000; the WeChat page, 001) under `minisock run`,
// against minisock's embedded TCP echo server instead of 192.168.193.2:8848:
//   minisock run examples/seeds/tcp_socket.js
const server = new minisock.testing.TcpEchoServer() // 127.0.0.1, a free port
const text = buffer => String.fromCharCode(...new Uint8Array(buffer))

// 000: connect, write, close.
const tcp = Taro.createTCPSocket()
tcp.onConnect(() => {
  console.log('[tcp] onConnect')
  tcp.write('hello, how are you')
})
tcp.onMessage(res => {
  console.log(`[tcp] onMessage "${text(res.message)}" from ${res.remoteInfo.address} (${res.remoteInfo.family})`)
  tcp.close()
})
tcp.onError(res => console.log('[tcp] onError', res))
tcp.onClose(() => {
  console.log('[tcp] onClose')
  early()
})
tcp.connect({ address: '127.0.0.1', port: server.port })

// 001: write before connect is an Error event (errCode -1), and the socket stays usable; a
// bindWifi on a machine without Wi-Fi is one too.
function early () {
  const tcp2 = wx.createTCPSocket()
  tcp2.onError(res => {
    console.log('[tcp2] onError', res)
    if (res.errMsg.startsWith('bindWifi')) {
      tcp2.close()
      server.close()
    }
  })
  tcp2.onClose(() => console.log('[tcp2] onClose'))
  tcp2.write('hello, how are you')
  tcp2.bindWifi({ BSSID: 'xxx' })
  tcp2.onBindWifi(() => console.log('[tcp2] onBindWifi'))
}
