// minisock's embedded loopback echo servers, for tests and demos (bindings/node/testing.js).
// Each runs on its own thread and never calls into JavaScript.
#include <minisock/echo_servers.hpp>

#include <optional>
#include <variant>

#include "addon.hpp"

namespace minisock::node {

namespace {

using Server =
    std::variant<std::monostate, std::unique_ptr<servers::TcpEchoServer>,
                 std::unique_ptr<servers::UdpEchoServer>, std::unique_ptr<servers::WsEchoServer>>;

Server& server(napi_env env, napi_value handle) { return unwrapExternal<Server>(env, handle); }

// serverStart(kind "tcp" | "udp" | "ws", host, port, certFile?, keyFile?) -> handle
napi_value serverStart(const Args& args) {
  napi_env env = args.env();
  const std::string kind = toString(env, args[0]);
  const std::string host = toString(env, args[1]);
  const auto port = static_cast<std::uint16_t>(toInt(env, args[2]));
  auto* s = new Server();
  try {
    if (kind == "tcp") {
      *s = std::make_unique<servers::TcpEchoServer>(host, port);
    } else if (kind == "udp") {
      *s = std::make_unique<servers::UdpEchoServer>(host, port);
    } else if (kind == "ws") {
      std::optional<servers::WsEchoServer::Tls> tls;
      if (typeOf(env, args[3]) == napi_string)
        tls = servers::WsEchoServer::Tls{toString(env, args[3]), toString(env, args[4])};
      *s = std::make_unique<servers::WsEchoServer>(host, port, std::move(tls));
    } else {
      throw JsThrow{"serverStart: kind must be tcp, udp or ws"};
    }
  } catch (const std::system_error& e) {
    delete s;
    throw JsThrow{std::string("cannot start the ") + kind + " echo server: " + e.what(), false};
  } catch (...) {
    delete s;
    throw;
  }
  return makeExternal(env, s);
}

// serverInfo(handle) -> {port, accepted, echoed} (counters as each server has them)
napi_value serverInfo(const Args& args) {
  napi_env env = args.env();
  napi_value obj = makeObject(env);
  std::visit(
      [&](auto& s) {
        using T = std::decay_t<decltype(s)>;
        if constexpr (!std::is_same_v<T, std::monostate>) {
          setProp(env, obj, "port", makeInt(env, s->port()));
        }
        if constexpr (std::is_same_v<T, std::unique_ptr<servers::TcpEchoServer>>) {
          setProp(env, obj, "accepted", makeNumber(env, static_cast<double>(s->acceptedCount())));
          setProp(env, obj, "echoedBytes", makeNumber(env, static_cast<double>(s->echoedBytes())));
        } else if constexpr (std::is_same_v<T, std::unique_ptr<servers::UdpEchoServer>>) {
          setProp(env, obj, "echoed", makeNumber(env, static_cast<double>(s->echoedCount())));
        } else if constexpr (std::is_same_v<T, std::unique_ptr<servers::WsEchoServer>>) {
          setProp(env, obj, "accepted", makeNumber(env, static_cast<double>(s->acceptedCount())));
          setProp(env, obj, "messages", makeNumber(env, static_cast<double>(s->messageCount())));
          napi_value headers;
          auto fields = s->lastRequestHeaders();
          check(napi_create_array_with_length(env, fields.size(), &headers));
          for (std::uint32_t i = 0; i < fields.size(); ++i) {
            napi_value pair;
            check(napi_create_array_with_length(env, 2, &pair));
            check(napi_set_element(env, pair, 0, makeString(env, fields[i].first)));
            check(napi_set_element(env, pair, 1, makeString(env, fields[i].second)));
            check(napi_set_element(env, headers, i, pair));
          }
          setProp(env, obj, "lastRequestHeaders", headers);
        }
      },
      server(env, args[0]));
  return obj;
}

// serverStop(handle): stops it and closes its connections (joins its thread).
napi_value serverStop(const Args& args) {
  server(args.env(), args[0]) = std::monostate{};
  return undefinedValue(args.env());
}

}  // namespace

void registerServers(napi_env env, napi_value exports) {
  exportFunction(env, exports, "serverStart", entry<serverStart>);
  exportFunction(env, exports, "serverInfo", entry<serverInfo>);
  exportFunction(env, exports, "serverStop", entry<serverStop>);
}

}  // namespace minisock::node
