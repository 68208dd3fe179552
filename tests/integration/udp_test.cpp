// UDPSocket against real sockets on loopback (v4 and v6): bind, send/receive with every
// option, connect/write, TTL, close, the after-close rules, bad input and volume.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <minisock/minisock.hpp>
#include <set>

#include "event_recorder.hpp"
#include "numbered.hpp"
#include "raw_peers.hpp"

using namespace minisock;
using namespace minisock::testing;
using namespace std::chrono_literals;

namespace {

struct UdpRecorder {
  std::vector<std::string> order;  // listening, message, error, close
  std::vector<std::string> messages;
  std::vector<UDPSocket::MessageEvent> infos;  // copies without the bytes
  std::vector<ErrorEvent> errors;
  void attach(UDPSocket& s) {
    s.onListening([this](const UDPSocket::ListeningEvent&) { order.emplace_back("listening"); });
    s.onMessage([this](const UDPSocket::MessageEvent& e) {
      order.emplace_back("message");
      messages.push_back(text(e.message));
      infos.push_back({{}, e.remoteInfo, e.localInfo});
    });
    s.onError([this](const ErrorEvent& e) {
      order.emplace_back("error");
      errors.push_back(e);
    });
    s.onClose([this](const UDPSocket::CloseEvent&) { order.emplace_back("close"); });
  }
  int count(const std::string& what) const {
    return static_cast<int>(std::count(order.begin(), order.end(), what));
  }
};

}  // namespace

TEST(UDPSocket, BindReturnsThePortAtOnceAndListeningFollows) {
  UdpRecorder rec;
  Runtime rt;
  auto udp = rt.createUDPSocket();
  rec.attach(*udp);
  const int port = udp->bind();
  EXPECT_GT(port, 0);  // before the loop has run
  ASSERT_TRUE(runUntil(rt, [&] { return rec.count("listening") == 1; }));
  udp->close();
  ASSERT_TRUE(runUntil(rt, [&] { return rec.count("close") == 1; }));
  EXPECT_EQ((std::vector<std::string>{"listening", "close"}), rec.order);
  EXPECT_TRUE(drained(rt));
}

class UDPFamilies : public ::testing::TestWithParam<const char*> {};

TEST_P(UDPFamilies, TenThousandDatagramEchoRoundTripWithEveryPayloadChecked) {
  const bool v6 = std::string(GetParam()) == "udp6";
  if (v6 && !hasIPv6Loopback()) GTEST_SKIP() << "::1 is not configured";
  const std::string loopback = v6 ? "::1" : "127.0.0.1";
  Runtime rt;
  auto server = rt.createUDPSocket(GetParam());
  auto client = rt.createUDPSocket(GetParam());
  const int serverPort = server->bind();
  ASSERT_GT(serverPort, 0);
  server->onMessage([&](const UDPSocket::MessageEvent& e) {
    server->send({.address = e.remoteInfo.address,
                  .port = e.remoteInfo.port,
                  .message = std::vector<std::byte>(e.message.begin(), e.message.end())});
  });
  constexpr int kCount = 10000;
  std::set<int> received;
  int bad = 0;
  std::string family;
  client->onMessage([&](const UDPSocket::MessageEvent& e) {
    family = e.remoteInfo.family;
    const std::string payload = text(e.message);
    const int seq = std::stoi(payload.substr(0, payload.find(':')));
    if (payload != std::to_string(seq) + ":" + std::string(static_cast<std::size_t>(seq % 97), 'p'))
      ++bad;
    received.insert(seq);
  });
  int errors = 0;
  client->onError([&](const ErrorEvent& e) {
    ++errors;
    ADD_FAILURE() << e.errMsg;
  });
  // In windows of 100, so that loopback buffers never overflow: every datagram must arrive.
  for (int base = 0; base < kCount; base += 100) {
    for (int i = base; i < base + 100; ++i) {
      client->send({.address = loopback,
                    .port = serverPort,
                    .message = std::to_string(i) + ":" +
                               std::string(static_cast<std::size_t>(i % 97), 'p')});
    }
    ASSERT_TRUE(runUntil(
        rt, [&] { return static_cast<int>(received.size()) == base + 100; }, 20s))
        << base;
  }
  EXPECT_EQ(static_cast<int>(received.size()), kCount);
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(family, v6 ? "IPv6" : "IPv4");
  EXPECT_EQ(client->droppedCount(), 0u);
  server->close();
  client->close();
  EXPECT_TRUE(drained(rt));
}

