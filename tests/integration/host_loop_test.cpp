// Host-loop mode: the Runtime driven by an event loop it does not own (here a plain epoll
// loop on the test's thread, as libuv or glib would do it): its descriptor, step() and
// hasWork(), against real loopback servers.
#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <minisock/echo_servers.hpp>
#include <minisock/minisock.hpp>
#include <thread>

#include "event_recorder.hpp"
#include "raw_peers.hpp"

using namespace minisock;
using namespace minisock::testing;
using namespace std::chrono_literals;

namespace {

/// The host: an epoll set of its own watching the Runtime's descriptor, as a foreign loop
/// does. Every wait and every loop is bounded.
class Host {
 public:
  explicit Host(Runtime& rt) : rt_(rt), fd_(rt.pollDescriptor()), epoll_(::epoll_create1(0)) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    added_ = fd_ >= 0 && ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd_, &ev) == 0;
  }
  ~Host() { ::close(epoll_); }
  bool ok() const { return added_; }
  int descriptor() const { return fd_; }

  /// True when the descriptor is readable within `timeout`.
  bool readable(std::chrono::milliseconds timeout) {
    epoll_event ev{};
    return ::epoll_wait(epoll_, &ev, 1, static_cast<int>(timeout.count())) == 1;
  }

  /// Waits for the descriptor and steps until `done()`, at most `limit`; counts the steps.
  bool runUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      if (readable(50ms)) {
        rt_.step();
        ++steps;
      }
    }
    return done();
  }

  /// Steps while the Runtime has work, as a host deciding whether to exit; true when it
  /// reported no work left within `limit`.
  bool runToCompletion(std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    bool work = rt_.step();
    while (work && std::chrono::steady_clock::now() < deadline) {
      if (readable(50ms)) work = rt_.step();
    }
    return !work;
  }

  int steps = 0;

 private:
  Runtime& rt_;
  int fd_;
  int epoll_;
  bool added_ = false;
};

/// A Runtime on the test's host loop with one recorded TCPSocket and a TCP echo server.
class HostedTcp : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(host.ok());
    rec.attach(*tcp);
  }
  void connect(const std::string& address) {
    tcp->connect({.address = address, .port = server.port()});
  }

  servers::TcpEchoServer server;
  Runtime rt;
  Host host{rt};
  Recorder rec;
  std::shared_ptr<TCPSocket> tcp = rt.createTCPSocket();
};

}  // namespace

TEST_F(HostedTcp, EchoRoundTripDrivenByTheHostsOwnEpoll) {
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) { tcp->write("over the host loop"); });
  tcp->onMessage([&](const TCPSocket::MessageEvent&) {
    if (rec.received == "over the host loop") tcp->close();
  });
  connect("127.0.0.1");
  EXPECT_TRUE(rt.hasWork());
  ASSERT_TRUE(host.runUntil([&] { return rec.closes == 1; }));
  EXPECT_EQ(rec.order, (std::vector<std::string>{"connect", "message", "close"}));
  EXPECT_EQ(rec.received, "over the host loop");
  // Nothing left: the host may exit, and the descriptor stays quiet.
  EXPECT_TRUE(host.runToCompletion());
  EXPECT_FALSE(rt.hasWork());
  EXPECT_EQ(rt.socketCount(), 0u);
  EXPECT_FALSE(host.readable(0ms));
}

