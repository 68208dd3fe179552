// What the types must refuse: each line is an expected error (tsc reports one that is not).
import { wx, createRuntime } from 'minisock'

const tcp = wx.createTCPSocket()
// @ts-expect-error the address is a string
tcp.connect({ address: 1, port: 8848 })
// @ts-expect-error the port is required
tcp.connect({ address: '127.0.0.1' })
// @ts-expect-error data is a string or an ArrayBuffer, not a number
tcp.write(42)
// @ts-expect-error only 'ipv4' or 'ipv6'
wx.createTCPSocket({ type: 'ipv5' })
// @ts-expect-error url is required
wx.connectSocket({})
const task = wx.connectSocket({ url: 'ws://127.0.0.1:1/' })
// @ts-expect-error send takes an option object
task.send('xxx')
// @ts-expect-error a close code is a number
task.close({ code: '1000' })
const udp = wx.createUDPSocket()
// @ts-expect-error send needs a message (or Taro's data)
udp.send({ address: '127.0.0.1', port: 1 })
// @ts-expect-error a listener is a function
tcp.onMessage('x')
// @ts-expect-error heartbeat is a number of milliseconds
wx.connectSocket({ url: 'ws://127.0.0.1:1/', heartbeat: '10s' })
// @ts-expect-error onDrain takes a listener
tcp.onDrain()
// @ts-expect-error the proxy is a URL string
createRuntime({ network: { proxy: { host: '127.0.0.1', port: 1080 } } })
// @ts-expect-error noProxy is a list of strings
createRuntime({ network: { noProxy: 'localhost' } })
