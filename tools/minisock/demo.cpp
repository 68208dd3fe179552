// `minisock demo`: the seed examples (examples/*.cpp) against the embedded servers, started
// in-process on free loopback ports, printing every event as it happens.
#include <memory>
#include <minisock/echo_servers.hpp>
#include <minisock/minisock.hpp>
#include <string>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "options.hpp"
#include "output.hpp"
#include "ws_common.hpp"

namespace minisock::cli {
namespace {

std::string text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

/// Prints one demo event: "[tcp] onConnect …" in text mode, or
/// {"event":"connect","example":"tcp",…} in JSON mode.
class DemoPrinter {
 public:
  explicit DemoPrinter(Output& out) : out_(out) {}

  void operator()(const char* example, const char* event, const std::string& detail = "",
                  boost::json::object fields = {}) {
    if (out_.settings().json) {
      boost::json::object object{{"example", example}};
      for (auto& field : fields) object[field.key()] = std::move(field.value());
      return out_.event(event, std::move(object));
    }
    std::string name = event;
    name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
    out_.line(std::string("[") + example + "] on" + name + (detail.empty() ? "" : " " + detail));
  }
  void error(const char* example, const ErrorEvent& e) {
    (*this)(example, "error",
            "errCode=" + std::to_string(e.errCode) + " errNo=" + std::to_string(e.errNo) +
                " errMsg=\"" + e.errMsg + "\"",
            {{"errMsg", e.errMsg}, {"errCode", e.errCode}, {"errNo", e.errNo}});
  }
  /// A line of text mode only (what the JSON events already carry).
  void note(const std::string& line) {
    if (!out_.settings().json) out_.line(line);
  }
  Output& output() { return out_; }

 private:
  Output& out_;
};

/// The seed's TCPSocket example: connect, write, close on the echo; then a blocked port.
int tcpExample(Runtime& runtime, DemoPrinter& print, std::uint16_t port) {
  int echoed = 0;
  auto tcp = runtime.createTCPSocket();
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) { print("tcp", "connect"); });
  tcp->onMessage([&](const TCPSocket::MessageEvent& e) {
    ++echoed;
    print("tcp", "message",
          "\"" + text(e.message) + "\" from " + e.remoteInfo.address + ":" +
              std::to_string(e.remoteInfo.port),
          {{"data", text(e.message)},
           {"address", e.remoteInfo.address},
           {"port", e.remoteInfo.port},
           {"size", e.remoteInfo.size}});
    tcp->close();
  });
  tcp->onError([&](const ErrorEvent& e) { print.error("tcp", e); });
  tcp->onClose([&](const TCPSocket::CloseEvent&) { print("tcp", "close"); });
  tcp->connect({.address = "127.0.0.1", .port = port});
  tcp->write("hello, how are you");  // queued until connected
  runtime.run();

  // bindWifi, as in the WeChat page: Android-only, so an Error says so (errCode 3, then 5).
  auto wifi = runtime.createTCPSocket();
  wifi->onError([&](const ErrorEvent& e) { print.error("bindWifi", e); });
  wifi->bindWifi({.BSSID = "xxx"});
  wifi->bindWifi({.BSSID = "a4:5e:60:c2:1f:03"});
  wifi->close();
  runtime.run();

  // A port on the platform's list: refused before any packet leaves (errCode -3).
  int refused = 0;
  auto blocked = runtime.createTCPSocket();
  blocked->onError([&](const ErrorEvent& e) {
    refused += e.errCode == static_cast<int>(ErrorCode::noPermission);
    print.error("blocked-port", e);
  });
  blocked->onClose([&](const TCPSocket::CloseEvent&) { print("blocked-port", "close"); });
  blocked->connect({.address = "127.0.0.1", .port = 3306});
  runtime.run();
  return echoed == 1 && refused == 1;
}

/// UDPSocket: bind, send to the UDP echo server, print the echo, close.
int udpExample(Runtime& runtime, DemoPrinter& print, std::uint16_t port) {
  int echoed = 0;
  auto udp = runtime.createUDPSocket();
  int bound = 0;
  udp->onListening([&](const UDPSocket::ListeningEvent&) {
    print("udp", "listening", "on port " + std::to_string(bound), {{"port", bound}});
  });
  udp->onMessage([&](const UDPSocket::MessageEvent& e) {
    ++echoed;
    print("udp", "message",
          "\"" + text(e.message) + "\" from " + e.remoteInfo.address + ":" +
              std::to_string(e.remoteInfo.port),
          {{"data", text(e.message)},
           {"address", e.remoteInfo.address},
           {"port", e.remoteInfo.port},
           {"size", e.remoteInfo.size}});
    udp->close();
  });
  udp->onError([&](const ErrorEvent& e) { print.error("udp", e); });
  udp->onClose([&](const UDPSocket::CloseEvent&) { print("udp", "close"); });
  bound = udp->bind();  // returns at once; Listening follows on the loop
  udp->send({.address = "127.0.0.1", .port = port, .message = "hello, udp"});
  runtime.run();
  return echoed == 1;
}