TEST(HostLoop, ListenersRunInsideStepOnTheHostThreadAndCallsRunAtOnceBetweenSteps) {
  servers::TcpEchoServer server;
  Runtime rt;
  Host host(rt);
  ASSERT_TRUE(host.ok());
  const auto hostThread = std::this_thread::get_id();
  bool inStep = false;
  int wrongThread = 0;
  int outsideStep = 0;
  std::string received;
  auto tcp = rt.createTCPSocket();
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) {
    if (std::this_thread::get_id() != hostThread) ++wrongThread;
    if (!inStep) ++outsideStep;
  });
  tcp->onMessage([&](const TCPSocket::MessageEvent& e) {
    if (std::this_thread::get_id() != hostThread) ++wrongThread;
    if (!inStep) ++outsideStep;
    received += text(e.message);
  });
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  bool wrote = false;
  while (received.size() < 4 && std::chrono::steady_clock::now() < deadline) {
    if (host.readable(50ms)) {
      inStep = true;
      rt.step();
      inStep = false;
    }
    // Between steps, on the host thread: the write goes out at once (nothing is queued), and
    // the descriptor then says that the Runtime has work.
    if (!wrote && tcp->bufferedAmount() == 0 && rt.socketCount() == 1) {
      tcp->write("ping");
      wrote = true;
      EXPECT_EQ(tcp->bufferedAmount(), 0u);
    }
  }
  EXPECT_EQ(received, "ping");
  EXPECT_EQ(wrongThread, 0);
  EXPECT_EQ(outsideStep, 0);
  tcp->close();
  EXPECT_TRUE(host.runToCompletion());
}

TEST_F(HostedTcp, ACallFromAnotherThreadWakesTheHost) {
  connect("127.0.0.1");
  ASSERT_TRUE(host.runUntil([&] { return rec.connects == 1; }));
  // Drain until quiet: the descriptor is not readable while nothing happens.
  host.runUntil([&] { return !host.readable(20ms); }, 2s);
  ASSERT_FALSE(host.readable(0ms));
  std::thread other([&] { tcp->write("from another thread"); });
  other.join();
  // The write was posted to the loop: only the host's step sends it.
  EXPECT_TRUE(host.readable(5000ms));
  ASSERT_TRUE(host.runUntil([&] { return rec.received == "from another thread"; }));
  tcp->close();
  EXPECT_TRUE(host.runToCompletion());
  EXPECT_EQ(rec.closes, 1);
}

TEST(HostLoop, TimersMakeTheDescriptorReadable) {
  BlackholeListener blackhole;  // the connect can only time out
  Runtime rt;
  Host host(rt);
  ASSERT_TRUE(host.ok());
  Recorder rec;
  auto tcp = rt.createTCPSocket();
  rec.attach(*tcp);
  const auto started = std::chrono::steady_clock::now();
  tcp->connect({.address = "127.0.0.1", .port = blackhole.port(), .timeout = 300ms});
  ASSERT_TRUE(host.runUntil([&] { return rec.closes == 1; }));
  ASSERT_EQ(rec.errorEvents.size(), 1u);
  EXPECT_EQ(rec.errorEvents[0].errCode, static_cast<int>(ErrorCode::connectFailed));
  EXPECT_EQ(rec.errorEvents[0].errMsg, "connect fail: timeout after 300 ms");
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
  EXPECT_TRUE(host.runToCompletion());
}

TEST_F(HostedTcp, NameLookupsReachTheHost) {
  connect("localhost");  // /etc/hosts
  ASSERT_TRUE(host.runUntil([&] { return rec.connects == 1 || rec.closes == 1; }));
  EXPECT_EQ(rec.connects, 1) << (rec.errorEvents.empty() ? "" : rec.errorEvents[0].errMsg);
  tcp->close();
  EXPECT_TRUE(host.runToCompletion());
}

