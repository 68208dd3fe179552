// pause()/resume() (minisock's extension, as Node's socket.pause()): a paused TCPSocket or
// SocketTask starts no read, so the peer's data waits in the kernel (TCP flow control slows
// the peer); after resume() every byte arrives, in order. Against the embedded echo servers.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <minisock/echo_servers.hpp>
#include <minisock/minisock.hpp>
#include <string>
#include <thread>
#include <vector>

#include "event_recorder.hpp"

using namespace minisock;
using namespace minisock::testing;
using namespace std::chrono_literals;

namespace {

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7 + seed) % 251);
  return s;
}

std::string asString(const std::variant<std::string_view, std::span<const std::byte>>& data) {
  if (const auto* text = std::get_if<std::string_view>(&data)) return std::string(*text);
  const auto& bytes = std::get<std::span<const std::byte>>(data);
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

/// Runs `rt` for `d` (a paused socket alone keeps run() from returning: bounded anyway).
void runFor(Runtime& rt, std::chrono::milliseconds d) {
  runUntil(
      rt, [] { return false; }, d);
}

}  // namespace

TEST(Pause, TcpPausedAtConnectReceivesAtMostOneReadThenEverythingAfterResume) {
  servers::TcpEchoServer server;
  Recorder rec;
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  rec.attach(*tcp);
  const std::string sent = pattern(4u << 20, 1);
  int messagesWhilePaused = 0;
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) {
    tcp->pause();
    tcp->write(sent);
  });
  rec.onMessageHook = [&](const TCPSocket::MessageEvent&) {
    if (tcp->isPaused()) ++messagesWhilePaused;
    if (rec.received.size() == sent.size()) tcp->close();
  };
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  ASSERT_TRUE(runUntil(rt, [&] { return rec.connects == 1; }));
  EXPECT_TRUE(tcp->isPaused());
  runFor(rt, 400ms);  // the echo arrives in the kernel; nothing more is read
  const std::size_t whilePaused = rec.received.size();
  EXPECT_LE(messagesWhilePaused, 1) << "a paused socket kept delivering";
  EXPECT_LT(whilePaused, sent.size() / 4) << "a paused socket kept reading";
  std::thread([&] { tcp->resume(); }).join();  // from another thread
  EXPECT_FALSE(tcp->isPaused());
  ASSERT_TRUE(runUntil(
      rt, [&] { return rec.closes == 1; }, 30s))
      << rec.received.size();
  EXPECT_EQ(rec.received.size(), sent.size());
  EXPECT_TRUE(rec.received == sent) << "bytes lost or out of order across the pause";
  EXPECT_EQ(rec.errors, 0);
}

TEST(Pause, TcpPauseInsideAListenerStopsAfterThatMessage) {
  servers::TcpEchoServer server;
  Recorder rec;
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  rec.attach(*tcp);
  const std::string sent = pattern(1u << 20, 2);
  int messages = 0;
  rec.onMessageHook = [&](const TCPSocket::MessageEvent&) {
    if (++messages == 1) tcp->pause();
    if (rec.received.size() == sent.size()) tcp->close();
  };
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) { tcp->write(sent); });
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  ASSERT_TRUE(runUntil(rt, [&] { return messages >= 1; }));
  runFor(rt, 300ms);
  EXPECT_EQ(messages, 1) << "Message events after pause() inside a listener";
  tcp->resume();
  ASSERT_TRUE(runUntil(
      rt, [&] { return rec.closes == 1; }, 30s))
      << rec.received.size();
  EXPECT_TRUE(rec.received == sent);
  EXPECT_EQ(rec.errors, 0);
}

TEST(Pause, TcpCloseWhilePausedEndsWithClose) {
  servers::TcpEchoServer server;
  Recorder rec;
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  rec.attach(*tcp);
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) {
    tcp->pause();
    tcp->write(pattern(64u << 10, 3));
  });
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  ASSERT_TRUE(runUntil(rt, [&] { return rec.connects == 1; }));
  runFor(rt, 100ms);
  tcp->close();
  ASSERT_TRUE(runUntil(rt, [&] { return rec.closes == 1; }));
  EXPECT_EQ(rec.errors, 0);
  EXPECT_TRUE(drained(rt));
}

