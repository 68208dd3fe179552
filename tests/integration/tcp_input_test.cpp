// Bad input and misuse: each gives a clear Error (and Close where a connection attempt
// ends), never a crash or hang.
#include <gtest/gtest.h>

#include <minisock/echo_servers.hpp>
#include <minisock/minisock.hpp>

#include "event_recorder.hpp"
#include "raw_peers.hpp"

using namespace minisock;
using namespace minisock::testing;
using namespace std::chrono_literals;

namespace {

struct Outcome {
  std::vector<std::string> order;
  std::vector<ErrorEvent> errors;
};

Outcome connectWith(TCPSocket::ConnectOption option, CreateTCPSocketOption create = {},
                    Policy policy = Policy::development()) {
  Recorder rec;
  Runtime rt(std::move(policy));
  auto tcp = rt.createTCPSocket(create);
  rec.attach(*tcp);
  tcp->connect(std::move(option));
  EXPECT_TRUE(runUntil(
      rt, [&] { return rec.closes == 1; }, 10s));
  EXPECT_TRUE(drained(rt));
  return {rec.order, rec.errorEvents};
}

}  // namespace

TEST(TCPSocketInput, InvalidPortsGiveErrCode2ThenClose) {
  for (int port : {0, -1, 65536, 1 << 30}) {
    Outcome o = connectWith({.address = "127.0.0.1", .port = port});
    ASSERT_EQ((std::vector<std::string>{"error", "close"}), o.order) << port;
    EXPECT_EQ(o.errors[0].errCode, 2);
    EXPECT_EQ(o.errors[0].errMsg,
              "connect fail: invalid port " + std::to_string(port) + " (must be 1-65535)");
  }
}

TEST(TCPSocketInput, InvalidAddressesGiveErrCode1ThenClose) {
  for (const char* address :
       {"", "1.2.3.4.5", "999.1.1.1", "bad host", "bad!host", "[::1", "::zz"}) {
    Outcome o = connectWith({.address = address, .port = 40000});
    ASSERT_EQ((std::vector<std::string>{"error", "close"}), o.order) << address;
    EXPECT_EQ(o.errors[0].errCode, 1) << address;
    EXPECT_NE(o.errors[0].errMsg.find("connect fail: invalid address '"), std::string::npos)
        << o.errors[0].errMsg;
  }
}

TEST(TCPSocketInput, IPv6AddressOnAnIPv4SocketIsRefused) {
  Outcome o = connectWith({.address = "::1", .port = 40000});
  ASSERT_EQ((std::vector<std::string>{"error", "close"}), o.order);
  EXPECT_EQ(o.errors[0].errCode, 1);
  EXPECT_NE(o.errors[0].errMsg.find("type \"ipv4\""), std::string::npos);
}

TEST(TCPSocketInput, InvalidTypeGivesErrorThenClose) {
  Recorder rec;
  Runtime rt;
  auto tcp = rt.createTCPSocket({.type = "ipv5"});
  rec.attach(*tcp);
  ASSERT_TRUE(runUntil(rt, [&] { return rec.closes == 1; }));
  EXPECT_EQ(rec.errorEvents.at(0).errMsg,
            "createTCPSocket fail: invalid type 'ipv5' (expected \"ipv4\" or \"ipv6\")");
  tcp->write("x");  // after Close: one Error per call
  ASSERT_TRUE(runUntil(rt, [&] { return rec.errors == 2; }));
  EXPECT_EQ((std::vector<std::string>{"error", "close", "error"}), rec.order);
}

TEST(TCPSocketInput, NegativeOrZeroTimeoutIsRefusedAndHugeTimeoutIsHonoured) {
  for (auto t : {-5ms, 0ms}) {
    Outcome o = connectWith({.address = "127.0.0.1", .port = 40000, .timeout = t});
    ASSERT_EQ((std::vector<std::string>{"error", "close"}), o.order);
    EXPECT_EQ(o.errors[0].errCode, -1);
    EXPECT_NE(o.errors[0].errMsg.find("invalid timeout"), std::string::npos);
  }
  RefusingPort refusing;  // the largest timeout must not overflow: the refusal still arrives
  Outcome o = connectWith({.address = "127.0.0.1",
                           .port = refusing.port(),
                           .timeout = std::chrono::milliseconds::max()});
  ASSERT_EQ((std::vector<std::string>{"error", "close"}), o.order);
  EXPECT_EQ(o.errors[0].errCode, -2);
}

TEST(TCPSocketInput, ConnectTwiceIsAnErrorAndTheFirstConnectionGoesOn) {
  servers::TcpEchoServer server;
  Recorder rec;
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  rec.attach(*tcp);
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) {
    tcp->connect({.address = "127.0.0.1", .port = server.port()});
    tcp->write("still here");
  });
  rec.onMessageHook = [&](const TCPSocket::MessageEvent&) {
    if (rec.received == "still here") tcp->close();
  };
  ASSERT_TRUE(runUntil(rt, [&] { return rec.closes == 1; }));
  EXPECT_EQ(rec.received, "still here");
  ASSERT_EQ(rec.errors, 2);
  EXPECT_EQ(rec.errorEvents[0].errMsg, "connect fail: socket is already connecting");
  EXPECT_EQ(rec.errorEvents[1].errMsg, "connect fail: socket is already connected");
  EXPECT_EQ(server.acceptedCount(), 1u);
}

