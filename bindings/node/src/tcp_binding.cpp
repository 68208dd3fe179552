// TCPSocket for JavaScript: the native half of lib/api.js's TCPSocket.
#include <chrono>
#include <cmath>

#include "addon.hpp"
#include "info_cache.hpp"

namespace minisock::node {

namespace {

struct TcpHandle {
  std::shared_ptr<RuntimeHolder> runtime;
  std::shared_ptr<TCPSocket> socket;
};

TCPSocket& tcp(napi_env env, napi_value handle) {
  return *unwrapExternal<TcpHandle>(env, handle).socket;
}

// tcpCreate(runtime, id, type) -> handle. Every native listener is registered here, before
// any call can start I/O, so no event is missed; lib/bridge.js dispatches to JavaScript.
napi_value tcpCreate(const Args& args) {
  napi_env env = args.env();
  auto& holder = runtimeOf(env, args[0]);
  const std::uint32_t id = toId(env, args[1]);
  CreateTCPSocketOption option;
  if (typeOf(env, args[2]) == napi_string) option.type = toString(env, args[2]);
  std::shared_ptr<EventQueue> q = addon(env).queue;
  if (option.type != "ipv4" && option.type != "ipv6") {
    // minisock reports an invalid type from the loop at once, possibly before listeners
    // added from this thread are in place; so the binding reports it itself (same errMsg),
    // over a closed socket that gives later calls their one Error each.
    auto socket = holder->get().createTCPSocket();
    socket->onError([q, id](const ErrorEvent& e) { q->pushError(id, e); });
    q->pushError(id, ErrorEvent{"createTCPSocket fail: invalid type " + quoted(option.type) +
                                    " (expected \"ipv4\" or \"ipv6\")",
                                static_cast<int>(ErrorCode::systemError), 0});
    q->pushClose(id, 0, {});
    socket->close();
    return makeExternal(env, new TcpHandle{holder, std::move(socket)});
  }
  auto socket = holder->get().createTCPSocket(std::move(option));
  socket->onConnect([q, id](const TCPSocket::ConnectEvent&) { q->pushSimple(Kind::Connect, id); });
  socket->onMessage(
      [q, id, info = std::make_shared<InfoCache>()](const TCPSocket::MessageEvent& e) {
        q->pushMessage(id, false, e.message, info->update(e.remoteInfo, e.localInfo));
      });
  socket->onError([q, id](const ErrorEvent& e) { q->pushError(id, e); });
  socket->onClose([q, id](const TCPSocket::CloseEvent&) { q->pushClose(id, 0, {}); });
  socket->onBindWifi(
      [q, id](const TCPSocket::BindWifiEvent&) { q->pushSimple(Kind::BindWifi, id); });
  return makeExternal(env, new TcpHandle{holder, std::move(socket)});
}

// tcpConnect(handle, address, port, timeoutMs | undefined)
napi_value tcpConnect(const Args& args) {
  napi_env env = args.env();
  TCPSocket::ConnectOption option{.address = toString(env, args[1]), .port = toInt(env, args[2])};
  if (typeOf(env, args[3]) == napi_number) option.timeout = toMilliseconds(toNumber(env, args[3]));
  tcp(env, args[0]).connect(std::move(option));
  return undefinedValue(env);
}

// tcpWrite(handle, data): a string is sent as its UTF-8 bytes, an ArrayBuffer as it is.
napi_value tcpWrite(const Args& args) {
  napi_env env = args.env();
  TCPSocket& socket = tcp(env, args[0]);
  if (typeOf(env, args[1]) == napi_string) {
    socket.write(toString(env, args[1]));  // std::string&&: no further copy
  } else if (isArrayBuffer(env, args[1])) {
    socket.write(arrayBufferBytes(env, args[1]));  // copied before returning
  } else {
    throw JsThrow{"write: data must be a string or an ArrayBuffer"};
  }
  return undefinedValue(env);
}

napi_value tcpClose(const Args& args) {
  tcp(args.env(), args[0]).close();
  return undefinedValue(args.env());
}

napi_value tcpBindWifi(const Args& args) {
  napi_env env = args.env();
  tcp(env, args[0]).bindWifi({.BSSID = toString(env, args[1])});
  return undefinedValue(env);
}

napi_value tcpBufferedAmount(const Args& args) {
  return makeNumber(args.env(), static_cast<double>(tcp(args.env(), args[0]).bufferedAmount()));
}

}  // namespace

std::chrono::milliseconds toMilliseconds(double ms) {
  // lib/api.js passes positive numbers or NaN/negatives that minisock refuses itself.
  if (std::isnan(ms)) return std::chrono::milliseconds(-1);
  constexpr double kMax = static_cast<double>(std::chrono::milliseconds::max().count());
  if (ms >= kMax) return std::chrono::milliseconds::max();
  if (ms <= -kMax) return std::chrono::milliseconds(-1);
  // A positive fraction of a millisecond still means "a timeout", not 0 (refused).
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms > 0 ? std::ceil(ms) : ms));
}

void registerTcp(napi_env env, napi_value exports) {
  exportFunction(env, exports, "tcpCreate", entry<tcpCreate>);
  exportFunction(env, exports, "tcpConnect", entry<tcpConnect>);
  exportFunction(env, exports, "tcpWrite", entry<tcpWrite>);
  exportFunction(env, exports, "tcpClose", entry<tcpClose>);
  exportFunction(env, exports, "tcpBindWifi", entry<tcpBindWifi>);
  exportFunction(env, exports, "tcpBufferedAmount", entry<tcpBufferedAmount>);
}

}  // namespace minisock::node
