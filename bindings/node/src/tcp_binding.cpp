// TCPSocket for JavaScript: the native half of lib/tcp.js.
#include "addon.hpp"
#include "info_cache.hpp"

namespace minisock::node {

namespace {

// Collected when JavaScript holds the socket no more: before its Close only when it was never
// used (lib/socket.js holds a used one until then), and such a socket, its last handle gone, is
// released by the Runtime (which holds TCP and UDP sockets from their first call).
struct TcpHandle {
  std::shared_ptr<RuntimeHolder> runtime;
  std::shared_ptr<TCPSocket> socket;
};

TcpHandle& tcp(napi_env env, napi_value handle) { return unwrapExternal<TcpHandle>(env, handle); }

// tcpCreate(runtime, id, type | undefined) -> handle. The listeners are in place before the
// socket can report anything (an invalid type is reported by minisock at creation). Drain
// (minisock's extension) comes only after bytes had to wait, never inside a write().
napi_value tcpCreate(const Args& args) {
  napi_env env = args.env();
  auto& holder = runtimeOf(env, args[0]);
  const std::uint32_t id = toId(env, args[1]);
  CreateTCPSocketOption option;
  if (typeOf(env, args[2]) == napi_string) option.type = toString(env, args[2]);
  Addon* a = &holder->addon;
  auto socket = holder->get().createTCPSocket(
      std::move(option),
      {.onConnect = [a, id](const TCPSocket::ConnectEvent&) { a->emitSimple(id, Kind::Connect); },
       .onMessage =
           [a, id, info = std::make_shared<InfoCache>()](const TCPSocket::MessageEvent& e) {
             if (const InfoPair* changed = info->update(e.remoteInfo, e.localInfo))
               a->emitInfo(id, *changed);
             a->emitMessage(id, false, e.message);
           },
       .onError = [a, id](const ErrorEvent& e) { a->emitError(id, e); },
       .onClose = [a, id](const TCPSocket::CloseEvent&) { a->emitClose(id, 0, {}); },
       .onBindWifi = [a,
                      id](const TCPSocket::BindWifiEvent&) { a->emitSimple(id, Kind::BindWifi); },
       .onDrain = [a, id](const TCPSocket::DrainEvent&) { a->emitSimple(id, Kind::Drain); }});
  holder->touch();
  return makeExternal(env, new TcpHandle{holder, std::move(socket)});
}

// tcpConnect(handle, {address, port, timeout: ms | undefined})
napi_value tcpConnect(const Args& args) {
  napi_env env = args.env();
  TcpHandle& h = tcp(env, args[0]);
  TCPSocket::ConnectOption option{.address = toString(env, getProp(env, args[1], "address")),
                                  .port = toInt(env, getProp(env, args[1], "port"))};
  if (napi_value timeout = optionalProp(env, args[1], "timeout"))
    option.timeout = toMilliseconds(toNumber(env, timeout));
  h.socket->connect(std::move(option));
  h.runtime->touch();
  return undefinedValue(env);
}

// tcpWrite(handle, data): a string is sent as its UTF-8 bytes, an ArrayBuffer as it is.
napi_value tcpWrite(const Args& args) {
  napi_env env = args.env();
  TcpHandle& h = tcp(env, args[0]);
  if (typeOf(env, args[1]) == napi_string) {
    h.socket->write(toString(env, args[1]));  // std::string&&: no further copy
  } else if (isArrayBuffer(env, args[1])) {
    h.socket->write(arrayBufferBytes(env, args[1]));  // sent at once, or copied if it must wait
  } else {
    throw JsThrow{"write: data must be a string or an ArrayBuffer"};
  }
  h.runtime->touch();
  return undefinedValue(env);
}

napi_value tcpClose(const Args& args) {
  TcpHandle& h = tcp(args.env(), args[0]);
  h.socket->close();
  h.runtime->touch();
  return undefinedValue(args.env());
}

napi_value tcpBindWifi(const Args& args) {
  napi_env env = args.env();
  TcpHandle& h = tcp(env, args[0]);
  h.socket->bindWifi({.BSSID = toString(env, args[1])});
  h.runtime->touch();
  return undefinedValue(env);
}

// tcpSetPaused(handle, paused): pause() / resume(), minisock's extension.
napi_value tcpSetPaused(const Args& args) {
  napi_env env = args.env();
  TcpHandle& h = tcp(env, args[0]);
  if (toBool(env, args[1])) {
    h.socket->pause();
  } else {
    h.socket->resume();
  }
  h.runtime->touch();
  return undefinedValue(env);
}

napi_value tcpIsPaused(const Args& args) {
  return makeBool(args.env(), tcp(args.env(), args[0]).socket->isPaused());
}

napi_value tcpBufferedAmount(const Args& args) {
  return makeNumber(args.env(),
                    static_cast<double>(tcp(args.env(), args[0]).socket->bufferedAmount()));
}

}  // namespace

void registerTcp(napi_env env, napi_value exports) {
  exportFunction(env, exports, "tcpCreate", entry<tcpCreate>);
  exportFunction(env, exports, "tcpConnect", entry<tcpConnect>);
  exportFunction(env, exports, "tcpWrite", entry<tcpWrite>);
  exportFunction(env, exports, "tcpClose", entry<tcpClose>);
  exportFunction(env, exports, "tcpBindWifi", entry<tcpBindWifi>);
  exportFunction(env, exports, "tcpBufferedAmount", entry<tcpBufferedAmount>);
  exportFunction(env, exports, "tcpSetPaused", entry<tcpSetPaused>);
  exportFunction(env, exports, "tcpIsPaused", entry<tcpIsPaused>);
}

}  // namespace minisock::node
