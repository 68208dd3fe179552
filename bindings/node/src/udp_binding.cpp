// UDPSocket for JavaScript: the native half of lib/udp.js.
#include <cmath>

#include "addon.hpp"
#include "info_cache.hpp"

namespace minisock::node {

namespace {

// As TcpHandle: collected before its Close only when never used, then released with it.
struct UdpHandle {
  std::shared_ptr<RuntimeHolder> runtime;
  std::shared_ptr<UDPSocket> socket;
};

UdpHandle& udp(napi_env env, napi_value handle) { return unwrapExternal<UdpHandle>(env, handle); }

std::int64_t toInt64(napi_env env, napi_value v) {
  const double d = toNumber(env, v);
  constexpr double kMax = 9007199254740992.0;  // 2^53: lib/udp.js passes integers
  if (std::isnan(d)) return -1;
  if (d >= kMax) return static_cast<std::int64_t>(kMax);
  if (d <= -kMax) return -static_cast<std::int64_t>(kMax);
  return static_cast<std::int64_t>(d);
}

// udpCreate(runtime, id, type | undefined) -> handle (listeners in place before anything).
napi_value udpCreate(const Args& args) {
  napi_env env = args.env();
  auto& holder = runtimeOf(env, args[0]);
  const std::uint32_t id = toId(env, args[1]);
  const std::string type = typeOf(env, args[2]) == napi_string ? toString(env, args[2]) : "udp4";
  Addon* a = &holder->addon;
  auto socket = holder->get().createUDPSocket(
      type, {.onListening =
                 [a, id](const UDPSocket::ListeningEvent&) { a->emitSimple(id, Kind::Listening); },
             .onMessage =
                 [a, id, info = std::make_shared<InfoCache>()](const UDPSocket::MessageEvent& e) {
                   if (const InfoPair* changed = info->update(e.remoteInfo, e.localInfo))
                     a->emitInfo(id, *changed);
                   a->emitMessage(id, false, e.message);
                 },
             .onError = [a, id](const ErrorEvent& e) { a->emitError(id, e); },
             .onClose = [a, id](const UDPSocket::CloseEvent&) { a->emitClose(id, 0, {}); }});
  holder->touch();
  return makeExternal(env, new UdpHandle{holder, std::move(socket)});
}

// udpBind(handle, port | undefined) -> the bound port, or 0 (an Error follows)
napi_value udpBind(const Args& args) {
  napi_env env = args.env();
  UdpHandle& h = udp(env, args[0]);
  const int port =
      typeOf(env, args[1]) == napi_number ? h.socket->bind(toInt(env, args[1])) : h.socket->bind();
  h.runtime->touch();
  return makeInt(env, port);
}

// {address, port, message, offset, length, setBroadcast} as UDPSocket::SendOption
UDPSocket::SendOption toSendOption(napi_env env, napi_value o) {
  UDPSocket::SendOption option{.address = toString(env, getProp(env, o, "address")),
                               .port = toInt(env, getProp(env, o, "port"))};
  napi_value message = getProp(env, o, "message");
  if (typeOf(env, message) == napi_string) {
    option.message = toString(env, message);
  } else if (isArrayBuffer(env, message)) {
    auto bytes = arrayBufferBytes(env, message);
    option.message = std::vector<std::byte>(bytes.begin(), bytes.end());
  } else {
    throw JsThrow{"send: message must be a string or an ArrayBuffer"};
  }
  if (napi_value v = optionalProp(env, o, "offset")) option.offset = toInt64(env, v);
  if (napi_value v = optionalProp(env, o, "length")) option.length = toInt64(env, v);
  if (napi_value v = optionalProp(env, o, "setBroadcast")) option.setBroadcast = toBool(env, v);
  return option;
}

// udpSend(handle, option, callbacksId) and udpWrite: Taro's success/fail/complete report to
// the callback set (none when 0).
UDPSocket::SendOption sendOption(const Args& args, UdpHandle& h) {
  UDPSocket::SendOption option = toSendOption(args.env(), args[1]);
  Callbacks cbs = callbacksTo(h.runtime->addon, toId(args.env(), args[2]));
  option.success = std::move(cbs.success);
  option.fail = std::move(cbs.fail);
  option.complete = std::move(cbs.complete);
  return option;
}

napi_value udpSend(const Args& args) {
  UdpHandle& h = udp(args.env(), args[0]);
  h.socket->send(sendOption(args, h));
  h.runtime->touch();
  return undefinedValue(args.env());
}

napi_value udpWrite(const Args& args) {
  UdpHandle& h = udp(args.env(), args[0]);
  h.socket->write(sendOption(args, h));
  h.runtime->touch();
  return undefinedValue(args.env());
}

// udpConnect(handle, {address, port})
napi_value udpConnect(const Args& args) {
  napi_env env = args.env();
  UdpHandle& h = udp(env, args[0]);
  h.socket->connect({.address = toString(env, getProp(env, args[1], "address")),
                     .port = toInt(env, getProp(env, args[1], "port"))});
  h.runtime->touch();
  return undefinedValue(env);
}

napi_value udpSetTTL(const Args& args) {
  napi_env env = args.env();
  UdpHandle& h = udp(env, args[0]);
  h.socket->setTTL(toInt(env, args[1]));
  h.runtime->touch();
  return undefinedValue(env);
}

napi_value udpClose(const Args& args) {
  UdpHandle& h = udp(args.env(), args[0]);
  h.socket->close();
  h.runtime->touch();
  return undefinedValue(args.env());
}

napi_value udpDroppedCount(const Args& args) {
  return makeNumber(args.env(),
                    static_cast<double>(udp(args.env(), args[0]).socket->droppedCount()));
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