INSTANTIATE_TEST_SUITE_P(Families, UDPFamilies, ::testing::Values("udp4", "udp6"));

TEST(UDPSocket, SendBeforeBindBindsImplicitlyAndInfoIsFilled) {
  UdpRecorder srv, cli;
  Runtime rt;
  auto server = rt.createUDPSocket();
  auto client = rt.createUDPSocket();
  srv.attach(*server);
  cli.attach(*client);
  const int port = server->bind();
  client->send({.address = "127.0.0.1", .port = port, .message = "hello"});
  ASSERT_TRUE(
      runUntil(rt, [&] { return srv.count("message") == 1 && cli.count("listening") == 1; }));
  EXPECT_EQ(srv.messages[0], "hello");
  EXPECT_EQ(srv.infos[0].remoteInfo.address, "127.0.0.1");
  EXPECT_EQ(srv.infos[0].remoteInfo.family, "IPv4");
  EXPECT_GT(srv.infos[0].remoteInfo.port, 0);
  EXPECT_EQ(srv.infos[0].remoteInfo.size, 5u);
  EXPECT_EQ(srv.infos[0].localInfo.port, port);
  EXPECT_EQ(srv.infos[0].localInfo.family, "IPv4");
  server->close();
  client->close();
  EXPECT_TRUE(drained(rt));
}

TEST(UDPSocket, WriteWithoutConnectIsSendToTheAddressItNames) {
  // WeChat's UDPSocket.write: without a connect() before it, the same as send.
  UdpRecorder srv, cli;
  Runtime rt;
  auto server = rt.createUDPSocket();
  auto client = rt.createUDPSocket();
  srv.attach(*server);
  cli.attach(*client);
  const int port = server->bind();
  client->write({.address = "127.0.0.1", .port = port, .message = "written"});
  client->write({.message = "nowhere"});  // no address and no peer: refused, named
  ASSERT_TRUE(runUntil(rt, [&] { return srv.count("message") == 1 && cli.count("error") == 1; }));
  EXPECT_EQ(srv.messages[0], "written");
  EXPECT_NE(cli.errors[0].errMsg.find("write fail: no address"), std::string::npos)
      << cli.errors[0].errMsg;
  server->close();
  client->close();
  EXPECT_TRUE(drained(rt));
}

