// Fault injection against real sockets on loopback: stalled readers and backpressure, a
// server that keeps sending after its close frame, an oversize message, TLS 1.0 only, and
// listener churn during dispatch.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <minisock/echo_servers.hpp>
#include <minisock/minisock.hpp>

#include "event_recorder.hpp"
#include "raw_peers.hpp"
#include "tls_fixture.hpp"
#include "ws_recorder.hpp"
#include "ws_scripted_server.hpp"

using namespace minisock;
using namespace minisock::testing;
using namespace std::chrono_literals;

namespace {

// Waits (bounded) until `flag` is set.
void waitFor(const std::atomic<bool>& flag, const std::atomic<bool>& stopping,
             std::chrono::seconds limit = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!flag && !stopping && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
}

}  // namespace

TEST(Faults, TcpServerStallsWhileTheClientWrites256MiBThenEverythingArrives) {
  constexpr std::size_t kSize = 256u << 20;
  std::atomic<bool> resume{false};
  std::atomic<std::uint64_t> gotBytes{0}, gotHash{0};
  RawServer stalled([&](int fd, const std::atomic<bool>& stopping) {
    waitFor(resume, stopping);  // does not read until told to
    DrainResult r = drain(fd, stopping, 120);
    gotBytes = r.bytes;
    gotHash = r.hash;
    ::close(fd);
  });
  std::vector<std::byte> payload(kSize);
  for (std::size_t i = 0; i < kSize; ++i) payload[i] = static_cast<std::byte>((i * 7u) ^ (i >> 11));
  const std::uint64_t expectedHash = fnv1a(payload.data(), payload.size());
  Recorder rec;
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  rec.attach(*tcp);
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) { tcp->write(std::move(payload)); });
  tcp->connect({.address = "127.0.0.1", .port = stalled.port()});
  ASSERT_TRUE(runUntil(rt, [&] { return rec.connects == 1; }));
  rt.runFor(300ms);
  // The kernel holds a few MiB at most; the rest waits in minisock, visible and not copied.
  const std::size_t buffered = tcp->bufferedAmount();
  EXPECT_GT(buffered, kSize - (64u << 20));
  EXPECT_LE(buffered, kSize);
  EXPECT_EQ(rec.errors, 0);
  resume = true;
  tcp->close();  // graceful: everything is sent first
  ASSERT_TRUE(runUntil(
      rt, [&] { return rec.closes == 1; }, 120s));
  EXPECT_EQ(rec.errors, 0);
  EXPECT_EQ(tcp->bufferedAmount(), 0u);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (gotBytes.load() != kSize && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  EXPECT_EQ(gotBytes.load(), kSize);
  EXPECT_EQ(gotHash.load(), expectedHash);
}

TEST(Faults, WebSocketServerStallsThenReadsEveryMessageInOrder) {
  std::atomic<bool> resume{false};
  Outbox<std::vector<std::string>> seen;
  WsScriptedServer server([&](ScriptedConnection& c) {
    c.sendHandshake();
    waitFor(resume, std::atomic<bool>{false});
    std::vector<std::string> payloads;
    for (int i = 0; i < 64; ++i) {
      auto f = c.readFrame(20s);
      if (!f) break;
      payloads.push_back(f->payload.substr(0, 16));
    }
    seen.set(std::move(payloads));
    c.sendClose(1000);
    c.waitForPeerClose(5s);
  });
  WsRecorder rec;
  Runtime rt;
  auto task = rt.connectSocket({.url = server.url("/")});
  rec.attach(*task);
  int ok = 0;
  std::vector<int> successOrder;
  task->onOpen([&](const SocketTask::OpenEvent&) {
    for (int i = 0; i < 64; ++i) {
      std::string m = std::to_string(i) + ":" + std::string(1u << 20, 'm');
      task->send({.data = std::move(m), .success = [&, i](const CallbackResult&) {
                    ++ok;
                    successOrder.push_back(i);
                  }});
    }
  });
  ASSERT_TRUE(runUntil(rt, [&] { return rec.opens.size() == 1; }));
  rt.runFor(300ms);
  EXPECT_GT(task->bufferedAmount(), 32u << 20);  // backpressure is visible
  EXPECT_LT(ok, 64);
  resume = true;
  ASSERT_TRUE(runUntil(
      rt, [&] { return !rec.closes.empty(); }, 60s));
  EXPECT_EQ(ok, 64);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(successOrder.at(static_cast<std::size_t>(i)), i);
  ASSERT_TRUE(seen.ready());
  const auto payloads = seen.get();
  ASSERT_EQ(payloads.size(), 64u);
  for (int i = 0; i < 64; ++i)
    EXPECT_EQ(payloads[static_cast<std::size_t>(i)].rfind(std::to_string(i) + ":", 0), 0u);
  EXPECT_EQ(rec.errors.size(), 0u);
}

