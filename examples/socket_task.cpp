// The seeds' WebSocket examples, translated, against an embedded loopback echo server:
//
//   Taro.connectSocket({ url, success() { console.log('connect success') } }).then(task => {
//     task.onOpen(() => { console.log('onOpen'); task.send({ data: 'xxx' }) })
//     task.onMessage(msg => { console.log('onMessage: ', msg); task.close() })
//     task.onError(() => console.log('onError'))
//     task.onClose(e => console.log('onClose: ', e))
//   })
//
// then connectSocket with header and protocols (seed 004, example 1), and the older global
// calls (onSocketOpen, sendSocketMessage, onSocketMessage, closeSocket, onSocketClose).
#include <iostream>
#include <minisock/echo_servers.hpp>
#include <minisock/minisock.hpp>
#include <string>

namespace {

std::string describe(const minisock::SocketTask::MessageEvent& msg) {
  if (const auto* text = std::get_if<std::string_view>(&msg.data))
    return "text \"" + std::string(*text) + "\"";
  return "binary " + std::to_string(std::get<std::span<const std::byte>>(msg.data).size()) +
         " bytes";
}

}  // namespace

int main() {
  minisock::servers::WsEchoServer server("127.0.0.1", 0);
  const std::string url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/echo";
  std::cout << "WebSocket echo server listening on " << url << "\n";
  minisock::Runtime runtime;  // development policy: ws:// and loopback allowed

  // 1. Seed example: connect, send 'xxx' on open, close on the first message.
  auto task = runtime.connectSocket({
      .url = url,
      .success =
          [](const minisock::CallbackResult& r) {
            std::cout << "connect success (" << r.errMsg << ")\n";
          },
  });
  task->onOpen([&](const minisock::SocketTask::OpenEvent& e) {
    std::cout << "onOpen (handshake " << e.profile.handshakeCost << " ms, " << e.header.size()
              << " headers)\n";
    task->send({.data = "xxx"});
  });
  task->onMessage([&](const minisock::SocketTask::MessageEvent& msg) {
    std::cout << "onMessage: " << describe(msg) << "\n";
    task->close();
  });
  task->onError(
      [](const minisock::ErrorEvent& e) { std::cout << "onError: " << e.errMsg << "\n"; });
  task->onClose([](const minisock::SocketTask::CloseEvent& e) {
    std::cout << "onClose: {code: " << e.code << ", reason: \"" << e.reason << "\"}\n";
  });
  runtime.run();

  // 2. Seed 004, example 1: a header and a subprotocol offer.
  auto withProtocol = runtime.connectSocket({
      .url = url,
      .header = {{"content-type", "application/json"}},
      .protocols = {"protocol1"},
  });
  withProtocol->onOpen([&](const minisock::SocketTask::OpenEvent& e) {
    std::cout << "onOpen: negotiated protocol \"" << e.protocol << "\"\n";
    withProtocol->close({.code = 3000, .reason = "done"});
  });
  withProtocol->onClose([](const minisock::SocketTask::CloseEvent& e) {
    std::cout << "onClose: {code: " << e.code << ", reason: \"" << e.reason << "\"}\n";
  });
  runtime.run();

  // 3. The older global calls act on the most recent task.
  runtime.onSocketOpen([&](const minisock::SocketTask::OpenEvent&) {
    std::cout << "onSocketOpen\n";
    runtime.sendSocketMessage({.data = "via sendSocketMessage"});
  });
  runtime.onSocketMessage([&](const minisock::SocketTask::MessageEvent& msg) {
    std::cout << "onSocketMessage: " << describe(msg) << "\n";
    runtime.closeSocket();
  });
  runtime.onSocketClose([](const minisock::SocketTask::CloseEvent& e) {
    std::cout << "onSocketClose: {code: " << e.code << "}\n";
  });
  runtime.connectSocket({.url = url});
  runtime.run();

  // 4. A documented failure: the URL must be ws:// or wss://.
  runtime.connectSocket({
      .url = "http://127.0.0.1/",
      .fail =
          [](const minisock::CallbackResult& r) {
            std::cout << "fail: " << r.errMsg << " (errno " << r.errNo << ")\n";
          },
  });
  runtime.run();

  std::cout << "sockets still held by the runtime: " << runtime.socketCount() << "\n";
  return runtime.socketCount() == 0 ? 0 : 1;
}
