// The policy of wx's runtime (minisock run --policy): a loopback connection is refused under
// release (errCode -3), allowed under development.
const server = new minisock.testing.TcpEchoServer()
const tcp = wx.createTCPSocket()
tcp.onConnect(() => { console.log('connected'); tcp.close() })
tcp.onError(e => { console.log('error', e) })
let closed = false
tcp.onClose(() => { closed = true; server.close() })
tcp.connect({ address: '127.0.0.1', port: server.port })
setTimeout(() => { if (!closed) tcp.close() }, 200) // refused: the socket is still open
