// UDPSocket, as in the seed: bind, send, the Listening/Message/Error/Close events, close —
// here two sockets on loopback, one echoing what the other sends, printing every event.
#include <iostream>
#include <minisock/minisock.hpp>
#include <string>

int main() {
  minisock::Runtime runtime;  // development policy
  auto echo = runtime.createUDPSocket();
  auto udp = runtime.createUDPSocket();

  const int echoPort = echo->bind();  // a free port, returned at once
  std::cout << "echo socket bound to port " << echoPort << "\n";
  echo->onMessage([&](const minisock::UDPSocket::MessageEvent& e) {
    echo->send({.address = e.remoteInfo.address,
                .port = e.remoteInfo.port,
                .message = std::vector<std::byte>(e.message.begin(), e.message.end())});
  });

  udp->onListening(
      [](const minisock::UDPSocket::ListeningEvent&) { std::cout << "udp onListening\n"; });
  udp->onMessage([&](const minisock::UDPSocket::MessageEvent& e) {
    std::cout << "udp onMessage: \""
              << std::string(reinterpret_cast<const char*>(e.message.data()), e.message.size())
              << "\" remoteInfo={" << e.remoteInfo.address << ", " << e.remoteInfo.family << ", "
              << e.remoteInfo.port << ", size " << e.remoteInfo.size << "}\n";
    udp->close();
    echo->close();
  });
  udp->onError(
      [](const minisock::ErrorEvent& e) { std::cout << "udp onError: " << e.errMsg << "\n"; });
  udp->onClose([](const minisock::UDPSocket::CloseEvent&) { std::cout << "udp onClose\n"; });

  std::cout << "udp bound to port " << udp->bind() << "\n";
  udp->send({.address = "127.0.0.1", .port = echoPort, .message = "hello, udp"});
  udp->send({.address = "127.0.0.1", .port = 0, .message = "bad port"});  // an Error, documented
  runtime.run();

  std::cout << "sockets still held by the runtime: " << runtime.socketCount() << "\n";
  return runtime.socketCount() == 0 ? 0 : 1;
}
