// The Runtime: run/runFor/start/stop, calls from other threads, destruction with sockets
// open and with other threads still calling.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <minisock/echo_servers.hpp>
#include <minisock/minisock.hpp>
#include <mutex>
#include <thread>

#include "event_recorder.hpp"
#include "raw_peers.hpp"

using namespace minisock;
using namespace minisock::testing;
using namespace std::chrono_literals;

namespace {

// Waits (bounded) for a condition set by the loop thread.
struct Latch {
  std::mutex m;
  std::condition_variable cv;
  int count = 0;
  void add() {
    std::lock_guard l(m);
    ++count;
    cv.notify_all();
  }
  bool waitFor(int n, std::chrono::milliseconds limit = 20s) {
    std::unique_lock l(m);
    return cv.wait_for(l, limit, [&] { return count >= n; });
  }
};

}  // namespace

TEST(Runtime, RunReturnsWhenNoWorkIsLeftAndCanRunAgain) {
  Runtime rt;
  rt.run();  // nothing to do
  servers::TcpEchoServer server;
  Recorder rec;
  auto tcp = rt.createTCPSocket();
  rec.attach(*tcp);
  rec.onMessageHook = [&](const TCPSocket::MessageEvent&) { tcp->close(); };
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  tcp->write("again");
  rt.run();  // returns only when the socket has closed: no work left
  EXPECT_EQ(rec.closes, 1);
  EXPECT_EQ(rec.received, "again");
  EXPECT_EQ(rt.socketCount(), 0u);
}

TEST(Runtime, StopInsideAListenerMakesRunReturnAndRunResumes) {
  servers::TcpEchoServer server;
  Recorder rec;
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  rec.attach(*tcp);
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) { rt.stop(); });
  rec.onMessageHook = [&](const TCPSocket::MessageEvent&) { tcp->close(); };
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  rt.run();  // returns at stop(), with the connection open
  EXPECT_EQ(rec.connects, 1);
  EXPECT_EQ(rec.closes, 0);
  tcp->write("resume");
  rt.run();
  EXPECT_EQ(rec.received, "resume");
  EXPECT_EQ(rec.closes, 1);
}

TEST(Runtime, BackgroundLoopWithWritesFromManyThreads) {
  servers::TcpEchoServer server;
  Runtime rt;
  rt.start();
  auto tcp = rt.createTCPSocket();
  std::atomic<std::size_t> received{0};
  std::atomic<std::thread::id> listenerThread{};
  Latch connected, closed;
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) {
    listenerThread = std::this_thread::get_id();
    connected.add();
  });
  tcp->onMessage([&](const TCPSocket::MessageEvent& e) { received += e.message.size(); });
  tcp->onClose([&](const TCPSocket::CloseEvent&) { closed.add(); });
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  ASSERT_TRUE(connected.waitFor(1));
  EXPECT_NE(listenerThread.load(), std::this_thread::get_id());
  constexpr int kThreads = 8, kWrites = 500;
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < kWrites; ++i) {
        tcp->write("0123456789");
        (void)tcp->bufferedAmount();
      }
    });
  }
  for (auto& w : writers) w.join();
  const std::size_t expected = kThreads * kWrites * 10;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (received < expected && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  EXPECT_EQ(received.load(), expected);
  tcp->close();
  ASSERT_TRUE(closed.waitFor(1));
  rt.stop();
  EXPECT_EQ(rt.socketCount(), 0u);
}

TEST(Runtime, StopFromTheLoopThreadDoesNotJoinItselfAndStartWorksAgain) {
  servers::TcpEchoServer server;
  Runtime rt;
  rt.start();
  Latch stopped;
  auto tcp = rt.createTCPSocket();
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) {
    rt.stop();  // on the loop thread: must not join itself
    stopped.add();
  });
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  ASSERT_TRUE(stopped.waitFor(1));
  Latch closed;
  tcp->onClose([&](const TCPSocket::CloseEvent&) { closed.add(); });
  tcp->close();
  rt.start();  // joins the old thread, starts a new one
  ASSERT_TRUE(closed.waitFor(1));
  rt.stop();
}