TEST(UDPSocket, ConnectTakesAHostNameAndWhatIsWrittenAfterItGoesToThatPeer) {
  // connect() looks the name up as send() does ("localhost": /etc/hosts, no DNS query); the
  // writes made before the lookup ends wait behind it, in order.
  UdpRecorder srv, cli;
  Runtime rt;
  auto server = rt.createUDPSocket();
  auto client = rt.createUDPSocket();
  srv.attach(*server);
  cli.attach(*client);
  const int port = server->bind();
  client->connect({.address = "localhost", .port = port});
  client->write({.message = "first"});
  client->send({.message = "second"});  // no address on a connected socket: to the peer
  ASSERT_TRUE(runUntil(rt, [&] { return srv.count("message") == 2; }));
  EXPECT_EQ(srv.messages, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(cli.count("error"), 0) << (cli.errors.empty() ? "" : cli.errors[0].errMsg);
  // A name the Policy refuses is refused before any lookup.
  Policy onlyExample = Policy::development();
  onlyExample.enforceDomainList = true;
  onlyExample.allowedDomains = {"example.com"};
  Runtime strict(onlyExample);
  UdpRecorder refused;
  auto other = strict.createUDPSocket();
  refused.attach(*other);
  other->connect({.address = "localhost", .port = port});
  ASSERT_TRUE(runUntil(strict, [&] { return refused.count("error") == 1; }));
  EXPECT_EQ(refused.errors[0].errCode, -3) << refused.errors[0].errMsg;
  server->close();
  client->close();
  other->close();
  EXPECT_TRUE(drained(rt));
  EXPECT_TRUE(drained(strict));
}

TEST(UDPSocket, OffsetAndLengthSelectASliceAndAreValidated) {
  UdpRecorder srv, cli;
  Runtime rt;
  auto server = rt.createUDPSocket();
  auto client = rt.createUDPSocket();
  srv.attach(*server);
  cli.attach(*client);
  const int port = server->bind();
  const std::string bytes = "0123456789";
  std::vector<std::byte> binary(reinterpret_cast<const std::byte*>(bytes.data()),
                                reinterpret_cast<const std::byte*>(bytes.data()) + bytes.size());
  client->send({.address = "127.0.0.1", .port = port, .message = binary, .offset = 2, .length = 3});
  client->send({.address = "127.0.0.1", .port = port, .message = binary, .offset = 7});
  client->send({.address = "127.0.0.1", .port = port, .message = binary, .offset = 11});
  client->send({.address = "127.0.0.1", .port = port, .message = binary, .offset = -1});
  client->send({.address = "127.0.0.1", .port = port, .message = binary, .offset = 5, .length = 6});
  client->send({.address = "127.0.0.1", .port = port, .message = binary, .length = -1});
  ASSERT_TRUE(runUntil(rt, [&] { return srv.count("message") == 2 && cli.count("error") == 4; }));
  EXPECT_EQ(srv.messages, (std::vector<std::string>{"234", "789"}));
  EXPECT_NE(cli.errors[0].errMsg.find("send fail: invalid offset 11"), std::string::npos)
      << cli.errors[0].errMsg;
  EXPECT_NE(cli.errors[1].errMsg.find("send fail: invalid offset -1"), std::string::npos);
  EXPECT_NE(cli.errors[2].errMsg.find("send fail: invalid length 6"), std::string::npos);
  EXPECT_NE(cli.errors[3].errMsg.find("send fail: invalid length -1"), std::string::npos);
  server->close();
  client->close();
}

TEST(UDPSocket, BadInputGivesClearErrors) {
  UdpRecorder rec;
  Runtime rt;
  auto udp = rt.createUDPSocket();
  rec.attach(*udp);
  udp->send({.address = "127.0.0.1", .port = 0, .message = "x"});
  udp->send({.address = "127.0.0.1", .port = 70000, .message = "x"});
  udp->send({.address = "", .port = 9999, .message = "x"});
  udp->send({.address = "1.2.3.4.5", .port = 9999, .message = "x"});
  udp->send({.address = "::1", .port = 9999, .message = "x"});  // IPv6 on udp4
  udp->setTTL(256);
  udp->setTTL(-1);
  udp->write({.message = "x"});  // not connected, and no address to send it to
  EXPECT_EQ(udp->bind(-5), 0);
  EXPECT_EQ(udp->bind(70000), 0);
  ASSERT_TRUE(runUntil(rt, [&] { return rec.count("error") == 10; }));
  EXPECT_EQ(rec.errors[0].errCode, 2);
  EXPECT_NE(rec.errors[0].errMsg.find("send fail: invalid port 0"), std::string::npos);
  EXPECT_EQ(rec.errors[1].errCode, 2);
  EXPECT_EQ(rec.errors[2].errCode, 1);
  EXPECT_NE(rec.errors[2].errMsg.find("send fail: invalid address"), std::string::npos);
  EXPECT_EQ(rec.errors[3].errCode, 1);
  EXPECT_EQ(rec.errors[4].errCode, 1);
  EXPECT_NE(rec.errors[5].errMsg.find("invalid TTL 256"), std::string::npos);
  EXPECT_NE(rec.errors[6].errMsg.find("invalid TTL -1"), std::string::npos);
  EXPECT_NE(rec.errors[7].errMsg.find("write fail: no address: the socket is not connected"),
            std::string::npos)
      << rec.errors[7].errMsg;
  EXPECT_EQ(rec.errors[8].errCode, 2);
  EXPECT_EQ(rec.errors[9].errCode, 2);
  EXPECT_EQ(rec.count("close"), 0);
  udp->close();
  EXPECT_TRUE(drained(rt));
}

TEST(UDPSocket, BindTwiceAndBindToAPortInUse) {
  UdpRecorder a, b;
  Runtime rt;
  auto first = rt.createUDPSocket();
  auto second = rt.createUDPSocket();
  a.attach(*first);
  b.attach(*second);
  const int port = first->bind();
  ASSERT_GT(port, 0);
  EXPECT_EQ(first->bind(), 0);       // already bound
  EXPECT_EQ(second->bind(port), 0);  // in use
  ASSERT_TRUE(runUntil(rt, [&] { return a.count("error") == 1 && b.count("error") == 1; }));
  EXPECT_NE(a.errors[0].errMsg.find("already bound"), std::string::npos);
  EXPECT_EQ(b.errors[0].errCode, -2);
  EXPECT_EQ(b.errors[0].errNo, EADDRINUSE);
  EXPECT_NE(b.errors[0].errMsg.find("errno:98"), std::string::npos) << b.errors[0].errMsg;
  EXPECT_GT(second->bind(), 0);  // a failed bind can be retried
  first->close();
  second->close();
  EXPECT_TRUE(drained(rt));
}

TEST(UDPSocket, ConnectThenWriteSendsToThePeer) {
  UdpRecorder srv, cli;
  Runtime rt;
  auto server = rt.createUDPSocket();
  auto client = rt.createUDPSocket();
  srv.attach(*server);
  cli.attach(*client);
  const int port = server->bind();
  client->bind();
  client->connect({.address = "127.0.0.1", .port = port});
  client->write({.address = "127.0.0.1", .port = port, .message = "via write"});
  client->setTTL(64);
  ASSERT_TRUE(runUntil(rt, [&] { return srv.count("message") == 1; }));
  EXPECT_EQ(srv.messages[0], "via write");
  EXPECT_EQ(cli.count("error"), 0) << (cli.errors.empty() ? "" : cli.errors[0].errMsg);
  server->close();
  client->close();
}

namespace {

// A raw UDP socket bound to 127.0.0.1 on an ephemeral port (-1 on failure); its port through
// `port`.
int boundRawUdp(int& port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return -1;
  }
  port = ntohs(a.sin_port);
  return fd;
}

// Sends `text` from the raw socket `fd` to 127.0.0.1:`port`; true when it left whole.
bool sendRaw(int fd, int port, std::string_view text) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ::sendto(fd, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
         static_cast<ssize_t>(text.size());
}

}  // namespace

