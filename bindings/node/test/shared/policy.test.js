'use strict'
// Policies: wx/Taro's default runtime is development; createRuntime({ policy }) takes a preset
// name or fields over a preset.

const assert = require('node:assert/strict')
const { test, after } = require('node:test')
const { wx, createRuntime, testing, Recorder, within } = require('./helpers')

const echo = new testing.TcpEchoServer()
const ws = new testing.WsEchoServer()
after(() => {
  echo.close()
  ws.close()
})

function record (socket) {
  const rec = new Recorder()
  for (const name of ['Connect', 'Error', 'Close']) socket[`on${name}`](rec.on(name.toLowerCase()))
  return rec
}

test('wx (development): loopback allowed, blocked ports refused', async () => {
  const ok = wx.createTCPSocket()
  const okRec = record(ok)
  ok.connect({ address: '127.0.0.1', port: echo.port })
  await okRec.waitFor('connect')
  ok.close()
  const blocked = wx.createTCPSocket()
  const blockedRec = record(blocked)
  blocked.connect({ address: '127.0.0.1', port: 6379 })
  await blockedRec.waitFor('close')
  assert.equal(blockedRec.get('error').errCode, -3)
  await okRec.waitFor('close')
})

test("'release': own addresses and ws:// refused, with the rule named", async () => {
  const rt = createRuntime({ policy: 'release' })
  try {
    const p = rt.policy
    assert.equal(p.enforceDomainList, true)
    assert.equal(p.allowOwnAddresses, false)
    assert.equal(p.lanAddressesOnly, true)
    assert.equal(p.allowInsecureWebSocket, false)
    assert.equal(p.maxWebSockets, 5)
    assert.equal(p.maxTCPSocketsPerWindow, 20)
    assert.equal(p.tcpSocketWindow, 300)
    assert.ok(p.blockedTCPPorts.some(([a, b]) => a <= 8080 && 8080 <= b))
    const tcp = rt.wx.createTCPSocket()
    const rec = record(tcp)
    tcp.connect({ address: '127.0.0.1', port: echo.port })
    await rec.waitFor('close')
    assert.equal(rec.get('error').errCode, -3)
    const failed = await within(rt.Taro.connectSocket({ url: `ws://127.0.0.1:${ws.port}/` }).then(() => null, e => e), 'rejection')
    assert.match(failed.errMsg, /^connectSocket:fail url scheme ws:\/\/ is not allowed.*allowInsecureWebSocket/)
  } finally {
    rt.destroy()
  }
})

test("'unrestricted': no port list (a closed low port is refused by the OS, not the policy)", async () => {
  const rt = createRuntime({ policy: 'unrestricted' })
  try {
    assert.deepEqual(rt.policy.blockedTCPPorts, [])
    assert.equal(rt.policy.maxWebSockets, 0)
    const tcp = rt.wx.createTCPSocket()
    const rec = record(tcp)
    tcp.connect({ address: '127.0.0.1', port: 1 })
    await rec.waitFor('close')
    assert.equal(rec.get('error').errCode, -2)
    assert.equal(rec.get('error').errno, 111)
  } finally {
    rt.destroy()
  }
})

test('fields over a preset: release with loopback and ws:// allowed, a port list, domains', async () => {
  const rt = createRuntime({
    policy: {
      base: 'release',
      allowOwnAddresses: true,
      lanAddressesOnly: false,
      enforceDomainList: false,
      allowInsecureWebSocket: true,
      blockedWebSocketPorts: [],
      blockedTCPPorts: [1, [2000, 2010], { first: 3000, last: 3001 }],
      allowedDomains: ['example.com']
    }
  })
  try {
    const p = rt.policy
    assert.deepEqual(p.blockedTCPPorts, [[1, 1], [2000, 2010], [3000, 3001]])
    assert.deepEqual(p.allowedDomains, ['example.com'])
    const task = await within(rt.Taro.connectSocket({ url: `ws://127.0.0.1:${ws.port}/` }), 'task')
    const rec = new Recorder()
    task.onOpen(rec.on('open'))
    task.onClose(rec.on('close'))
    await rec.waitFor('open')
    task.close()
    await rec.waitFor('close')
    const tcp = rt.wx.createTCPSocket()
    const tcpRec = record(tcp)
    tcp.connect({ address: '127.0.0.1', port: 2005 })
    await tcpRec.waitFor('close')
    assert.match(tcpRec.get('error').errMsg, /port 2005 is blocked/)
  } finally {
    rt.destroy()
  }
})