std::string describe(const SocketTask::MessageEvent& e) {
  if (const auto* t = std::get_if<std::string_view>(&e.data)) return std::string(*t);
  return std::to_string(std::get<std::span<const std::byte>>(e.data).size()) + " bytes";
}

/// The seed's connectSocket example, then the older global calls.
int wsExample(Runtime& runtime, DemoPrinter& print, const std::string& url) {
  int echoed = 0;
  auto task = runtime.connectSocket({
      .url = url,
      .success =
          [&](const CallbackResult& r) {
            print("ws", "success", "(" + r.errMsg + ")", {{"errMsg", r.errMsg}});
          },
  });
  task->onOpen([&](const SocketTask::OpenEvent&) {
    print("ws", "open");
    task->send({.data = "xxx"});
  });
  task->onMessage([&](const SocketTask::MessageEvent& e) {
    ++echoed;
    print("ws", "message", "\"" + describe(e) + "\"", {{"data", describe(e)}});
    task->close();
  });
  task->onError([&](const ErrorEvent& e) { print.error("ws", e); });
  task->onClose([&](const SocketTask::CloseEvent& e) {
    print("ws", "close", "code " + std::to_string(e.code),
          {{"code", e.code}, {"reason", e.reason}});
  });
  runtime.run();

  // Seed 004, example 1: a header and a subprotocol offer; the server picks the protocol.
  auto withProtocol = runtime.connectSocket({
      .url = url,
      .header = {{"content-type", "application/json"}},
      .protocols = {"protocol1"},
  });
  withProtocol->onOpen([&](const SocketTask::OpenEvent& e) {
    print("ws-protocol", "open", "protocol \"" + e.protocol + "\"", {{"protocol", e.protocol}});
    withProtocol->close({.code = 3000, .reason = "done"});
  });
  withProtocol->onError([&](const ErrorEvent& e) { print.error("ws-protocol", e); });
  withProtocol->onClose([&](const SocketTask::CloseEvent& e) {
    print("ws-protocol", "close", "code " + std::to_string(e.code) + " reason \"" + e.reason + "\"",
          {{"code", e.code}, {"reason", e.reason}});
  });
  runtime.run();

  // onSocketOpen → sendSocketMessage → onSocketMessage → closeSocket → onSocketClose.
  runtime.onSocketOpen([&](const SocketTask::OpenEvent&) {
    print("global", "socketOpen");
    runtime.sendSocketMessage({.data = "via sendSocketMessage"});
  });
  runtime.onSocketMessage([&](const SocketTask::MessageEvent& e) {
    ++echoed;
    print("global", "socketMessage", "\"" + describe(e) + "\"", {{"data", describe(e)}});
    runtime.closeSocket();
  });
  runtime.onSocketError([&](const ErrorEvent& e) { print.error("global", e); });
  runtime.onSocketClose([&](const SocketTask::CloseEvent& e) {
    print("global", "socketClose", "code " + std::to_string(e.code), {{"code", e.code}});
  });
  runtime.connectSocket({.url = url});
  runtime.run();
  return echoed == 2;
}

int runDemo(const CommonOptions& common) {
  Output out({.json = common.json, .quiet = common.quiet, .name = "demo"});
  DemoPrinter print(out);
  try {
    servers::TcpEchoServer tcpServer("127.0.0.1", 0);
    servers::UdpEchoServer udpServer("127.0.0.1", 0);
    servers::WsEchoServer wsServer("127.0.0.1", 0);
    const std::string url = "ws://127.0.0.1:" + std::to_string(wsServer.port()) + "/echo";
    out.event("servers",
              {{"tcp", tcpServer.port()}, {"udp", udpServer.port()}, {"ws", wsServer.port()}});
    print.note("echo servers: tcp 127.0.0.1:" + std::to_string(tcpServer.port()) +
               ", udp 127.0.0.1:" + std::to_string(udpServer.port()) + ", " + url);

    Runtime runtime;  // Policy::development(), the platform's rules minus the domain list
    const bool ok = tcpExample(runtime, print, tcpServer.port()) &&
                    udpExample(runtime, print, udpServer.port()) && wsExample(runtime, print, url);
    const bool drained = runtime.socketCount() == 0;
    print.note(std::string("sockets still held by the runtime: ") +
               std::to_string(runtime.socketCount()));
    if (ok && drained) return kExitOk;
    out.failure("the demo did not see every expected event");
    return kExitUnavailable;
  } catch (const std::exception& e) {
    out.failure(std::string("cannot start the embedded servers: ") + e.what());
    return kExitUnavailable;
  }
}

}  // namespace

Command addDemoCommand(CLI::App& app) {
  auto options = std::make_shared<CommonOptions>();
  CLI::App* command = app.add_subcommand(
      "demo",
      "Run the seed examples (TCP connect/write/close and a blocked port, UDP bind/send, "
      "connectSocket/send/close, the global calls) against embedded echo servers on free "
      "loopback ports, printing each event");
  addCommonOptions(*command, *options, {.policy = false, .timeout = false});
  return {command, [options] { return runDemo(*options); }};
}

}  // namespace minisock::cli