TEST(HostLoop, WebSocketTaskAndUdpOnTheHostLoop) {
  servers::WsEchoServer ws;
  servers::UdpEchoServer udpServer;
  Runtime rt;
  Host host(rt);
  ASSERT_TRUE(host.ok());
  std::vector<std::string> events;
  auto task =
      rt.connectSocket({.url = "ws://127.0.0.1:" + std::to_string(ws.port()) + "/",
                        .success = [&](const CallbackResult&) { events.push_back("success"); }});
  task->onOpen([&](const SocketTask::OpenEvent&) {
    events.push_back("open");
    task->send({.data = std::string("hello")});
  });
  task->onMessage([&](const SocketTask::MessageEvent& e) {
    events.push_back("message " + std::string(std::get<std::string_view>(e.data)));
    task->close();
  });
  task->onClose([&](const SocketTask::CloseEvent& e) {
    events.push_back("close " + std::to_string(e.code));
  });
  auto udp = rt.createUDPSocket();
  std::string datagram;
  udp->onMessage([&](const UDPSocket::MessageEvent& e) { datagram = text(e.message); });
  udp->send({.address = "127.0.0.1", .port = udpServer.port(), .message = std::string("dgram")});
  ASSERT_TRUE(host.runUntil([&] { return events.size() == 4 && datagram == "dgram"; }));
  EXPECT_EQ(events, (std::vector<std::string>{"success", "open", "message hello", "close 1000"}));
  // A bound UDP socket is work (it is receiving), as in Node's dgram.
  EXPECT_TRUE(rt.hasWork());
  udp->close();
  EXPECT_TRUE(host.runToCompletion());
}

TEST(HostLoop, StepRunsABoundedBatchAndTheDescriptorStaysReadableForTheRest) {
  Runtime rt;
  Host host(rt);
  ASSERT_TRUE(host.ok());
  constexpr int kPosts = 1000;
  std::vector<int> ran;
  for (int i = 0; i < kPosts; ++i) rt.post([&ran, i] { ran.push_back(i); });
  ASSERT_TRUE(host.readable(1000ms));
  rt.step();
  EXPECT_GT(ran.size(), 0u);
  EXPECT_LT(ran.size(), static_cast<std::size_t>(kPosts));  // the host's other work gets a turn
  EXPECT_TRUE(host.readable(0ms));                          // and the rest is announced
  EXPECT_TRUE(host.runUntil([&] { return ran.size() == kPosts; }));
  for (int i = 0; i < kPosts; ++i) ASSERT_EQ(ran[i], i);  // in order
  EXPECT_TRUE(host.runToCompletion());
  EXPECT_FALSE(host.readable(0ms));
}

TEST(HostLoop, ExclusiveWithTheOtherWaysToRunTheLoop) {
  Runtime rt;
  const int fd = rt.pollDescriptor();
  ASSERT_GE(fd, 0);
  EXPECT_EQ(rt.pollDescriptor(), fd);  // the same on the same thread
  int fromOther = 0;
  std::thread([&] { fromOther = rt.pollDescriptor(); }).join();
  EXPECT_EQ(fromOther, -1);
  // run(), runFor() and start() do nothing; step() from another thread does nothing.
  bool ran = false;
  rt.post([&] { ran = true; });
  rt.run();
  rt.runFor(50ms);
  rt.start();
  std::thread([&] { rt.step(); }).join();
  EXPECT_FALSE(ran);
  rt.step();
  EXPECT_TRUE(ran);

  Runtime started;
  started.start();
  EXPECT_EQ(started.pollDescriptor(), -1);
  started.stop();
}

TEST(HostLoop, DestroyingTheRuntimeInsideAListenerDuringAStep) {
  servers::TcpEchoServer server;
  auto rt = std::make_unique<Runtime>();
  const int fd = rt->pollDescriptor();
  ASSERT_GE(fd, 0);
  int epoll = ::epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ASSERT_EQ(::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev), 0);
  auto tcp = rt->createTCPSocket();
  int connects = 0;
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) {
    ++connects;
    ::epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nullptr);  // the host stops watching first
    rt.reset();
  });
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  for (int i = 0; i < 200 && rt; ++i) {
    if (::epoll_wait(epoll, &ev, 1, 50) == 1) rt->step();
  }
  ::close(epoll);
  EXPECT_EQ(connects, 1);
  EXPECT_FALSE(rt);
  tcp->write("after the runtime");  // does nothing, never crashes
}