TEST(Faults, ServerKeepsSendingAfterItsCloseFrame) {
  WsScriptedServer server([&](ScriptedConnection& c) {
    c.sendHandshake();
    c.sendFrame(0x1, "before");
    c.sendClose(4001, "going");
    for (int i = 0; i < 20; ++i) c.sendFrame(0x1, "after close");
    c.waitForPeerClose(5s);
  });
  WsRecorder rec;
  Runtime rt;
  auto task = rt.connectSocket({.url = server.url("/")});
  rec.attach(*task);
  ASSERT_TRUE(runUntil(rt, [&] { return !rec.closes.empty(); }));
  rt.runFor(100ms);
  EXPECT_EQ((std::vector<std::string>{"open", "message", "close"}), rec.order);
  EXPECT_EQ(rec.texts, std::vector<std::string>{"before"});
  EXPECT_EQ(rec.closes[0].code, 4001);
  EXPECT_EQ(rec.closes[0].reason, "going");
}

TEST(Faults, MessageAboveTheLimitFailsWith1009) {
  servers::WsEchoServer server;
  Policy policy = Policy::development();
  policy.maxWebSocketMessageSize = 1u << 20;
  WsRecorder rec;
  Runtime rt(policy);
  auto task = rt.connectSocket({.url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/"});
  rec.attach(*task);
  task->onOpen([&](const SocketTask::OpenEvent&) {
    task->send({.data = std::string(100, 'a')});
    task->send({.data = std::string((1u << 20) + 1, 'b')});  // echoed back: one byte too many
  });
  ASSERT_TRUE(runUntil(rt, [&] { return !rec.closes.empty(); }));
  EXPECT_EQ((std::vector<std::string>{"open", "message", "error", "close"}), rec.order);
  EXPECT_EQ(rec.closes[0].code, 1009);
}

TEST(Faults, TlsServerThatOffersOnlyTls10IsRefused) {
  const TlsFiles& files = tlsFiles();
  std::atomic<bool> handshakeFailed{false};
  RawServer tls10([&](int fd, const std::atomic<bool>&) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_VERSION);
    SSL_CTX_set_cipher_list(ctx, "DEFAULT@SECLEVEL=0");  // OpenSSL 3 offers TLS 1.0 only here
    SSL_CTX_use_certificate_chain_file(ctx, files.serverCert.c_str());
    SSL_CTX_use_PrivateKey_file(ctx, files.serverKey.c_str(), SSL_FILETYPE_PEM);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (SSL_accept(ssl) != 1) handshakeFailed = true;
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ::close(fd);
  });
  Policy policy = Policy::development();
  policy.caFile = files.caCert;
  WsRecorder rec;
  Runtime rt(policy);
  auto task = rt.connectSocket({.url = "wss://localhost:" + std::to_string(tls10.port()) + "/"});
  rec.attach(*task);
  ASSERT_TRUE(runUntil(rt, [&] { return !rec.closes.empty(); }));
  EXPECT_EQ((std::vector<std::string>{"error", "close"}), rec.order);
  EXPECT_NE(rec.errors.at(0).errMsg.find("TLS handshake failed"), std::string::npos)
      << rec.errors[0].errMsg;
  EXPECT_EQ(rec.closes[0].code, 1006);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!handshakeFailed && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_TRUE(handshakeFailed.load());
}

