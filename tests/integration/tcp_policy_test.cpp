// The connection Policy at connect(): blocked ports, the TCP quota, own addresses and the
// domain list; refused before any packet leaves.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <minisock/echo_servers.hpp>
#include <minisock/minisock.hpp>

#include "event_recorder.hpp"
#include "raw_peers.hpp"

using namespace minisock;
using namespace minisock::testing;
using namespace std::chrono_literals;

namespace {

// A listener on a blocked port (8000-8100), to prove nothing reaches it. -1 if none is free.
int listenOnBlockedPort(int& port) {
  for (port = 8000; port <= 8100; ++port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd, 8) == 0)
      return fd;
    ::close(fd);
  }
  return -1;
}

ErrorEvent refusal(Runtime& rt, TCPSocket::ConnectOption option,
                   CreateTCPSocketOption create = {}) {
  Recorder rec;
  auto tcp = rt.createTCPSocket(create);
  rec.attach(*tcp);
  tcp->connect(std::move(option));
  EXPECT_TRUE(runUntil(
      rt, [&] { return rec.closes == 1; }, 10s));
  EXPECT_EQ((std::vector<std::string>{"error", "close"}), rec.order) << option.address;
  return rec.errorEvents.empty() ? ErrorEvent{} : rec.errorEvents[0];
}

}  // namespace

TEST(TCPPolicy, BlockedPortIsRefusedBeforeAnyPacketLeaves) {
  int port = 0;
  int fd = listenOnBlockedPort(port);
  if (fd < 0) GTEST_SKIP() << "no port in 8000-8100 is free here";
  Runtime rt;  // development policy
  ErrorEvent e = refusal(rt, {.address = "127.0.0.1", .port = port});
  EXPECT_EQ(e.errCode, -3);
  EXPECT_EQ(e.code(), make_error_code(ErrorCode::noPermission));
  EXPECT_NE(e.errMsg.find("port " + std::to_string(port) + " is blocked"), std::string::npos)
      << e.errMsg;
  EXPECT_NE(e.errMsg.find("Policy::unrestricted()"), std::string::npos);
  int pending = ::accept(fd, nullptr, nullptr);
  EXPECT_LT(pending, 0);  // nothing ever connected
  ::close(fd);
  EXPECT_TRUE(drained(rt));
}

TEST(TCPPolicy, QuotaOfTwentyPerFiveMinutesWithAnInjectedClock) {
  servers::TcpEchoServer server;
  auto now =
      std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  Policy policy = Policy::development();
  policy.clock = [now] { return *now; };
  Runtime rt(policy);
  int closes = 0, connects = 0;
  std::vector<std::shared_ptr<TCPSocket>> sockets;
  for (int i = 0; i < 20; ++i) {
    auto s = rt.createTCPSocket();
    s->onConnect([&, raw = s.get()](const TCPSocket::ConnectEvent&) {
      ++connects;
      raw->close();
    });
    s->onClose([&](const TCPSocket::CloseEvent&) { ++closes; });
    s->connect({.address = "127.0.0.1", .port = server.port()});
    sockets.push_back(s);
  }
  ASSERT_TRUE(runUntil(rt, [&] { return closes == 20; }));
  EXPECT_EQ(connects, 20);
  ErrorEvent e = refusal(rt, {.address = "127.0.0.1", .port = server.port()});
  EXPECT_EQ(e.errCode, -3);
  EXPECT_NE(e.errMsg.find("more than 20 TCPSockets created within 300 s"), std::string::npos)
      << e.errMsg;
  *now += 299s;
  EXPECT_EQ(refusal(rt, {.address = "127.0.0.1", .port = server.port()}).errCode, -3);
  *now += 2s;  // the first grants left the window
  Recorder rec;
  auto again = rt.createTCPSocket();
  rec.attach(*again);
  again->onConnect([&](const TCPSocket::ConnectEvent&) { again->close(); });
  again->connect({.address = "127.0.0.1", .port = server.port()});
  ASSERT_TRUE(runUntil(rt, [&] { return rec.closes == 1; }));
  EXPECT_EQ(rec.connects, 1);
  EXPECT_EQ(rec.errors, 0);
  EXPECT_EQ(server.acceptedCount(), 21u);
}