TEST(Runtime, DestroyedWithSocketsOpenAndPendingOperations) {
  servers::TcpEchoServer server;
  BlackholeListener hole;
  std::shared_ptr<TCPSocket> open, connecting, resolving, idle;
  int events = 0;
  {
    Runtime rt;
    open = rt.createTCPSocket();
    open->onMessage([&](const TCPSocket::MessageEvent&) { ++events; });
    open->connect({.address = "127.0.0.1", .port = server.port()});
    ASSERT_TRUE(runUntil(rt, [&] { return server.acceptedCount() == 1; }));
    open->write(std::string(8 << 20, 'w'));  // pending write
    connecting = rt.createTCPSocket();
    connecting->connect({.address = "127.0.0.1", .port = hole.port()});
    resolving = rt.createTCPSocket();
    resolving->connect({.address = "localhost", .port = server.port()});
    idle = rt.createTCPSocket();
    // A listener that captures its own handle: the runtime's destruction breaks the cycle.
    idle->onClose([idle](const TCPSocket::CloseEvent&) {});
    rt.runFor(1ms);
  }
  // Calls after the runtime is gone do nothing, and report nothing.
  open->write("after");
  open->close();
  connecting->connect({.address = "127.0.0.1", .port = 1});
  idle->bindWifi({.BSSID = "xxx"});
  EXPECT_EQ(open->bufferedAmount(), 0u);
  SUCCEED();
}

TEST(Runtime, DestroyedWhileOtherThreadsCallIntoItsSockets) {
  servers::TcpEchoServer server;
  std::atomic<bool> go{true};
  std::vector<std::thread> callers;
  std::shared_ptr<TCPSocket> tcp;
  {
    Runtime rt;
    rt.start();
    tcp = rt.createTCPSocket();
    tcp->connect({.address = "127.0.0.1", .port = server.port()});
    for (int t = 0; t < 4; ++t) {
      callers.emplace_back([&, t] {
        for (int i = 0; i < 20000 && go; ++i) {
          tcp->write("spam");
          tcp->onMessage([](const TCPSocket::MessageEvent&) {});
          tcp->offMessage();
          if (t == 0 && i % 100 == 0) tcp->bindWifi({.BSSID = "xxx"});
        }
      });
    }
    std::this_thread::yield();
  }  // destroyed while the callers run
  go = false;
  for (auto& c : callers) c.join();
  tcp->close();
  SUCCEED();
}

TEST(Runtime, DestroyedInsideItsOwnListener) {
  servers::TcpEchoServer server;
  auto rt = std::make_unique<Runtime>();
  int connects = 0;
  auto tcp = rt->createTCPSocket();
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) {
    ++connects;
    rt.reset();  // run() returns afterwards; nothing touches the destroyed Runtime
  });
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  Runtime* raw = rt.get();
  raw->run();
  EXPECT_EQ(connects, 1);
  EXPECT_EQ(rt, nullptr);
  tcp->write("no-op");
}

TEST(Runtime, StopThenStartInsideABackgroundListenerKeepsTheLoopRunning) {
  servers::TcpEchoServer server;
  Runtime rt;
  rt.start();
  Latch echoed, closed;
  auto tcp = rt.createTCPSocket();
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) {
    rt.stop();   // on the loop thread ...
    rt.start();  // ... and undone: must neither join itself nor end the loop
    tcp->write("still running");
  });
  tcp->onMessage([&](const TCPSocket::MessageEvent&) {
    echoed.add();
    tcp->close();
  });
  tcp->onClose([&](const TCPSocket::CloseEvent&) { closed.add(); });
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  EXPECT_TRUE(echoed.waitFor(1));
  EXPECT_TRUE(closed.waitFor(1));
  rt.stop();
}

TEST(Runtime, RunAfterTheBackgroundLoopStoppedItselfNeverRunsTwoLoopsAtOnce) {
  servers::TcpEchoServer server;
  Runtime rt;
  rt.start();
  std::atomic<int> inside{0}, maxInside{0};
  auto enter = [&] {
    const int now = ++inside;
    int seen = maxInside.load();
    while (now > seen && !maxInside.compare_exchange_weak(seen, now)) {
    }
  };
  Latch stopped;
  std::atomic<bool> mainIsRunning{false};
  auto first = rt.createTCPSocket();
  first->onConnect([&](const TCPSocket::ConnectEvent&) {
    enter();
    rt.stop();
    stopped.add();
    // Stay inside this handler until the main thread has entered runFor() (bounded).
    const auto until = std::chrono::steady_clock::now() + 2s;
    while (!mainIsRunning && std::chrono::steady_clock::now() < until) std::this_thread::yield();
    const auto linger = std::chrono::steady_clock::now() + 100ms;
    while (std::chrono::steady_clock::now() < linger) std::this_thread::yield();
    --inside;
  });
  first->connect({.address = "127.0.0.1", .port = server.port()});
  ASSERT_TRUE(stopped.waitFor(1));
  auto second = rt.createTCPSocket();
  int closes = 0;
  second->onClose([&](const TCPSocket::CloseEvent&) {
    enter();
    ++closes;
    --inside;
  });
  second->close();
  mainIsRunning = true;
  rt.runFor(2s);
  EXPECT_EQ(closes, 1);
  EXPECT_EQ(maxInside.load(), 1);  // never two listeners at once
  first->close();
  rt.runFor(2s);
}