TEST(Faults, ThousandsOfListenersAddedAndRemovedDuringDispatch) {
  servers::TcpEchoServer server;
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  constexpr int kRounds = 20, kChurn = 1000;
  long addedCalls = 0;
  int rounds = 0, closes = 0;
  std::vector<ListenerId> added;
  tcp->onMessage([&](const TCPSocket::MessageEvent&) {
    ++rounds;
    // Remove everything added last time (they ran once each for this message) …
    for (auto id : added) tcp->offMessage(id);
    added.clear();
    // … and add a thousand more: they run from the next message on.
    for (int i = 0; i < kChurn; ++i)
      added.push_back(tcp->onMessage([&](const TCPSocket::MessageEvent&) { ++addedCalls; }));
    if (rounds < kRounds) {
      tcp->write("x");
    } else {
      tcp->close();
    }
  });
  tcp->onClose([&](const TCPSocket::CloseEvent&) { ++closes; });
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  tcp->write("x");
  ASSERT_TRUE(runUntil(
      rt, [&] { return closes == 1; }, 60s));
  EXPECT_EQ(rounds, kRounds);
  // Listeners added during one dispatch do not run for it; in the next dispatch the first
  // listener removes them before their turn, so they are skipped: they never run.
  EXPECT_EQ(addedCalls, 0);
}

TEST(Faults, EightThreadsCallTheSameSocketsAtOnce) {
  servers::TcpEchoServer tcpServer;
  servers::WsEchoServer wsServer;
  Runtime rt(Policy::unrestricted());
  rt.start();
  auto tcp = rt.createTCPSocket();
  auto task = rt.connectSocket({.url = "ws://127.0.0.1:" + std::to_string(wsServer.port()) + "/"});
  auto udp = rt.createUDPSocket();
  const int udpPort = udp->bind();
  std::atomic<long> tcpBytes{0}, wsMessages{0}, udpMessages{0}, sendOk{0};
  std::atomic<bool> open{false};
  tcp->onMessage(
      [&](const TCPSocket::MessageEvent& e) { tcpBytes += static_cast<long>(e.message.size()); });
  task->onOpen([&](const SocketTask::OpenEvent&) { open = true; });
  task->onMessage([&](const SocketTask::MessageEvent&) { ++wsMessages; });
  udp->onMessage([&](const UDPSocket::MessageEvent&) { ++udpMessages; });
  tcp->connect({.address = "127.0.0.1", .port = tcpServer.port()});
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!open && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  ASSERT_TRUE(open.load());
  constexpr int kThreads = 8, kCalls = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCalls; ++i) {
        tcp->write("abcd");
        task->send({.data = "m", .success = [&](const CallbackResult&) { ++sendOk; }});
        udp->send({.address = "127.0.0.1", .port = udpPort, .message = "u"});
        auto id = tcp->onMessage([](const TCPSocket::MessageEvent&) {});
        tcp->offMessage(id);
        (void)tcp->bufferedAmount();
        (void)task->bufferedAmount();
        (void)task->readyState();
      }
    });
  }
  for (auto& th : threads) th.join();
  const long total = kThreads * kCalls;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while ((tcpBytes < total * 4 || wsMessages < total ||
          udpMessages + static_cast<long>(udp->droppedCount()) < total) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_EQ(tcpBytes.load(), total * 4);
  EXPECT_EQ(wsMessages.load(), total);
  EXPECT_EQ(sendOk.load(), total);
  // UDP may drop under this load, but every datagram is accounted for: received or counted.
  EXPECT_EQ(udpMessages.load() + static_cast<long>(udp->droppedCount()), total);
  EXPECT_GT(udpMessages.load(), 0);
  tcp->close();
  task->close();
  udp->close();
  rt.stop();
}

