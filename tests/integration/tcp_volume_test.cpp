// Volume: a 64 MiB byte-exact round trip, a 256 MiB write delivered whole, and 1,000 sockets
// opened and closed (run under LeakSanitizer in CI).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <minisock/echo_servers.hpp>
#include <minisock/minisock.hpp>
#include <random>

#include "event_recorder.hpp"
#include "raw_peers.hpp"

using namespace minisock;
using namespace minisock::testing;
using namespace std::chrono_literals;

namespace {

/// A server that reads one connection to its end, counting the bytes and hashing them (FNV-1a).
struct CountingSink {
  std::atomic<std::uint64_t> bytes{0}, hash{0};
  RawServer server{[this](int fd, const std::atomic<bool>& stopping) {
    DrainResult r = drain(fd, stopping, 120);
    bytes = r.bytes;
    hash = r.hash;
    ::close(fd);
  }};
  /// Waits (at most 30 s) until `expected` bytes have been counted; returns the count.
  std::uint64_t waitForBytes(std::uint64_t expected) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (bytes.load() != expected && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    return bytes.load();
  }
};

}  // namespace

TEST(TCPVolume, SixtyFourMiBRoundTripIsByteExact) {
  constexpr std::size_t kSize = 64u << 20;
  std::vector<std::byte> payload(kSize);
  std::mt19937_64 rng(42);
  for (std::size_t i = 0; i < kSize; i += 8) {
    const std::uint64_t v = rng();
    std::memcpy(payload.data() + i, &v, 8);
  }
  servers::TcpEchoServer server;
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  std::vector<std::byte> received;
  received.reserve(kSize);
  int closes = 0, errors = 0;
  tcp->onMessage([&](const TCPSocket::MessageEvent& e) {
    received.insert(received.end(), e.message.begin(), e.message.end());
    if (received.size() == kSize) tcp->close();
  });
  tcp->onError([&](const ErrorEvent& e) {
    ++errors;
    ADD_FAILURE() << e.errMsg;
  });
  tcp->onClose([&](const TCPSocket::CloseEvent&) { ++closes; });
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  for (std::size_t off = 0; off < kSize; off += 1u << 20) {
    tcp->write(std::span<const std::byte>(payload).subspan(off, 1u << 20));
  }
  ASSERT_TRUE(runUntil(
      rt, [&] { return closes == 1; }, 120s));
  ASSERT_EQ(received.size(), kSize);
  EXPECT_TRUE(received == payload);
  EXPECT_EQ(errors, 0);
}

TEST(TCPVolume, AQuarterGiBWriteIsDeliveredWholeWithoutCopies) {
  constexpr std::size_t kSize = 256u << 20;
  CountingSink sink;
  std::vector<std::byte> payload(kSize);
  for (std::size_t i = 0; i < kSize; ++i) payload[i] = static_cast<std::byte>((i * 131u) >> 3);
  const std::uint64_t expectedHash = fnv1a(payload.data(), payload.size());
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  int closes = 0, errors = 0;
  std::size_t maxBuffered = 0;
  tcp->onError([&](const ErrorEvent& e) {
    ++errors;
    ADD_FAILURE() << e.errMsg;
  });
  tcp->onClose([&](const TCPSocket::CloseEvent&) { ++closes; });
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) {
    tcp->write(std::move(payload));  // ownership: no copy
    maxBuffered = tcp->bufferedAmount();
    tcp->close();  // graceful: everything is sent first
  });
  tcp->connect({.address = "127.0.0.1", .port = sink.server.port()});
  ASSERT_TRUE(runUntil(
      rt, [&] { return closes == 1; }, 120s));
  EXPECT_EQ(errors, 0);
  EXPECT_GT(maxBuffered, 0u);
  EXPECT_LE(maxBuffered, kSize);
  EXPECT_EQ(tcp->bufferedAmount(), 0u);
  EXPECT_EQ(sink.waitForBytes(kSize), kSize);
  EXPECT_EQ(sink.hash.load(), expectedHash);
}