TEST(Runtime, AThrowingListenerIsReportedAndTheLoopGoesOn) {
  servers::TcpEchoServer server;
  Recorder rec;
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  rec.attach(*tcp);
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) { throw std::runtime_error("listener bug"); });
  rec.onMessageHook = [&](const TCPSocket::MessageEvent&) {
    tcp->close();
    throw 42;  // not even a std::exception
  };
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  tcp->write("x");
  EXPECT_NO_THROW(rt.run());
  EXPECT_EQ(rec.connects, 1);  // the listener after the throwing one still ran
  EXPECT_EQ(rec.received, "x");
  EXPECT_EQ(rec.closes, 1);
  EXPECT_EQ(rt.socketCount(), 0u);
}

TEST(Runtime, ACallFromTheLoopThreadDoesNotOvertakeOneQueuedFromAnotherThread) {
  servers::TcpEchoServer server;
  Runtime rt;
  rt.start();
  auto tcp = rt.createTCPSocket();
  Latch connected, received;
  std::atomic<bool> aWritten{false};
  std::string got;
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) {
    connected.add();
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (!aWritten && std::chrono::steady_clock::now() < until) std::this_thread::yield();
    tcp->write("B");  // called after "A" was written from the main thread
  });
  tcp->onMessage([&](const TCPSocket::MessageEvent& e) {
    got += text(e.message);
    if (got.size() == 2) received.add();
  });
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  ASSERT_TRUE(connected.waitFor(1));
  tcp->write("A");
  aWritten = true;
  ASSERT_TRUE(received.waitFor(1));
  EXPECT_EQ(got, "AB");
  tcp->close();
  rt.stop();
}

TEST(Runtime, ASocketNeverUsedIsReleasedWithItsLastHandle) {
  Runtime rt;
  for (int i = 0; i < 1000; ++i) {
    auto tcp = rt.createTCPSocket();
    tcp->onMessage([](const TCPSocket::MessageEvent&) {});  // listeners alone are not a use
    auto udp = rt.createUDPSocket("udp4");
  }
  // Released once their queued work (creation, listener registrations) has run.
  EXPECT_TRUE(runUntil(
      rt, [&] { return rt.socketCount() == 0u; }, 10s))
      << rt.socketCount() << " sockets nobody can use any more are still held";

  // Kept while a handle lives; a weak_ptr to a used one stays valid until its Close.
  auto kept = rt.createTCPSocket();
  EXPECT_EQ(rt.socketCount(), 1u);
  std::weak_ptr<TCPSocket> used;
  int closes = 0;
  {
    auto tcp = rt.createTCPSocket();
    tcp->onClose([&](const TCPSocket::CloseEvent&) { ++closes; });
    tcp->close();  // a use: held until its Close, whatever happens to the handle
    used = tcp;
  }
  EXPECT_EQ(rt.socketCount(), 2u);
  EXPECT_FALSE(used.expired());
  ASSERT_TRUE(runUntil(
      rt, [&] { return closes == 1; }, 10s));
  EXPECT_TRUE(runUntil(
      rt, [&] { return rt.socketCount() == 1u; }, 10s))
      << rt.socketCount();  // `kept` only
  kept.reset();
  EXPECT_EQ(rt.socketCount(), 0u);
}

TEST(Runtime, AnInvalidTypeStillReportsErrorAndCloseWhenTheHandleIsDroppedAtOnce) {
  Runtime rt;
  int errors = 0, closes = 0;
  {
    auto dropped = rt.createTCPSocket({.type = "ipv5"},
                                      {.onError = [&](const ErrorEvent&) { ++errors; },
                                       .onClose = [&](const TCPSocket::CloseEvent&) { ++closes; }});
  }
  ASSERT_TRUE(runUntil(
      rt, [&] { return closes == 1; }, 10s));
  EXPECT_EQ(errors, 1);
  EXPECT_EQ(rt.socketCount(), 0u);
}