// Found by fuzzing: a second Sec-WebSocket-Protocol or Sec-WebSocket-Extensions field in the
// 101 answer must not slip past the check of what was offered.
TEST(Faults, DuplicateProtocolOrExtensionFieldsInTheUpgradeAnswerAreRefused) {
  for (const char* extra :
       {"Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: evil\r\n",
        "Sec-WebSocket-Extensions: permessage-deflate\r\nSec-WebSocket-Extensions: x-evil\r\n"}) {
    WsScriptedServer server([extra](ScriptedConnection& c) {
      c.sendHandshake(extra);
      c.waitForPeerClose(5s);
    });
    WsRecorder rec;
    Runtime rt;
    auto task = rt.connectSocket(
        {.url = server.url("/"), .protocols = {"chat"}, .perMessageDeflate = true});
    rec.attach(*task);
    ASSERT_TRUE(runUntil(rt, [&] { return !rec.closes.empty(); }));
    EXPECT_EQ((std::vector<std::string>{"error", "close"}), rec.order) << extra;
    EXPECT_EQ(rec.closes.at(0).code, 1006);
  }
}

// Review C1: the server's close frame (or a reset) arrives while large sends are in flight:
// every send is answered exactly once, the accounting returns to 0, the close is reported.
TEST(Faults, ServerClosesWhileLargeSendsAreInFlight) {
  WsScriptedServer server([](ScriptedConnection& c) {
    c.sendHandshake();
    (void)c.readFrame(10s);
    c.sendClose(4000, "bye");
    for (int i = 0; i < 200; ++i) {  // drain until the client's close frame (bounded)
      auto f = c.readFrame(10s);
      if (!f || f->opcode == 0x8) break;
    }
    c.waitForPeerClose(5s);
  });
  WsRecorder rec;
  Runtime rt;
  auto task = rt.connectSocket({.url = server.url("/")});
  rec.attach(*task);
  int answered = 0;
  task->onOpen([&](const SocketTask::OpenEvent&) {
    for (int i = 0; i < 20; ++i) {
      task->send({.data = std::string(256u << 10, 'q'),
                  .complete = [&](const CallbackResult&) { ++answered; }});
    }
  });
  ASSERT_TRUE(runUntil(
      rt, [&] { return !rec.closes.empty() && answered == 20; }, 30s));
  EXPECT_EQ(answered, 20);
  EXPECT_EQ(task->bufferedAmount(), 0u);
  EXPECT_EQ(rec.closes[0].code, 4000);
  EXPECT_EQ(rec.closes[0].reason, "bye");
  EXPECT_TRUE(drained(rt));
}

TEST(Faults, ResetWhileLargeSendsAreInFlight) {
  WsScriptedServer server([](ScriptedConnection& c) {
    c.sendHandshake();
    (void)c.readFrame(10s);
    c.reset();
  });
  WsRecorder rec;
  Runtime rt;
  auto task = rt.connectSocket({.url = server.url("/")});
  rec.attach(*task);
  int answered = 0, failed = 0;
  task->onOpen([&](const SocketTask::OpenEvent&) {
    for (int i = 0; i < 20; ++i) {
      task->send({.data = std::string(1u << 20, 'r'),
                  .fail = [&](const CallbackResult&) { ++failed; },
                  .complete = [&](const CallbackResult&) { ++answered; }});
    }
  });
  ASSERT_TRUE(runUntil(
      rt, [&] { return !rec.closes.empty() && answered == 20; }, 30s));
  EXPECT_EQ(answered, 20);
  EXPECT_GT(failed, 0);
  EXPECT_EQ(task->bufferedAmount(), 0u);
  EXPECT_EQ((std::vector<std::string>{"open", "error", "close"}), rec.order);
  EXPECT_EQ(rec.closes[0].code, 1006);
}

