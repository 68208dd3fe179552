// The seed's TCPSocket example, translated, against an embedded loopback echo server:
//
//   const tcp = Taro.createTCPSocket()
//   tcp.connect({ address: '192.168.193.2', port: 8848 })
//   tcp.write('hello, how are you')
//   tcp.close()
//
// then three documented failures: bindWifi (Android-only), a port the policy blocks, and a
// refused connection. Every event is printed as it happens.
#include <iostream>
#include <minisock/echo_servers.hpp>
#include <minisock/minisock.hpp>
#include <string>

namespace {

void printError(const char* who, const minisock::ErrorEvent& e) {
  std::cout << who << " onError: errCode=" << e.errCode << " errNo=" << e.errNo << " errMsg=\""
            << e.errMsg << "\"\n";
}

}  // namespace

int main() {
  minisock::servers::TcpEchoServer server("127.0.0.1", 0);
  minisock::Runtime runtime;  // Policy::development(): loopback allowed, blocked ports enforced
  std::cout << "echo server listening on 127.0.0.1:" << server.port() << "\n";

  // 1. The seed example.
  auto tcp = runtime.createTCPSocket();
  tcp->onConnect([&](const minisock::TCPSocket::ConnectEvent&) { std::cout << "tcp onConnect\n"; });
  tcp->onMessage([&](const minisock::TCPSocket::MessageEvent& e) {
    std::string text(reinterpret_cast<const char*>(e.message.data()), e.message.size());
    std::cout << "tcp onMessage: \"" << text << "\" remoteInfo={" << e.remoteInfo.address << ", "
              << e.remoteInfo.family << ", " << e.remoteInfo.port << ", size " << e.remoteInfo.size
              << "} localInfo={" << e.localInfo.address << ", " << e.localInfo.family << ", "
              << e.localInfo.port << "}\n";
    tcp->close();
  });
  tcp->onError([](const minisock::ErrorEvent& e) { printError("tcp", e); });
  tcp->onClose([](const minisock::TCPSocket::CloseEvent&) { std::cout << "tcp onClose\n"; });
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  tcp->write("hello, how are you");  // queued until connected, then sent in order
  runtime.run();

  // 2. bindWifi, as in the WeChat page: Android-only, so an Error says so.
  auto wifi = runtime.createTCPSocket();
  wifi->onError([](const minisock::ErrorEvent& e) { printError("bindWifi", e); });
  wifi->onBindWifi([](const minisock::TCPSocket::BindWifiEvent&) { std::cout << "onBindWifi\n"; });
  wifi->bindWifi({.BSSID = "xxx"});
  wifi->bindWifi({.BSSID = "a4:5e:60:c2:1f:03"});
  wifi->close();
  runtime.run();

  // 3. A blocked port (3306 is on the platform's list): refused before any packet leaves.
  auto blocked = runtime.createTCPSocket();
  blocked->onError([](const minisock::ErrorEvent& e) { printError("blocked", e); });
  blocked->onClose(
      [](const minisock::TCPSocket::CloseEvent&) { std::cout << "blocked onClose\n"; });
  blocked->connect({.address = "127.0.0.1", .port = 3306});
  runtime.run();

  std::cout << "sockets still held by the runtime: " << runtime.socketCount() << "\n";
  return runtime.socketCount() == 0 ? 0 : 1;
}
