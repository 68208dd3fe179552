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

// minisock's extensions: heartbeat, onDrain/offDrain, a proxy.
export function extensions (): void {
  const rt = createRuntime({ network: { proxy: 'socks5://127.0.0.1:1080', noProxy: ['localhost', '10.0.0.0/8'] } })
  const task = rt.wx.connectSocket({ url: 'ws://127.0.0.1:1/', heartbeat: 10000 })
  const tcp = rt.wx.createTCPSocket()
  const onDrain = (event: Record<string, never>): void => { console.log(event, tcp.bufferedAmount) }
  tcp.onDrain(onDrain)
  tcp.offDrain(onDrain)
  tcp.offDrain()
  task.close()
  rt.destroy()
}