// Review C2: close() must end even when the server stops reading (bounded: 15 s).
TEST(Faults, CloseEndsEvenWhenTheServerStopsReading) {
  std::atomic<bool> done{false};
  WsScriptedServer server([&](ScriptedConnection& c) {
    c.sendHandshake();
    waitFor(done, std::atomic<bool>{false}, 40s);  // never reads a byte
  });
  WsRecorder rec;
  Runtime rt;
  auto task = rt.connectSocket({.url = server.url("/")});
  rec.attach(*task);
  int answered = 0;
  task->onOpen([&](const SocketTask::OpenEvent&) {
    for (int i = 0; i < 16; ++i) {
      task->send({.data = std::string(4u << 20, 's'),
                  .complete = [&](const CallbackResult&) { ++answered; }});
    }
    task->close();
  });
  ASSERT_TRUE(runUntil(
      rt, [&] { return !rec.closes.empty() && answered == 16; }, 40s));
  EXPECT_EQ((std::vector<std::string>{"open", "error", "close"}), rec.order);
  EXPECT_NE(rec.errors.at(0).errMsg.find("did not finish within 15 s"), std::string::npos)
      << rec.errors[0].errMsg;
  EXPECT_EQ(rec.closes[0].code, 1006);
  EXPECT_EQ(task->bufferedAmount(), 0u);
  done = true;
}

// Review S1: a server that reads the close frame and never answers it.
TEST(Faults, ServerThatNeverAnswersTheCloseFrame) {
  WsScriptedServer server([](ScriptedConnection& c) {
    c.sendHandshake();
    (void)c.readFrame(10s);   // the client's close frame
    c.waitForPeerClose(20s);  // and silence
  });
  WsRecorder rec;
  Runtime rt;
  auto task = rt.connectSocket({.url = server.url("/")});
  rec.attach(*task);
  task->onOpen([&](const SocketTask::OpenEvent&) { task->close({.code = 4002}); });
  ASSERT_TRUE(runUntil(
      rt, [&] { return !rec.closes.empty(); }, 20s));
  EXPECT_EQ((std::vector<std::string>{"open", "error", "close"}), rec.order);
  EXPECT_NE(rec.errors.at(0).errMsg.find("did not answer the close frame within 5 s"),
            std::string::npos)
      << rec.errors[0].errMsg;
  EXPECT_EQ(rec.closes[0].code, 1006);
}

TEST(Faults, HeartbeatPingsAndFailsADeadConnection) {
  Outbox<int> pingOpcode;
  WsScriptedServer server([&](ScriptedConnection& c) {
    c.sendHandshake();
    auto f = c.readFrame(10s);  // the client's ping after the quiet period
    pingOpcode.set(f ? f->opcode : -1);
    c.waitForPeerClose(10s);  // never answers anything
  });
  WsRecorder rec;
  Runtime rt;
  auto task = rt.connectSocket({.url = server.url("/"), .heartbeat = 300ms});
  rec.attach(*task);
  ASSERT_TRUE(runUntil(
      rt, [&] { return !rec.closes.empty(); }, 20s));
  EXPECT_EQ((std::vector<std::string>{"open", "error", "close"}), rec.order);
  EXPECT_NE(rec.errors.at(0).errMsg.find("heartbeat"), std::string::npos) << rec.errors[0].errMsg;
  EXPECT_EQ(rec.errors[0].errNo, 600003);
  EXPECT_EQ(rec.closes[0].code, 1006);
  ASSERT_TRUE(pingOpcode.ready());
  EXPECT_EQ(pingOpcode.get(), 0x9);
}

TEST(Faults, UdpCloseReportsDatagramsStillQueued) {
  Runtime rt;
  auto udp = rt.createUDPSocket();
  std::vector<std::string> errors;
  int closes = 0;
  udp->onError([&](const ErrorEvent& e) { errors.push_back(e.errMsg); });
  udp->onClose([&](const UDPSocket::CloseEvent&) { ++closes; });
  udp->bind();
  udp->send({.address = "localhost",
             .port = 9,
             .message = "waits for the name"});  // queued behind resolution
  udp->close();
  ASSERT_TRUE(runUntil(rt, [&] { return closes == 1; }));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("1 queued datagram(s) were not sent"), std::string::npos) << errors[0];
}