// Drain (minisock's extension): a writer on the loop writes while the OS takes its writes
// at once and continues from Drain; every byte arrives, in order, and Drain never fires inside
// a write() or while bytes are still queued.
TEST(TCPDrain, AWriterContinuingFromDrainDeliversEveryByte) {
  constexpr std::size_t kSize = 32u << 20, kChunk = 64u << 10;
  CountingSink sink;
  std::vector<std::byte> payload(kSize);
  for (std::size_t i = 0; i < kSize; ++i) payload[i] = static_cast<std::byte>((i * 131u) >> 5);
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  std::size_t sent = 0;
  int drains = 0, closes = 0, drainsWhileBuffered = 0, drainsInsideWrite = 0;
  bool inWrite = false;
  auto pump = [&] {
    for (int i = 0; i < 10000 && sent < kSize && tcp->bufferedAmount() == 0; ++i) {
      inWrite = true;
      tcp->write(std::span<const std::byte>(payload).subspan(sent, kChunk));
      inWrite = false;
      sent += kChunk;
    }
    if (sent == kSize) tcp->close();  // graceful: the rest is sent first
  };
  tcp->onError([&](const ErrorEvent& e) { ADD_FAILURE() << e.errMsg; });
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) { pump(); });
  tcp->onDrain([&](const TCPSocket::DrainEvent&) {
    ++drains;
    if (inWrite) ++drainsInsideWrite;
    if (tcp->bufferedAmount() != 0) ++drainsWhileBuffered;
    if (sent < kSize) pump();
  });
  tcp->onClose([&](const TCPSocket::CloseEvent&) { ++closes; });
  tcp->connect({.address = "127.0.0.1", .port = sink.server.port()});
  ASSERT_TRUE(runUntil(
      rt, [&] { return closes == 1; }, 120s));
  EXPECT_EQ(sent, kSize);
  EXPECT_GT(drains, 0);  // 32 MiB do not fit in the socket's buffers at once
  EXPECT_EQ(drainsInsideWrite, 0);
  EXPECT_EQ(drainsWhileBuffered, 0);
  EXPECT_EQ(sink.waitForBytes(kSize), kSize);
  EXPECT_EQ(sink.hash.load(), fnv1a(payload.data(), payload.size()));
}

// A write the OS takes at once had nothing to wait for: no Drain. Bytes written before the
// connection was up did wait: one Drain, after Connect.
TEST(TCPDrain, OnlyBytesThatHadToWaitGiveDrain) {
  servers::TcpEchoServer server;
  Runtime rt;
  std::vector<std::string> order;
  auto early = rt.createTCPSocket();
  early->onConnect([&](const TCPSocket::ConnectEvent&) { order.emplace_back("connect"); });
  early->onDrain([&](const TCPSocket::DrainEvent&) { order.emplace_back("drain"); });
  early->onMessage([&](const TCPSocket::MessageEvent&) { order.emplace_back("message"); });
  early->connect({.address = "127.0.0.1", .port = server.port()});
  early->write("early");  // before the connection is up: queued

  auto direct = rt.createTCPSocket();
  int directDrains = 0, directMessages = 0;
  direct->onConnect([&](const TCPSocket::ConnectEvent&) { direct->write("ping"); });
  direct->onDrain([&](const TCPSocket::DrainEvent&) { ++directDrains; });
  direct->onMessage([&](const TCPSocket::MessageEvent&) { ++directMessages; });
  direct->connect({.address = "127.0.0.1", .port = server.port()});

  ASSERT_TRUE(runUntil(rt, [&] {
    return directMessages > 0 && std::count(order.begin(), order.end(), "message") > 0;
  }));
  EXPECT_EQ(directDrains, 0);
  ASSERT_GE(order.size(), 3u);
  EXPECT_EQ(order[0], "connect");
  EXPECT_EQ(order[1], "drain");
  EXPECT_EQ(std::count(order.begin(), order.end(), "drain"), 1);
  early->close();
  direct->close();
}

TEST(TCPVolume, AThousandSocketsOpenAndCloseWithoutLeaks) {
  servers::TcpEchoServer server;
  Runtime rt(Policy::unrestricted());
  int closes = 0, echoes = 0, errors = 0;
  constexpr int kTotal = 1000, kBatch = 100;
  for (int batch = 0; batch < kTotal / kBatch; ++batch) {
    std::vector<std::shared_ptr<TCPSocket>> sockets;
    for (int i = 0; i < kBatch; ++i) {
      auto s = rt.createTCPSocket();
      TCPSocket* raw = s.get();
      s->onMessage([&, raw](const TCPSocket::MessageEvent&) {
        ++echoes;
        raw->close();
      });
      s->onError([&](const ErrorEvent& e) {
        ++errors;
        ADD_FAILURE() << e.errMsg;
      });
      s->onClose([&](const TCPSocket::CloseEvent&) { ++closes; });
      s->connect({.address = "127.0.0.1", .port = server.port()});
      s->write("ping");
      sockets.push_back(std::move(s));
    }
    ASSERT_TRUE(runUntil(
        rt, [&] { return closes == (batch + 1) * kBatch; }, 60s))
        << "batch " << batch;
  }
  EXPECT_EQ(echoes, kTotal);
  EXPECT_EQ(errors, 0);
  EXPECT_TRUE(drained(rt));
  EXPECT_EQ(server.acceptedCount(), static_cast<std::uint64_t>(kTotal));
}