// A bound UDPSocket (`server`, recorded) and two raw senders on 127.0.0.1, A and B, for the
// tests of which sender a Message names.
class UDPSocketSenders : public ::testing::Test {
 protected:
  void SetUp() override {
    rec.attach(*server);
    port = server->bind();
    ASSERT_TRUE(runUntil(rt, [&] { return rec.count("listening") == 1; }));
    a = boundRawUdp(portA);
    b = boundRawUdp(portB);
    ASSERT_GE(a, 0);
    ASSERT_GE(b, 0);
  }
  void TearDown() override {
    server->offMessage();  // the tests' listeners capture their own locals
    if (a >= 0) ::close(a);
    if (b >= 0) ::close(b);
    server->close();
    EXPECT_TRUE(runUntil(rt, [&] { return rec.count("close") == 1; }));
  }

  UdpRecorder rec;
  Runtime rt;
  std::shared_ptr<UDPSocket> server = rt.createUDPSocket();
  int port = 0;
  int a = -1, b = -1;
  int portA = 0, portB = 0;
};

TEST_F(UDPSocketSenders, AConnectedSocketNamesEachSenderRightlyAcrossTheConnect) {
  // A connected socket receives only from its peer, but datagrams queued before connect() are
  // from whoever sent them: each Message's remoteInfo must name its real sender.
  // 100 datagrams from B wait in the queue (more than one receive batch); the listener
  // connects to A on the first, so the rest are read after connect().
  constexpr int kEarly = 100;
  for (int i = 0; i < kEarly; ++i) sendRaw(b, port, minisock::test::numbered("b", i));
  bool connected = false;
  server->onMessage([&](const UDPSocket::MessageEvent&) {
    if (connected) return;
    connected = true;
    server->connect({.address = "127.0.0.1", .port = portA});
  });
  ASSERT_TRUE(runUntil(rt, [&] { return rec.count("message") == kEarly; }));
  // After connect(): A's datagrams arrive, B's are not delivered (the kernel filters them).
  sendRaw(b, port, "b-late");
  sendRaw(a, port, "a1");
  sendRaw(a, port, "a2");
  ASSERT_TRUE(runUntil(rt, [&] { return rec.count("message") == kEarly + 2; }));
  ASSERT_EQ(rec.messages.size(), static_cast<std::size_t>(kEarly + 2));
  for (int i = 0; i < kEarly; ++i) {
    EXPECT_EQ(rec.messages[i], minisock::test::numbered("b", i));
    EXPECT_EQ(rec.infos[i].remoteInfo.port, portB) << "datagram " << i;
    EXPECT_EQ(rec.infos[i].remoteInfo.address, "127.0.0.1");
  }
  EXPECT_EQ(rec.messages[kEarly], "a1");
  EXPECT_EQ(rec.messages[kEarly + 1], "a2");
  for (int i = kEarly; i < kEarly + 2; ++i) {
    EXPECT_EQ(rec.infos[i].remoteInfo.port, portA);
    EXPECT_EQ(rec.infos[i].remoteInfo.address, "127.0.0.1");
    EXPECT_EQ(rec.infos[i].remoteInfo.family, "IPv4");
    EXPECT_EQ(rec.infos[i].remoteInfo.size, 2u);
  }
  EXPECT_EQ(rec.count("error"), 0) << (rec.errors.empty() ? "" : rec.errors[0].errMsg);
  // connect() again, to B, from the listener of "a3": "a4", received with it, still names A.
  bool reconnected = false;
  server->onMessage([&](const UDPSocket::MessageEvent& m) {
    if (reconnected || m.message.size() != 2) return;
    reconnected = true;
    server->connect({.address = "127.0.0.1", .port = portB});
  });
  sendRaw(a, port, "a3");
  sendRaw(a, port, "a4");
  ASSERT_TRUE(runUntil(rt, [&] { return rec.count("message") == kEarly + 4; }));
  ASSERT_TRUE(reconnected);
  sendRaw(b, port, "b-after");
  ASSERT_TRUE(runUntil(rt, [&] { return rec.count("message") == kEarly + 5; }));
  EXPECT_EQ(rec.messages[kEarly + 2], "a3");
  EXPECT_EQ(rec.messages[kEarly + 3], "a4");
  EXPECT_EQ(rec.infos[kEarly + 2].remoteInfo.port, portA);
  EXPECT_EQ(rec.infos[kEarly + 3].remoteInfo.port, portA);
  EXPECT_EQ(rec.messages[kEarly + 4], "b-after");
  EXPECT_EQ(rec.infos[kEarly + 4].remoteInfo.port, portB);
  EXPECT_EQ(rec.count("error"), 0) << (rec.errors.empty() ? "" : rec.errors[0].errMsg);
}

