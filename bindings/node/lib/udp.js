'use strict'
// UDPSocket (wx.createUDPSocket / Taro.createUDPSocket) over minisock::UDPSocket.

const native = require('./native')
const { RUNTIME, CallbackSet } = require('./events')
const { SocketBase, defineListenerMethods, refuseCall, use, HANDLE } = require('./socket')
const { copyOption, parameterError, isData, isInt32, requireObject } = require('./args')

const SEND_FIELDS = ['address', 'port', 'message', 'data', 'offset', 'length', 'setBroadcast',
  'success', 'fail', 'complete']

// UDPSocket.send and .write, in WeChat's shape ({address, port, message, offset, length,
// setBroadcast}) or Taro's ({data, success, fail, complete}: data is the message, and on a
// connected socket address and port may be left out). write goes to the connected peer.
function sendDatagram (socket, api, option, fn) {
  requireObject(api, option)
  option = copyOption(option, SEND_FIELDS)
  const callbacks = CallbackSet.has(option) ? new CallbackSet(socket[RUNTIME], option) : null
  const refuse = (errCode, errMsg) => {
    refuseCall(socket, errCode, errMsg)
    if (callbacks) callbacks.refuse(errMsg.replace(`${api} fail: `, `${api}:fail `))
  }
  const { address, port, offset, length, setBroadcast } = option
  const message = option.data !== undefined ? option.data : option.message
  const toPeer = address === undefined && port === undefined
  if (!toPeer && typeof address !== 'string') {
    return refuse(1, `${api} fail: ${parameterError('address', 'String', address)}`)
  }
  if (!toPeer && typeof port !== 'number') {
    return refuse(2, `${api} fail: ${parameterError('port', 'Number', port)}`)
  }
  if (!toPeer && !isInt32(port)) return refuse(2, `${api} fail: invalid port ${port} (must be 1-65535)`)
  if (!isData(message)) {
    // The platform's field is `message` (`data` is an alias some code uses): named as given.
    const name = option.data !== undefined ? 'data' : 'message'
    return refuse(-1, `${api} fail: ${parameterError(name, 'String/ArrayBuffer', message)}`)
  }
  for (const [name, value] of [['offset', offset], ['length', length]]) {
    if (value === undefined) continue
    if (typeof value !== 'number') {
      return refuse(-1, `${api} fail: ${parameterError(name, 'Number', value)}`)
    }
    if (!Number.isInteger(value)) return refuse(-1, `${api} fail: invalid ${name} ${value}`)
  }
  if (setBroadcast !== undefined && typeof setBroadcast !== 'boolean') {
    return refuse(-1, `${api} fail: ${parameterError('setBroadcast', 'Boolean', setBroadcast)}`)
  }
  fn(socket[HANDLE], { address: toPeer ? '' : address, port: toPeer ? 0 : port, message, offset, length, setBroadcast },
    callbacks ? callbacks.id : 0)
}

class UDPSocket extends SocketBase {
  constructor (runtime, type) {
    super(runtime, ['listening', 'message', 'error', 'close'], (handle, id) => native.udpCreate(handle, id, type))
  }

  bind (port) {
    use(this)
    if (port !== undefined) {
      if (typeof port !== 'number') {
        refuseCall(this, 2, `bind fail: ${parameterError('port', 'Number', port)}`)
        return 0
      }
      if (!isInt32(port)) {
        refuseCall(this, 2, `bind fail: invalid port ${port} (must be 0-65535)`)
        return 0
      }
    }
    return native.udpBind(this[HANDLE], port)
  }

  send (option) {
    use(this)
    sendDatagram(this, 'send', option, native.udpSend)
  }

  write (option) {
    use(this)
    sendDatagram(this, 'write', option, native.udpWrite)
  }

  connect (option) {
    use(this)
    requireObject('connect', option)
    const { address, port } = option
    if (typeof address !== 'string') {
      return refuseCall(this, 1, `connect fail: ${parameterError('address', 'String', address)}`)
    }
    if (typeof port !== 'number') {
      return refuseCall(this, 2, `connect fail: ${parameterError('port', 'Number', port)}`)
    }
    if (!isInt32(port)) return refuseCall(this, 2, `connect fail: invalid port ${port} (must be 1-65535)`)
    native.udpConnect(this[HANDLE], { address, port })
  }

  setTTL (ttl) {
    use(this)
    if (typeof ttl !== 'number') {
      return refuseCall(this, -1, `setTTL fail: ${parameterError('ttl', 'Number', ttl)}`)
    }
    if (!isInt32(ttl)) return refuseCall(this, -1, `setTTL fail: invalid TTL ${ttl} (must be 0-255)`)
    native.udpSetTTL(this[HANDLE], ttl)
  }

  close () {
    use(this)
    native.udpClose(this[HANDLE])
  }
}
defineListenerMethods(UDPSocket, ['listening', 'message', 'error', 'close'])

module.exports = { UDPSocket }
