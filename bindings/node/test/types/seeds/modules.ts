// The package's modules as a project imports them: minisock, minisock/testing.
import { wx, Taro, createRuntime } from 'minisock'
import { TcpEchoServer, WsEchoServer } from 'minisock/testing'

export function runtimes (): number {
  const server = new TcpEchoServer()
  const ws = new WsEchoServer({ host: '127.0.0.1' })
  const rt = createRuntime({ policy: { base: 'release', allowedDomains: ['example.com'] } })
  const tcp = rt.wx.createTCPSocket({ type: 'ipv6' })
  tcp.connect({ address: '::1', port: server.port, timeout: 5 })
  const task = wx.connectSocket({ url: `ws://127.0.0.1:${ws.port}/`, perMessageDeflate: true, timeout: 1000 })
  const bufferedAmount: number = task.bufferedAmount + tcp.bufferedAmount
  Taro.closeSocket().catch(() => {})
  const policyName: boolean = rt.policy.enforceDomainList
  console.log(policyName)
  rt.destroy()
  server.close()
  ws.close()
  return bufferedAmount + rt.socketCount()
}
