// The script's own code ends at once; the host keeps running while a socket is open (and
// only then): 20 round trips, each after a timer, then close.
const server = new minisock.testing.TcpEchoServer()
const tcp = wx.createTCPSocket()
let round = 0
tcp.onConnect(() => tcp.write('round 0'))
tcp.onMessage(() => {
  round++
  if (round === 20) return tcp.close()
  setTimeout(() => tcp.write(`round ${round}`), 1)
})
tcp.onClose(() => {
  console.log(`closed after ${round} round trips`)
  server.close()
})
tcp.connect({ address: '127.0.0.1', port: server.port })
// An unused runtime and a socket never connected do not keep the host alive.
minisock.createRuntime()
wx.createUDPSocket()
console.log('end of the script')