TEST(TCPPolicy, TheQuotaCountsCreationsAndTheSocketOverItRefusesItsFirstUse) {
  // Seed 001: at most 20 TCPSockets *created* within 5 minutes. Sockets made and never used
  // count too, so a program that leaks them is caught.
  servers::TcpEchoServer server;
  Runtime rt;  // development: 20 per 300 s
  std::vector<std::shared_ptr<TCPSocket>> unused;
  for (int i = 0; i < 20; ++i) unused.push_back(rt.createTCPSocket());
  for (const char* use : {"connect", "write", "bindWifi"}) {
    SCOPED_TRACE(use);
    Recorder rec;
    auto over = rt.createTCPSocket();
    rec.attach(*over);
    if (std::string(use) == "connect")
      over->connect({.address = "127.0.0.1", .port = server.port()});
    if (std::string(use) == "write") over->write("x");
    if (std::string(use) == "bindWifi") over->bindWifi({.BSSID = "a4:5e:60:c2:1f:03"});
    ASSERT_TRUE(runUntil(rt, [&] { return rec.closes == 1; }));
    EXPECT_EQ(rec.order, (std::vector<std::string>{"error", "close"}));
    EXPECT_EQ(rec.errorEvents[0].errCode, -3);
    EXPECT_EQ(rec.errorEvents[0].errMsg.rfind(
                  std::string(use) + " fail: more than 20 TCPSockets created within 300 s (rule: "
                                     "maxTCPSocketsPerWindow)",
                  0),
              0u)
        << rec.errorEvents[0].errMsg;
  }
  // Nothing left the machine for them; the ones under the quota still connect.
  EXPECT_EQ(server.acceptedCount(), 0u);
  Recorder first;
  first.attach(*unused[0]);
  unused[0]->onConnect([&](const TCPSocket::ConnectEvent&) { unused[0]->close(); });
  unused[0]->connect({.address = "127.0.0.1", .port = server.port()});
  ASSERT_TRUE(runUntil(rt, [&] { return first.closes == 1; }));
  EXPECT_EQ(first.connects, 1);
  for (auto& s : unused) s->close();
  EXPECT_TRUE(drained(rt));
}

TEST(TCPPolicy, ReleaseRefusesTheDevicesOwnAddressesInEverySpelling) {
  servers::TcpEchoServer server;
  Runtime rt(Policy::release());
  for (const char* address :
       {"127.0.0.1", "127.1", "0x7f.1", "0177.0.0.1", "2130706433", "0.0.0.0"}) {
    ErrorEvent e = refusal(rt, {.address = address, .port = server.port()});
    EXPECT_EQ(e.errCode, -3) << address;
    EXPECT_NE(e.errMsg.find("own address"), std::string::npos) << e.errMsg;
  }
  for (const char* address : {"::1", "[::1]", "::ffff:127.0.0.1", "::"}) {
    ErrorEvent e = refusal(rt, {.address = address, .port = server.port()}, {.type = "ipv6"});
    EXPECT_EQ(e.errCode, -3) << address;
  }
  EXPECT_EQ(server.acceptedCount(), 0u);
}

TEST(TCPPolicy, ReleaseEnforcesTheDomainListAndChecksWhatNamesResolveTo) {
  servers::TcpEchoServer server;
  Policy policy = Policy::release();
  Runtime rt(policy);
  ErrorEvent e = refusal(rt, {.address = "LocalHost.", .port = server.port()});
  EXPECT_EQ(e.errCode, -3);
  EXPECT_NE(e.errMsg.find("url not in domain list"), std::string::npos) << e.errMsg;
  EXPECT_NE(e.errMsg.find("'localhost'"), std::string::npos) << e.errMsg;

  policy.allowedDomains = {"localhost"};
  Runtime listed(policy);
  e = refusal(listed,
              {.address = "localhost", .port = server.port()});  // listed, but it is 127.0.0.1
  EXPECT_EQ(e.errCode, -3);
  EXPECT_NE(e.errMsg.find("resolves to a refused address"), std::string::npos) << e.errMsg;
  EXPECT_EQ(server.acceptedCount(), 0u);
}

TEST(TCPPolicy, UnrestrictedAllowsBlockedPortsAndLoopback) {
  int port = 0;
  int fd = listenOnBlockedPort(port);
  if (fd < 0) GTEST_SKIP() << "no port in 8000-8100 is free here";
  Recorder rec;
  Runtime rt(Policy::unrestricted());
  auto tcp = rt.createTCPSocket();
  rec.attach(*tcp);
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) { tcp->close(); });
  tcp->connect({.address = "127.0.0.1", .port = port});
  // The listener never accepts, but the kernel completes the handshake: Connect fires.
  ASSERT_TRUE(runUntil(rt, [&] { return rec.closes == 1 || rec.errors > 0; }));
  EXPECT_EQ(rec.connects, 1);
  ::close(fd);
}