TEST(TCPSocketInput, WriteWithoutConnectIsAnErrorAndTheSocketCanStillConnect) {
  servers::TcpEchoServer server;
  Recorder rec;
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  rec.attach(*tcp);
  tcp->write("lost?");
  ASSERT_TRUE(runUntil(rt, [&] { return rec.errors == 1; }));
  EXPECT_EQ(rec.errorEvents[0].errCode, -1);
  EXPECT_EQ(rec.closes, 0);
  EXPECT_EQ(tcp->bufferedAmount(), 0u);
  rec.onMessageHook = [&](const TCPSocket::MessageEvent&) { tcp->close(); };
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  tcp->write("ok");
  ASSERT_TRUE(runUntil(rt, [&] { return rec.closes == 1; }));
  EXPECT_EQ(rec.received, "ok");
}

TEST(TCPSocketInput, EveryCallAfterCloseGivesOneErrorAndNothingElse) {
  servers::TcpEchoServer server;
  Recorder rec;
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  rec.attach(*tcp);
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  tcp->close();
  ASSERT_TRUE(runUntil(rt, [&] { return rec.closes == 1; }));
  tcp->write("after");
  tcp->write(std::string(100000, 'x'));
  tcp->close();
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  ASSERT_TRUE(runUntil(rt, [&] { return rec.errors == 4; }));
  EXPECT_TRUE(drained(rt));
  rt.run();
  EXPECT_EQ(rec.errors, 4);
  EXPECT_EQ(rec.closes, 1);
  EXPECT_EQ(rec.errorEvents[0].errMsg, "write fail: socket is closed");
  EXPECT_EQ(rec.errorEvents[2].errMsg, "close fail: socket is already closed");
  EXPECT_EQ(rec.errorEvents[3].errMsg, "connect fail: socket is closed");
  EXPECT_EQ(tcp->bufferedAmount(), 0u);
  EXPECT_EQ(server.echoedBytes(), 0u);
}

TEST(TCPSocketInput, CloseBeforeConnectClosesAtOnceAndCloseWhileConnectingReportsUnsentData) {
  Recorder idle;
  Recorder connecting;
  BlackholeListener hole;
  Runtime rt;
  auto a = rt.createTCPSocket();
  idle.attach(*a);
  a->close();
  auto b = rt.createTCPSocket();
  connecting.attach(*b);
  b->connect({.address = "127.0.0.1", .port = hole.port()});
  b->write("pending");
  b->close();
  ASSERT_TRUE(runUntil(rt, [&] { return idle.closes == 1 && connecting.closes == 1; }));
  EXPECT_EQ((std::vector<std::string>{"close"}), idle.order);
  EXPECT_EQ((std::vector<std::string>{"error", "close"}), connecting.order);
  EXPECT_NE(connecting.errorEvents[0].errMsg.find("7 written bytes were not sent"),
            std::string::npos);
  EXPECT_TRUE(drained(rt));
}

TEST(TCPSocketInput, BindWifiIsAndroidOnly) {
  Recorder rec;
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  rec.attach(*tcp);
  int bound = 0;
  tcp->onBindWifi([&](const TCPSocket::BindWifiEvent&) { ++bound; });
  tcp->bindWifi({.BSSID = "xxx"});
  tcp->bindWifi({.BSSID = "a4:5e:60:c2:1f:03"});
  ASSERT_TRUE(runUntil(rt, [&] { return rec.errors == 2; }));
  EXPECT_EQ(rec.errorEvents[0].errCode, 3);
  EXPECT_NE(rec.errorEvents[0].errMsg.find("invalid BSSID 'xxx'"), std::string::npos);
  EXPECT_EQ(rec.errorEvents[1].errCode, 5);
  EXPECT_NE(rec.errorEvents[1].errMsg.find("Android only"), std::string::npos);
  EXPECT_EQ(rec.errorEvents[1].code(), make_error_code(ErrorCode::bindWifiAndroidOnly));
  EXPECT_EQ(bound, 0);
  EXPECT_EQ(rec.closes, 0);
  tcp->close();
  EXPECT_TRUE(drained(rt));
}

TEST(TCPSocketInput, ErrorCategoryNamesCodes) {
  EXPECT_STREQ(errorCategory().name(), "minisock");
  EXPECT_EQ(make_error_code(ErrorCode::invalidPort).message(), "invalid port");
  std::error_code ec = ErrorCode::noPermission;
  EXPECT_EQ(ec.value(), -3);
}
