// The seed's UDPSocket page (Taro, 002) under `minisock run`: bind, send, onListening,
// onMessage, close (and a send after close is an Error event), against minisock's embedded UDP
// echo server:
//   minisock run examples/seeds/udp_socket.js
const server = new minisock.testing.UdpEchoServer()
const text = buffer => String.fromCharCode(...new Uint8Array(buffer))

const udp = Taro.createUDPSocket()
udp.onListening(() => console.log('[udp] onListening'))
udp.onMessage(res => {
  console.log(`[udp] onMessage "${text(res.message)}" from ${res.remoteInfo.address}, ${res.remoteInfo.size} bytes`)
  udp.close()
})
udp.onError(res => console.log('[udp] onError', res))
udp.onClose(() => {
  console.log('[udp] onClose')
  udp.send({ address: '127.0.0.1', port: server.port, message: 'too late' })
  setTimeout(() => server.close(), 50)
})
const port = udp.bind()
console.log(`[udp] bind() -> a port: ${port > 0}`)
udp.send({ address: '127.0.0.1', port: server.port, message: 'hello' })
