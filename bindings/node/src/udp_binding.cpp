// UDPSocket for JavaScript: the native half of lib/api.js's UDPSocket.
#include <cmath>
#include <limits>

#include "addon.hpp"
#include "info_cache.hpp"

namespace minisock::node {

namespace {

struct UdpHandle {
  std::shared_ptr<RuntimeHolder> runtime;
  std::shared_ptr<UDPSocket> socket;
};

UDPSocket& udp(napi_env env, napi_value handle) {
  return *unwrapExternal<UdpHandle>(env, handle).socket;
}

std::int64_t toInt64(napi_env env, napi_value v) {
  const double d = toNumber(env, v);
  constexpr double kMax = 9007199254740992.0;  // 2^53: lib/api.js passes safe integers
  if (std::isnan(d)) return -1;
  if (d >= kMax) return static_cast<std::int64_t>(kMax);
  if (d <= -kMax) return -static_cast<std::int64_t>(kMax);
  return static_cast<std::int64_t>(d);
}

// udpCreate(runtime, id, type) -> handle (listeners registered before any call).
napi_value udpCreate(const Args& args) {
  napi_env env = args.env();
  auto& holder = runtimeOf(env, args[0]);
  const std::uint32_t id = toId(env, args[1]);
  const std::string type = typeOf(env, args[2]) == napi_string ? toString(env, args[2]) : "udp4";
  std::shared_ptr<EventQueue> q = addon(env).queue;
  if (type != "udp4" && type != "udp6") {
    // As tcpCreate: the binding reports an invalid type itself, over a closed socket.
    auto socket = holder->get().createUDPSocket();
    socket->onError([q, id](const ErrorEvent& e) { q->pushError(id, e); });
    q->pushError(id, ErrorEvent{"createUDPSocket fail: invalid type " + quoted(type) +
                                    " (expected \"udp4\" or \"udp6\")",
                                static_cast<int>(ErrorCode::systemError), 0});
    q->pushClose(id, 0, {});
    socket->close();
    return makeExternal(env, new UdpHandle{holder, std::move(socket)});
  }
  auto socket = holder->get().createUDPSocket(type);
  socket->onListening(
      [q, id](const UDPSocket::ListeningEvent&) { q->pushSimple(Kind::Listening, id); });
  socket->onMessage(
      [q, id, info = std::make_shared<InfoCache>()](const UDPSocket::MessageEvent& e) {
        q->pushMessage(id, false, e.message, info->update(e.remoteInfo, e.localInfo));
      });
  socket->onError([q, id](const ErrorEvent& e) { q->pushError(id, e); });
  socket->onClose([q, id](const UDPSocket::CloseEvent&) { q->pushClose(id, 0, {}); });
  return makeExternal(env, new UdpHandle{holder, std::move(socket)});
}

// udpBind(handle, port | undefined) -> the bound port, or 0 (an Error follows)
napi_value udpBind(const Args& args) {
  napi_env env = args.env();
  UDPSocket& socket = udp(env, args[0]);
  const int port =
      typeOf(env, args[1]) == napi_number ? socket.bind(toInt(env, args[1])) : socket.bind();
  return makeInt(env, port);
}

// (handle, address, port, message, offset, length, setBroadcast) as UDPSocket::SendOption
UDPSocket::SendOption toSendOption(const Args& args) {
  napi_env env = args.env();
  UDPSocket::SendOption option{.address = toString(env, args[1]), .port = toInt(env, args[2])};
  if (typeOf(env, args[3]) == napi_string) {
    option.message = toString(env, args[3]);
  } else if (isArrayBuffer(env, args[3])) {
    auto bytes = arrayBufferBytes(env, args[3]);
    option.message = std::vector<std::byte>(bytes.begin(), bytes.end());
  } else {
    throw JsThrow{"send: message must be a string or an ArrayBuffer"};
  }
  if (typeOf(env, args[4]) == napi_number) option.offset = toInt64(env, args[4]);
  if (typeOf(env, args[5]) == napi_number) option.length = toInt64(env, args[5]);
  if (typeOf(env, args[6]) == napi_boolean) option.setBroadcast = toBool(env, args[6]);
  return option;
}

napi_value udpSend(const Args& args) {
  udp(args.env(), args[0]).send(toSendOption(args));
  return undefinedValue(args.env());
}

napi_value udpWrite(const Args& args) {
  udp(args.env(), args[0]).write(toSendOption(args));
  return undefinedValue(args.env());
}

// udpConnect(handle, address, port)
napi_value udpConnect(const Args& args) {
  napi_env env = args.env();
  udp(env, args[0]).connect({.address = toString(env, args[1]), .port = toInt(env, args[2])});
  return undefinedValue(env);
}

napi_value udpSetTTL(const Args& args) {
  napi_env env = args.env();
  udp(env, args[0]).setTTL(toInt(env, args[1]));
  return undefinedValue(env);
}

napi_value udpClose(const Args& args) {
  udp(args.env(), args[0]).close();
  return undefinedValue(args.env());
}

napi_value udpDroppedCount(const Args& args) {
  return makeNumber(args.env(), static_cast<double>(udp(args.env(), args[0]).droppedCount()));
}

}  // namespace

void registerUdp(napi_env env, napi_value exports) {
  exportFunction(env, exports, "udpCreate", entry<udpCreate>);
  exportFunction(env, exports, "udpBind", entry<udpBind>);
  exportFunction(env, exports, "udpSend", entry<udpSend>);
  exportFunction(env, exports, "udpWrite", entry<udpWrite>);
  exportFunction(env, exports, "udpConnect", entry<udpConnect>);
  exportFunction(env, exports, "udpSetTTL", entry<udpSetTTL>);
  exportFunction(env, exports, "udpClose", entry<udpClose>);
  exportFunction(env, exports, "udpDroppedCount", entry<udpDroppedCount>);
}

}  // namespace minisock::node
