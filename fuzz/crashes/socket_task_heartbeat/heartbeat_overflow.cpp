// Status: fixed (7fc7078: heartbeat capped at 24 h; this now gets
// "connectSocket:fail invalid heartbeat ... ms" and Close 1006). Kept as a regression program.
// Reproducer (found reading SocketTaskImpl while writing the fuzzers, not by a fuzzer):
// a heartbeat above ~4.6e12 ms overflows in src/ws/socket_task.cpp onHandshake,
// `t.idle_timeout = option_.heartbeat * 2` (signed overflow, then the ms -> ns conversion).
// Build against an ASan+UBSan build dir (e.g. build/asan):
//   g++ -std=c++20 -fsanitize=address,undefined -I include heartbeat_overflow.cpp \
//       build/asan/src/libminisock_servers.a build/asan/src/libminisock.a -lssl -lcrypto -pthread
// UBSan: chrono.h:679: runtime error: signed integer overflow: 9223372036854775807 * 2
// (with milliseconds(5000000000000): chrono.h:225: 10000000000000 * 1000000, the ms -> ns
// conversion of idle_timeout). The TCP connect timeout saturates instead (tcp_socket.cpp).
#include <cstdio>
#include <minisock/echo_servers.hpp>
#include <minisock/minisock.hpp>
int main() {
  minisock::servers::WsEchoServer server;
  minisock::Runtime rt;
  auto task = rt.connectSocket({.url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/",
                                .heartbeat = std::chrono::milliseconds::max()});
  task->onOpen([&](const minisock::SocketTask::OpenEvent&) {
    std::puts("open");
    task->send({.data = "x"});
  });
  task->onMessage([&](const minisock::SocketTask::MessageEvent&) {
    std::puts("message");
    task->close({});
  });
  task->onError([](const minisock::ErrorEvent& e) { std::printf("error %s\n", e.errMsg.c_str()); });
  task->onClose(
      [](const minisock::SocketTask::CloseEvent& e) { std::printf("close %d\n", e.code); });
  rt.runFor(std::chrono::seconds(5));
}
