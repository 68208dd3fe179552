// A listener that throws: reported as uncaught (exit status 1), the other listeners of the
// same event still called; the run ends before that event's Promise jobs and any later event.
const server = new minisock.testing.TcpEchoServer()
const tcp = wx.createTCPSocket()
tcp.onConnect(() => tcp.write('ping'))
tcp.onMessage(() => { throw new Error('boom from a listener') })
tcp.onMessage(() => {
  console.log('second listener called')
  Promise.resolve().then(() => console.log('not reached: the run ends before the event\'s Promise jobs'))
})
tcp.onClose(() => console.log('not reached: no event after the uncaught exception'))
tcp.onMessage(() => tcp.close())
tcp.connect({ address: '127.0.0.1', port: server.port })