TEST(Pause, SocketTaskPausedInAListenerGetsEveryMessageInOrderAfterResume) {
  servers::WsEchoServer server;
  Runtime rt;
  constexpr int kMessages = 24;
  std::vector<std::string> sent, got;
  for (int i = 0; i < kMessages; ++i) sent.push_back(pattern(256u << 10, static_cast<unsigned>(i)));
  int closeCode = 0;
  int errors = 0;
  std::shared_ptr<SocketTask> task;
  task = rt.connectSocket(
      {.url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/"},
      {.onOpen =
           [&](const SocketTask::OpenEvent&) {
             for (const auto& m : sent)
               task->send({.data = std::vector<std::byte>(
                               reinterpret_cast<const std::byte*>(m.data()),
                               reinterpret_cast<const std::byte*>(m.data()) + m.size())});
           },
       .onMessage =
           [&](const SocketTask::MessageEvent& e) {
             got.push_back(asString(e.data));
             if (got.size() == 1) task->pause();
             if (got.size() == sent.size()) task->close();
           },
       .onError = [&](const ErrorEvent&) { ++errors; },
       .onClose = [&](const SocketTask::CloseEvent& e) { closeCode = e.code; }});
  ASSERT_TRUE(runUntil(rt, [&] { return !got.empty(); }));
  runFor(rt, 400ms);
  EXPECT_TRUE(task->isPaused());
  EXPECT_EQ(got.size(), 1u) << "Message events after pause() inside a listener";
  std::thread([&] { task->resume(); }).join();
  ASSERT_TRUE(runUntil(
      rt, [&] { return closeCode != 0; }, 30s))
      << got.size();
  EXPECT_EQ(closeCode, 1000);
  EXPECT_EQ(errors, 0);
  ASSERT_EQ(got.size(), sent.size());
  for (int i = 0; i < kMessages; ++i) EXPECT_TRUE(got[i] == sent[i]) << "message " << i;
}

TEST(Pause, SocketTaskCloseWhilePausedCompletesTheClosingHandshake) {
  servers::WsEchoServer server;
  Runtime rt;
  int closeCode = 0, messages = 0;
  std::shared_ptr<SocketTask> task;
  task =
      rt.connectSocket({.url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/"},
                       {.onOpen =
                            [&](const SocketTask::OpenEvent&) {
                              task->pause();
                              for (int i = 0; i < 5; ++i) task->send({.data = std::string("m")});
                            },
                        .onMessage = [&](const SocketTask::MessageEvent&) { ++messages; },
                        .onClose = [&](const SocketTask::CloseEvent& e) { closeCode = e.code; }});
  ASSERT_TRUE(runUntil(rt, [&] { return task->readyState() == SocketTask::OPEN; }));
  runFor(rt, 200ms);
  EXPECT_EQ(messages, 0) << "a task paused at open delivered messages";
  task->close({.code = 4001, .reason = "paused"});
  ASSERT_TRUE(runUntil(rt, [&] { return closeCode != 0; }));
  EXPECT_EQ(closeCode, 4001);
  EXPECT_EQ(messages, 0) << "no Message event after close()";
}

TEST(Pause, RunDoesNotReturnUnderAPausedSocketAndResumeFromAnotherThreadContinues) {
  servers::TcpEchoServer server;
  Recorder rec;
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  rec.attach(*tcp);
  std::thread resumer;
  std::atomic<bool> resumed{false};
  tcp->pause();  // before connect(): the first read is not started either
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) {
    tcp->write("paused hello");
    resumer = std::thread([&] {
      std::this_thread::sleep_for(300ms);
      resumed = true;
      tcp->resume();
    });
  });
  rec.onMessageHook = [&](const TCPSocket::MessageEvent&) {
    if (rec.received == "paused hello") tcp->close();
  };
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  rt.run();  // returns after Close: the paused socket held the loop until resume()
  if (resumer.joinable()) resumer.join();
  EXPECT_TRUE(resumed.load());
  EXPECT_EQ(rec.closes, 1);
  EXPECT_EQ(rec.received, "paused hello");
}
