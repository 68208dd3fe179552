// Bad input to every call: the documented TypeError (a call without its object or listener)
// or the documented fail/Error event with an errMsg naming the problem; never a crash.
const out = (...args) => console.log(...args)
function attempt (what, fn) {
  try {
    const result = fn()
    out(`${what}: returned ${result === undefined ? 'undefined' : typeof result}`)
  } catch (error) {
    out(`${what}: throws ${error.constructor.name}: ${error.message}`)
  }
}
const cb = name => ({
  success: r => out(`${name} success`, r),
  fail: r => out(`${name} fail`, r),
  complete: () => out(`${name} complete`)
})

// TCPSocket
const tcp = wx.createTCPSocket()
tcp.onError(e => out('tcp onError', e))
tcp.onClose(() => out('tcp onClose'))
attempt('tcp.connect()', () => tcp.connect())
attempt('tcp.connect(5)', () => tcp.connect(5))
attempt('tcp.connect({address: 5, port: 80})', () => tcp.connect({ address: 5, port: 80 }))
attempt("tcp.connect({address: '127.0.0.1', port: 'x'})", () => tcp.connect({ address: '127.0.0.1', port: 'x' }))
attempt("tcp.connect({address: '127.0.0.1', port: 70000})", () => tcp.connect({ address: '127.0.0.1', port: 70000 }))
attempt('tcp.write(42)', () => tcp.write(42))
attempt('tcp.write(new Uint8Array(2))', () => tcp.write(new Uint8Array(2)))
attempt('tcp.onMessage(1)', () => tcp.onMessage(1))
attempt('tcp.offMessage(1)', () => tcp.offMessage(1))
attempt('tcp.bindWifi()', () => tcp.bindWifi())
attempt("tcp.bindWifi({BSSID: 'nope'})", () => tcp.bindWifi({ BSSID: 'nope' }))
attempt('wx.createTCPSocket(5)', () => wx.createTCPSocket(5))

// UDPSocket
const udp = wx.createUDPSocket()
udp.onError(e => out('udp onError', e))
udp.onClose(() => out('udp onClose'))
attempt("udp.bind('x')", () => udp.bind('x'))
attempt('udp.send()', () => udp.send())
attempt("udp.send({address: '127.0.0.1', port: 9, message: 5})", () => udp.send({ address: '127.0.0.1', port: 9, message: 5 }))
attempt("udp.setTTL('a')", () => udp.setTTL('a'))
attempt('udp.setTTL(-1)', () => udp.setTTL(-1))
attempt("udp.connect({address: '127.0.0.1', port: -1})", () => udp.connect({ address: '127.0.0.1', port: -1 }))
attempt("wx.createUDPSocket('udp7')", () => wx.createUDPSocket('udp7'))

// SocketTask and the global calls
attempt('wx.connectSocket()', () => wx.connectSocket())
attempt('wx.connectSocket({url: 5})', () => wx.connectSocket({ url: 5, ...cb('connectSocket(url 5)') }))
attempt("wx.connectSocket({url: 'ftp://x'})", () => wx.connectSocket({ url: 'ftp://x', ...cb('connectSocket(ftp)') }))
attempt("wx.connectSocket({url: 'ws://127.0.0.1:1/', protocols: 'p'})", () => wx.connectSocket({ url: 'ws://127.0.0.1:1/', protocols: 'p', ...cb('connectSocket(protocols)') }))
attempt('wx.sendSocketMessage({data: 1})', () => wx.sendSocketMessage({ data: 1, ...cb('sendSocketMessage') }))
attempt('wx.closeSocket({code: 1})', () => wx.closeSocket({ code: 1, ...cb('closeSocket') }))
attempt('wx.onSocketOpen(null)', () => wx.onSocketOpen(null))
Taro.connectSocket({ url: 'nope' }).then(() => out('not reached'), e => out('Taro.connectSocket(nope) rejected', e))

setTimeout(() => {
  tcp.close()
  udp.close()
}, 100)
