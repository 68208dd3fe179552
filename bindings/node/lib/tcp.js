'use strict'
// TCPSocket (wx.createTCPSocket / Taro.createTCPSocket) over minisock::TCPSocket.

const native = require('./native')
const { SocketBase, defineListenerMethods, refuseCall, use, HANDLE } = require('./socket')
const { parameterError, isData, isInt32, requireObject } = require('./args')

// The events: the platform's, and Drain (minisock's extension: onDrain/offDrain).
const EVENTS = ['connect', 'message', 'error', 'close', 'bindWifi', 'drain']

// Error, then Close: the socket is closed, as when minisock refuses a value itself.
function refuseAndClose (socket, errCode, errMsg) {
  refuseCall(socket, errCode, errMsg)
  native.tcpClose(socket[HANDLE])
}

class TCPSocket extends SocketBase {
  constructor (runtime, type) {
    super(runtime, EVENTS, (handle, id) => native.tcpCreate(handle, id, type))
  }

  connect (option) {
    use(this)
    requireObject('connect', option)
    const { address, port, timeout } = option
    if (typeof address !== 'string') {
      return refuseCall(this, 1, `connect fail: ${parameterError('address', 'String', address)}`)
    }
    if (typeof port !== 'number') {
      return refuseCall(this, 2, `connect fail: ${parameterError('port', 'Number', port)}`)
    }
    // Values no connection can use end the socket as minisock's own checks do (Error, then
    // Close), in the unit the caller wrote.
    if (!isInt32(port)) return refuseAndClose(this, 2, `connect fail: invalid port ${port} (must be 1-65535)`)
    let ms
    if (timeout !== undefined) {
      if (typeof timeout !== 'number') {
        return refuseCall(this, -1, `connect fail: ${parameterError('timeout', 'Number', timeout)}`)
      }
      if (!(timeout > 0) || !Number.isFinite(timeout)) {
        return refuseAndClose(this, -1, `connect fail: invalid timeout ${timeout} s (must be a positive number of seconds)`)
      }
      ms = timeout * 1000 // the platform's timeout is in seconds
    }
    native.tcpConnect(this[HANDLE], { address, port, timeout: ms })
  }

  write (data) {
    use(this)
    if (!isData(data)) throw new TypeError(`write: ${parameterError('data', 'String/ArrayBuffer', data)}`)
    native.tcpWrite(this[HANDLE], data)
  }

  close () {
    use(this)
    native.tcpClose(this[HANDLE])
  }

  bindWifi (option) {
    use(this)
    requireObject('bindWifi', option)
    const { BSSID } = option
    if (typeof BSSID !== 'string') {
      return refuseCall(this, 3, `bindWifi fail: ${parameterError('BSSID', 'String', BSSID)}`)
    }
    native.tcpBindWifi(this[HANDLE], BSSID)
  }

  /**
   * Extension: bytes written and not yet handed to the operating system (0 again when Drain
   * fires).
   */
  get bufferedAmount () {
    return native.tcpBufferedAmount(this[HANDLE])
  }

  /** Extension (as Node's socket.pause()): stops receiving; TCP's flow control slows the peer. */
  pause () {
    use(this)
    native.tcpSetPaused(this[HANDLE], true)
  }

  /** Extension: receiving again after pause(). */
  resume () {
    use(this)
    native.tcpSetPaused(this[HANDLE], false)
  }

  /** Extension: whether pause() is in effect. */
  isPaused () {
    return native.tcpIsPaused(this[HANDLE])
  }
}
// onDrain(listener) / offDrain(listener?), minisock's extension: Drain ({}) fires when bytes
// that had to wait (written while connecting, or more than the OS would take at once) have all
// been handed to the OS, bufferedAmount back to 0; never inside write(), not for a write the
// OS took at once, not while closing. A writer can continue from there.
defineListenerMethods(TCPSocket, EVENTS)

module.exports = { TCPSocket }