TEST(HostLoop, PostedCallsRunInOrderAndAThrowingOneIsReported) {
  Runtime rt;
  std::vector<int> ran;
  rt.post([&] { ran.push_back(1); });
  rt.post([] { throw std::runtime_error("posted call failed"); });
  rt.post([&] { ran.push_back(3); });
  ::testing::internal::CaptureStderr();
  rt.run();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(ran, (std::vector<int>{1, 3}));
  EXPECT_NE(err.find("posted call failed"), std::string::npos) << err;
}

// ---- listeners at creation, and callbacks that throw ----

TEST(ListenersAtCreation, NoEventIsMissedWhileStartsThreadRunsTheLoop) {
  // A task refused at once reports from the loop thread right away; listeners given at
  // creation see its Error and Close every time, whatever the threads' timing.
  Runtime rt;
  rt.start();
  constexpr int kTasks = 50;
  std::atomic<int> errors{0}, closes{0}, callbacks{0};
  std::vector<std::shared_ptr<SocketTask>> tasks;
  for (int i = 0; i < kTasks; ++i) {
    tasks.push_back(rt.connectSocket(
        {.url = "ftp://127.0.0.1/", .fail = [&](const CallbackResult&) { ++callbacks; }},
        {.onError = [&](const ErrorEvent&) { ++errors; },
         .onClose = [&](const SocketTask::CloseEvent&) { ++closes; }}));
  }
  auto tcp = rt.createTCPSocket({.type = "ipv5"},
                                {.onError = [&](const ErrorEvent&) { ++errors; },
                                 .onClose = [&](const TCPSocket::CloseEvent&) { ++closes; }});
  auto udp =
      rt.createUDPSocket("udp5", {.onError = [&](const ErrorEvent&) { ++errors; },
                                  .onClose = [&](const UDPSocket::CloseEvent&) { ++closes; }});
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (closes < kTasks + 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  rt.stop();
  EXPECT_EQ(errors, kTasks + 2);
  EXPECT_EQ(closes, kTasks + 2);
  EXPECT_EQ(callbacks, kTasks);
}

TEST(CallbacksThatThrow, AreReportedAndTheLoopGoesOn) {
  servers::WsEchoServer ws;
  Runtime rt;
  std::vector<std::string> events;
  auto task = rt.connectSocket(
      {.url = "ws://127.0.0.1:" + std::to_string(ws.port()) + "/",
       .success = [](const CallbackResult&) { throw std::runtime_error("success threw"); },
       .complete = [&](const CallbackResult& r) { events.push_back("complete " + r.errMsg); }},
      {.onOpen = [&](const SocketTask::OpenEvent&) { events.push_back("open"); }});
  task->onOpen([&](const SocketTask::OpenEvent&) {
    task->send({.data = std::string("x"), .success = [](const CallbackResult&) { throw 42; }});
    task->close({.complete = [&](const CallbackResult&) { events.push_back("closed"); }});
  });
  task->onClose([&](const SocketTask::CloseEvent&) { events.push_back("close"); });
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(runUntil(rt, [&] { return events.size() == 4; }));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(events,
            (std::vector<std::string>{"complete connectSocket:ok", "open", "closed", "close"}));
  EXPECT_NE(err.find("callback threw (ignored; callbacks should not throw): success threw"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("an exception not derived from std::exception"), std::string::npos) << err;
}

TEST(CallbacksThatThrow, DoNotEndStartsThread) {
  Runtime rt;
  rt.start();
  std::atomic<int> completes{0};
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 3; ++i) {
    rt.connectSocket({.url = "ftp://x/",
                      .fail = [](const CallbackResult&) { throw std::runtime_error("fail threw"); },
                      .complete = [&](const CallbackResult&) { ++completes; }});
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (completes < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  rt.stop();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(completes, 3);  // the thread went on after each throw
  EXPECT_NE(err.find("fail threw"), std::string::npos);
}