TEST_F(UDPSocketSenders, ADatagramQueuedWhileAListenerConnectsKeepsItsSender) {
  // A one-datagram batch found the queue empty before its listener ran; the listener lets B's
  // second datagram in and then connects to A: that datagram was queued before the connect,
  // so it is B's, even though the last receive had seen an empty queue.
  server->onMessage([&](const UDPSocket::MessageEvent&) {
    if (rec.count("message") != 1) return;
    ASSERT_TRUE(sendRaw(b, port, "b1"));
    server->connect({.address = "127.0.0.1", .port = portA});
  });
  ASSERT_TRUE(sendRaw(b, port, "b0"));
  ASSERT_TRUE(runUntil(rt, [&] { return rec.count("message") == 2; }));
  ASSERT_TRUE(sendRaw(a, port, "a0"));
  ASSERT_TRUE(runUntil(rt, [&] { return rec.count("message") == 3; }));
  EXPECT_EQ((std::vector<std::string>{"b0", "b1", "a0"}), rec.messages);
  EXPECT_EQ(rec.infos[0].remoteInfo.port, portB);
  EXPECT_EQ(rec.infos[1].remoteInfo.port, portB);
  EXPECT_EQ(rec.infos[2].remoteInfo.port, portA);
}

TEST(UDPSocket, AfterCloseEverySendIsAnErrorAndNoMessageArrives) {
  UdpRecorder rec;
  Runtime rt;
  auto udp = rt.createUDPSocket();
  rec.attach(*udp);
  const int port = udp->bind();
  ASSERT_TRUE(runUntil(rt, [&] { return rec.count("listening") == 1; }));
  udp->close();
  ASSERT_TRUE(runUntil(rt, [&] { return rec.count("close") == 1; }));
  // A datagram to the old port is not delivered.
  int raw = ::socket(AF_INET, SOCK_DGRAM, 0);
  sendRaw(raw, port, "late");
  ::close(raw);
  udp->send({.address = "127.0.0.1", .port = port, .message = "a"});
  udp->send({.address = "127.0.0.1", .port = port, .message = "b"});
  udp->close();
  EXPECT_EQ(udp->bind(), 0);
  ASSERT_TRUE(runUntil(rt, [&] { return rec.count("error") == 4; }));
  rt.runFor(50ms);
  EXPECT_EQ(rec.count("message"), 0);
  EXPECT_EQ(rec.count("close"), 1);
  EXPECT_EQ(rec.count("error"), 4);
  EXPECT_NE(rec.errors[0].errMsg.find("task already closed"), std::string::npos);
  EXPECT_NE(rec.errors[2].errMsg.find("close fail: task already closed"), std::string::npos);
}

