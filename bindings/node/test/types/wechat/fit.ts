// minisock's wx where code expects the socket part of WechatMiniprogram.Wx
// (miniprogram-api-typings): every member is checked one by one. The lines marked as
// expected errors differ, and the README ("Types") says why: the events without fields
// (TCP Connect/Close/BindWifi, UDP Listening/Close) get `{}` as the seeds show, where these
// typings declare `{errMsg}` (and for Connect base library 3.4's `{exception, localInfo,
// remoteInfo, useHttpDNS}`); so whole sockets (createTCPSocket, createUDPSocket) differ too.
// If one of them starts to fit, tsc reports the unused @ts-expect-error.
import { wx } from 'minisock'

const tcp = wx.createTCPSocket()
const udp = wx.createUDPSocket()
const task = wx.connectSocket({ url: 'ws://127.0.0.1:1/' })

export const tcp_bindWifi: WechatMiniprogram.TCPSocket['bindWifi'] = tcp.bindWifi
export const tcp_close: WechatMiniprogram.TCPSocket['close'] = tcp.close
export const tcp_connect: WechatMiniprogram.TCPSocket['connect'] = tcp.connect
export const tcp_offBindWifi: WechatMiniprogram.TCPSocket['offBindWifi'] = tcp.offBindWifi
export const tcp_offClose: WechatMiniprogram.TCPSocket['offClose'] = tcp.offClose
export const tcp_offConnect: WechatMiniprogram.TCPSocket['offConnect'] = tcp.offConnect
export const tcp_offError: WechatMiniprogram.TCPSocket['offError'] = tcp.offError
export const tcp_offMessage: WechatMiniprogram.TCPSocket['offMessage'] = tcp.offMessage
// @ts-expect-error the listener gets {} (see above)
export const tcp_onBindWifi: WechatMiniprogram.TCPSocket['onBindWifi'] = tcp.onBindWifi
// @ts-expect-error the listener gets {} (see above)
export const tcp_onClose: WechatMiniprogram.TCPSocket['onClose'] = tcp.onClose
// @ts-expect-error the listener gets {} (see above)
export const tcp_onConnect: WechatMiniprogram.TCPSocket['onConnect'] = tcp.onConnect
export const tcp_onError: WechatMiniprogram.TCPSocket['onError'] = tcp.onError
export const tcp_onMessage: WechatMiniprogram.TCPSocket['onMessage'] = tcp.onMessage
export const tcp_write: WechatMiniprogram.TCPSocket['write'] = tcp.write
export const udp_bind: WechatMiniprogram.UDPSocket['bind'] = udp.bind
export const udp_close: WechatMiniprogram.UDPSocket['close'] = udp.close
export const udp_connect: WechatMiniprogram.UDPSocket['connect'] = udp.connect
export const udp_offClose: WechatMiniprogram.UDPSocket['offClose'] = udp.offClose
export const udp_offError: WechatMiniprogram.UDPSocket['offError'] = udp.offError
export const udp_offListening: WechatMiniprogram.UDPSocket['offListening'] = udp.offListening
export const udp_offMessage: WechatMiniprogram.UDPSocket['offMessage'] = udp.offMessage
// @ts-expect-error the listener gets {} (see above)
export const udp_onClose: WechatMiniprogram.UDPSocket['onClose'] = udp.onClose
export const udp_onError: WechatMiniprogram.UDPSocket['onError'] = udp.onError
// @ts-expect-error the listener gets {} (see above)
export const udp_onListening: WechatMiniprogram.UDPSocket['onListening'] = udp.onListening
export const udp_onMessage: WechatMiniprogram.UDPSocket['onMessage'] = udp.onMessage
export const udp_send: WechatMiniprogram.UDPSocket['send'] = udp.send
export const udp_setTTL: WechatMiniprogram.UDPSocket['setTTL'] = udp.setTTL
export const udp_write: WechatMiniprogram.UDPSocket['write'] = udp.write
export const task_close: WechatMiniprogram.SocketTask['close'] = task.close
export const task_onClose: WechatMiniprogram.SocketTask['onClose'] = task.onClose
export const task_onError: WechatMiniprogram.SocketTask['onError'] = task.onError
export const task_onMessage: WechatMiniprogram.SocketTask['onMessage'] = task.onMessage
export const task_onOpen: WechatMiniprogram.SocketTask['onOpen'] = task.onOpen
export const task_send: WechatMiniprogram.SocketTask['send'] = task.send
export const wx_connectSocket: WechatMiniprogram.Wx['connectSocket'] = wx.connectSocket
// @ts-expect-error its socket's Connect/Close/Listening listeners (see above)
export const wx_createTCPSocket: WechatMiniprogram.Wx['createTCPSocket'] = wx.createTCPSocket
// @ts-expect-error its socket's Connect/Close/Listening listeners (see above)
export const wx_createUDPSocket: WechatMiniprogram.Wx['createUDPSocket'] = wx.createUDPSocket
export const wx_onSocketOpen: WechatMiniprogram.Wx['onSocketOpen'] = wx.onSocketOpen
export const wx_onSocketMessage: WechatMiniprogram.Wx['onSocketMessage'] = wx.onSocketMessage
export const wx_onSocketError: WechatMiniprogram.Wx['onSocketError'] = wx.onSocketError
export const wx_onSocketClose: WechatMiniprogram.Wx['onSocketClose'] = wx.onSocketClose
export const wx_sendSocketMessage: WechatMiniprogram.Wx['sendSocketMessage'] = wx.sendSocketMessage
export const wx_closeSocket: WechatMiniprogram.Wx['closeSocket'] = wx.closeSocket

// The socket part as one type, without the two factories that differ.
export type SocketPart = Pick<WechatMiniprogram.Wx, 'connectSocket' | 'onSocketOpen' | 'onSocketMessage' |
  'onSocketError' | 'onSocketClose' | 'sendSocketMessage' | 'closeSocket'>
export const socketPart: SocketPart = wx
export const asTask: WechatMiniprogram.SocketTask = task
