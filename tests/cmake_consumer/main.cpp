// Built against the installed package: one round trip through the public API.
#include <iostream>
#include <minisock/echo_servers.hpp>
#include <minisock/minisock.hpp>

int main() {
  minisock::servers::TcpEchoServer server;
  minisock::Runtime rt;
  auto tcp = rt.createTCPSocket();
  std::string got;
  tcp->onMessage([&](const minisock::TCPSocket::MessageEvent& e) {
    got.append(reinterpret_cast<const char*>(e.message.data()), e.message.size());
    if (got == "consumer") tcp->close();
  });
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  tcp->write("consumer");
  rt.runFor(std::chrono::seconds(10));
  std::cout << "received: " << got << "\n";
  return got == "consumer" ? 0 : 1;
}