TEST(UDPSocket, AMessageListenerThatClosesWhileMoreDatagramsArrive) {
  Runtime rt;
  auto server = rt.createUDPSocket();
  auto client = rt.createUDPSocket();
  const int port = server->bind();
  int messages = 0, closes = 0;
  server->onMessage([&](const UDPSocket::MessageEvent&) {
    ++messages;
    server->close();
  });
  server->onClose([&](const UDPSocket::CloseEvent&) { ++closes; });
  for (int i = 0; i < 50; ++i)
    client->send({.address = "127.0.0.1", .port = port, .message = "burst"});
  ASSERT_TRUE(runUntil(rt, [&] { return closes == 1; }));
  rt.runFor(50ms);
  EXPECT_EQ(messages, 1);
  EXPECT_EQ(closes, 1);
  client->close();
  EXPECT_TRUE(drained(rt));
}

TEST(UDPSocket, OversizeDatagramIsDroppedCountedAndReported) {
  UdpRecorder rec;
  Runtime rt;  // development: the platform's limit, messages smaller than 4096 bytes
  auto server = rt.createUDPSocket();
  auto client = rt.createUDPSocket();
  rec.attach(*server);
  const int port = server->bind();
  client->send({.address = "127.0.0.1", .port = port, .message = std::string(5000, 'b')});
  client->send({.address = "127.0.0.1", .port = port, .message = std::string(4096, 'c')});
  client->send({.address = "127.0.0.1", .port = port, .message = std::string(4095, 's')});
  ASSERT_TRUE(runUntil(rt, [&] { return rec.count("message") == 1 && rec.count("error") == 2; }));
  EXPECT_EQ(rec.messages[0].size(), 4095u);
  EXPECT_NE(
      rec.errors[0].errMsg.find("a datagram of 5000 bytes exceeds Policy::maxUDPMessageSize (4095"),
      std::string::npos)
      << rec.errors[0].errMsg;
  EXPECT_NE(rec.errors[1].errMsg.find("a datagram of 4096 bytes exceeds"), std::string::npos)
      << rec.errors[1].errMsg;
  EXPECT_EQ(server->droppedCount(), 2u);
  server->close();
  client->close();
}

TEST(UDPSocket, ABurstOfAHundredThousandIsBoundedAndLossesAreCounted) {
  Runtime rt(Policy::unrestricted());
  auto server = rt.createUDPSocket();
  const int port = server->bind();
  std::uint64_t received = 0;
  server->onMessage([&](const UDPSocket::MessageEvent&) { ++received; });
  // A raw sender floods faster than the loop reads; the kernel drops what does not fit.
  int raw = ::socket(AF_INET, SOCK_DGRAM, 0);
  constexpr int kBurst = 100000;
  int sent = 0;
  for (int i = 0; i < kBurst; ++i) {
    if (sendRaw(raw, port, "0123456789abcdef")) ++sent;
  }
  ::close(raw);
  runUntil(
      rt, [&] { return received + server->droppedCount() >= static_cast<std::uint64_t>(sent); },
      20s);
  EXPECT_EQ(received + server->droppedCount(), static_cast<std::uint64_t>(sent))
      << "received " << received << ", dropped " << server->droppedCount();
  EXPECT_GT(received, 0u);
  EXPECT_GT(server->droppedCount(), 0u);  // the loop reads only in runUntil: the queue overflowed
  server->close();
  EXPECT_TRUE(drained(rt));
}

TEST(UDPSocket, InvalidTypeGivesErrorThenCloseAndPolicyRefusesOwnAddressInRelease) {
  UdpRecorder bad, rel;
  Runtime rt;
  auto udp = rt.createUDPSocket("udp5");
  bad.attach(*udp);
  ASSERT_TRUE(runUntil(rt, [&] { return bad.count("close") == 1; }));
  EXPECT_EQ((std::vector<std::string>{"error", "close"}), bad.order);
  EXPECT_NE(bad.errors[0].errMsg.find("invalid type 'udp5'"), std::string::npos);

  Runtime release(Policy::release());
  auto r = release.createUDPSocket();
  rel.attach(*r);
  r->send({.address = "127.1", .port = 9999, .message = "x"});
  ASSERT_TRUE(runUntil(release, [&] { return rel.count("error") == 1; }));
  EXPECT_EQ(rel.errors[0].errCode, -3);
  EXPECT_NE(rel.errors[0].errMsg.find("own address"), std::string::npos);
  r->close();
}
