#pragma once
// Records a TCPSocket's events in order, and runs a Runtime until a condition holds, bounded.

#include <chrono>
#include <functional>
#include <minisock/minisock.hpp>
#include <string>
#include <vector>

namespace minisock::testing {

struct Recorder {
  std::vector<std::string> order;  // "connect", "message", "error", "close", "bindWifi"
  int connects = 0;
  int messages = 0;
  int errors = 0;
  int closes = 0;
  std::string received;
  std::vector<ErrorEvent> errorEvents;
  std::vector<TCPSocket::MessageEvent> lastInfo;  // copies of the first message's infos
  std::function<void(const TCPSocket::MessageEvent&)> onMessageHook;

  void attach(TCPSocket& socket) {
    socket.onConnect([this](const TCPSocket::ConnectEvent&) {
      ++connects;
      order.emplace_back("connect");
    });
    socket.onMessage([this](const TCPSocket::MessageEvent& e) {
      ++messages;
      if (order.empty() || order.back() != "message") order.emplace_back("message");
      received.append(reinterpret_cast<const char*>(e.message.data()), e.message.size());
      if (lastInfo.empty())
        lastInfo.push_back(TCPSocket::MessageEvent{{}, e.remoteInfo, e.localInfo});
      if (onMessageHook) onMessageHook(e);
    });
    socket.onError([this](const ErrorEvent& e) {
      ++errors;
      order.emplace_back("error");
      errorEvents.push_back(e);
    });
    socket.onClose([this](const TCPSocket::CloseEvent&) {
      ++closes;
      order.emplace_back("close");
    });
  }
};

/// Runs `rt` in short slices until `done()` or `limit`; returns done().
inline bool runUntil(Runtime& rt, const std::function<bool()>& done,
                     std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline)
    rt.runFor(std::chrono::milliseconds(20));
  return done();
}

/// Runs until the Runtime has no work left, bounded; true when it drained (no socket held).
inline bool drained(Runtime& rt, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  return runUntil(
      rt, [&] { return rt.socketCount() == 0; }, limit);
}

inline std::string text(std::span<const std::byte> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace minisock::testing
