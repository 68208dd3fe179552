// Listener rules: off by id inside the listener, off-all, adding during dispatch, close()
// inside onMessage, dropping handles, and the runtime's strong reference until Close.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <minisock/echo_servers.hpp>
#include <minisock/minisock.hpp>

#include "event_recorder.hpp"
#include "numbered.hpp"
#include "raw_peers.hpp"

using namespace minisock;
using namespace minisock::testing;
using namespace std::chrono_literals;

namespace {

// A peer that sends `chunks` separate messages, waiting for a 1-byte ack after each so that
// each arrives as its own Message event.
RawServer chattyPeer(int chunks) {
  return RawServer([chunks](int fd, const std::atomic<bool>& stopping) {
    for (int i = 0; i < chunks && !stopping; ++i) {
      std::string m = minisock::test::numbered("m", i) + ";";
      if (!sendAll(fd, m.data(), m.size())) break;
      char ack;
      if (::recv(fd, &ack, 1, 0) != 1) break;
    }
    drain(fd, stopping, 10);
    ::close(fd);
  });
}

}  // namespace

TEST(TCPSocketListeners, OffByIdInsideTheSameListenerStopsIt) {
  auto peer = chattyPeer(3);
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  int first = 0, second = 0, closes = 0;
  ListenerId id{};
  id = tcp->onMessage([&](const TCPSocket::MessageEvent&) {
    ++first;
    tcp->offMessage(id);
  });
  tcp->onMessage([&](const TCPSocket::MessageEvent&) {
    ++second;
    if (second < 3) {
      tcp->write("a");
    } else {
      tcp->close();
    }
  });
  tcp->onClose([&](const TCPSocket::CloseEvent&) { ++closes; });
  tcp->onConnect([&](const TCPSocket::ConnectEvent&) {});
  tcp->connect({.address = "127.0.0.1", .port = peer.port()});
  ASSERT_TRUE(runUntil(rt, [&] { return closes == 1; }));
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 3);
}

TEST(TCPSocketListeners, OffAllRemovesEveryListenerOfThatEventOnly) {
  servers::TcpEchoServer server;
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  int messages = 0, closes = 0;
  tcp->onMessage([&](const TCPSocket::MessageEvent&) { ++messages; });
  tcp->onMessage([&](const TCPSocket::MessageEvent&) { ++messages; });
  tcp->offMessage();
  int kept = 0;
  tcp->onMessage([&](const TCPSocket::MessageEvent&) {
    ++kept;
    tcp->close();
  });
  tcp->onClose([&](const TCPSocket::CloseEvent&) { ++closes; });
  tcp->offError();  // removing listeners that do not exist is fine
  tcp->offConnect(ListenerId{12345});
  tcp->connect({.address = "127.0.0.1", .port = server.port()});
  tcp->write("x");
  ASSERT_TRUE(runUntil(rt, [&] { return closes == 1; }));
  EXPECT_EQ(messages, 0);
  EXPECT_EQ(kept, 1);
}

TEST(TCPSocketListeners, ListenerAddedDuringDispatchRunsFromTheNextEvent) {
  auto peer = chattyPeer(3);
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  int outer = 0, inner = 0, closes = 0;
  tcp->onMessage([&](const TCPSocket::MessageEvent&) {
    ++outer;
    if (outer == 1) tcp->onMessage([&](const TCPSocket::MessageEvent&) { ++inner; });
    if (outer < 3) {
      tcp->write("a");
    } else {
      tcp->close();
    }
  });
  tcp->onClose([&](const TCPSocket::CloseEvent&) { ++closes; });
  tcp->connect({.address = "127.0.0.1", .port = peer.port()});
  ASSERT_TRUE(runUntil(rt, [&] { return closes == 1; }));
  EXPECT_EQ(outer, 3);
  EXPECT_EQ(inner, 2);
}

TEST(TCPSocketListeners, CloseInsideOnMessageStopsFurtherMessages) {
  RawServer peer([](int fd, const std::atomic<bool>& stopping) {
    std::string lots(1 << 20, 'q');  // more than one read's worth
    sendAll(fd, lots.data(), lots.size());
    drain(fd, stopping, 10);
    ::close(fd);
  });
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  int messages = 0, closes = 0, errors = 0;
  tcp->onMessage([&](const TCPSocket::MessageEvent&) {
    ++messages;
    tcp->close();
  });
  tcp->onClose([&](const TCPSocket::CloseEvent&) { ++closes; });
  tcp->onError([&](const ErrorEvent&) { ++errors; });
  tcp->connect({.address = "127.0.0.1", .port = peer.port()});
  ASSERT_TRUE(runUntil(rt, [&] { return closes == 1; }));
  EXPECT_EQ(messages, 1);
  EXPECT_TRUE(drained(rt));
  EXPECT_EQ(closes, 1);
}

TEST(TCPSocketListeners, DroppingTheHandleDoesNotEndTheConnection) {
  servers::TcpEchoServer server;
  Runtime rt;
  std::string received;
  int closes = 0;
  {
    auto tcp = rt.createTCPSocket();
    TCPSocket* raw = tcp.get();
    (void)raw;
    tcp->onMessage([&](const TCPSocket::MessageEvent& e) { received += text(e.message); });
    tcp->onClose([&](const TCPSocket::CloseEvent&) { ++closes; });
    tcp->connect({.address = "127.0.0.1", .port = server.port()});
    tcp->write("kept alive");
  }  // the last user handle is gone; the runtime holds the socket until Close
  EXPECT_EQ(rt.socketCount(), 1u);
  ASSERT_TRUE(runUntil(rt, [&] { return received == "kept alive"; }));
  EXPECT_EQ(closes, 0);
  EXPECT_EQ(rt.socketCount(), 1u);
}

TEST(TCPSocketListeners, DroppingTheLastHandleInsideACallbackIsSafe) {
  servers::TcpEchoServer server;
  Runtime rt;
  auto holder = std::make_shared<std::shared_ptr<TCPSocket>>(rt.createTCPSocket());
  int closes = 0, messages = 0;
  std::weak_ptr<TCPSocket> weak = *holder;
  (*holder)->onMessage([&, holder](const TCPSocket::MessageEvent&) {
    ++messages;
    (*holder)->close();
  });
  (*holder)->onClose([&, holder](const TCPSocket::CloseEvent&) {
    ++closes;
    holder->reset();  // the last handle, dropped inside the Close listener
  });
  (*holder)->connect({.address = "127.0.0.1", .port = server.port()});
  (*holder)->write("bye");
  std::weak_ptr<std::shared_ptr<TCPSocket>> holderWeak = holder;
  holder.reset();
  ASSERT_TRUE(runUntil(rt, [&] { return closes == 1; }));
  EXPECT_TRUE(drained(rt));
  EXPECT_EQ(messages, 1);
  EXPECT_TRUE(weak.expired());
}

TEST(TCPSocketListeners, ListenerIdsAreUniquePerSocket) {
  Runtime rt;
  auto tcp = rt.createTCPSocket();
  auto a = tcp->onMessage([](const TCPSocket::MessageEvent&) {});
  auto b = tcp->onMessage([](const TCPSocket::MessageEvent&) {});
  auto c = tcp->onClose([](const TCPSocket::CloseEvent&) {});
  EXPECT_NE(a, b);
  EXPECT_NE(b, c);
  EXPECT_NE(a, c);
  tcp->close();
  EXPECT_TRUE(drained(rt));
}

// A listener that holds a weak_ptr to its own socket (to avoid a cycle) finds it valid at every
// event while the Runtime holds the socket, though the owner dropped its last shared_ptr: the
// platform keeps a socket alive from creation to Close, handle included. For all three kinds.
TEST(WeakHandles, StayValidWhileTheRuntimeHoldsTheSocket) {
  servers::TcpEchoServer tcpServer;
  servers::UdpEchoServer udpServer;
  servers::WsEchoServer wsServer;
  Runtime rt;
  int expiredAtAnEvent = 0;
  int tcpEvents = 0, udpEvents = 0, taskEvents = 0;

  auto tcp = rt.createTCPSocket();
  std::weak_ptr<TCPSocket> tcpWeak = tcp;
  tcp->onConnect([&, tcpWeak](const TCPSocket::ConnectEvent&) {
    ++tcpEvents;
    if (auto self = tcpWeak.lock())
      self->write("echo");
    else
      ++expiredAtAnEvent;
  });
  tcp->onMessage([&, tcpWeak](const TCPSocket::MessageEvent&) {
    ++tcpEvents;
    if (auto self = tcpWeak.lock())
      self->close();
    else
      ++expiredAtAnEvent;
  });
  tcp->connect({.address = "127.0.0.1", .port = tcpServer.port()});

  auto udp = rt.createUDPSocket();
  std::weak_ptr<UDPSocket> udpWeak = udp;
  udp->onMessage([&, udpWeak](const UDPSocket::MessageEvent&) {
    ++udpEvents;
    if (auto self = udpWeak.lock())
      self->close();
    else
      ++expiredAtAnEvent;
  });
  udp->send({.address = "127.0.0.1", .port = udpServer.port(), .message = std::string("echo")});

  auto task = rt.connectSocket({.url = "ws://127.0.0.1:" + std::to_string(wsServer.port()) + "/"});
  std::weak_ptr<SocketTask> taskWeak = task;
  task->onOpen([&, taskWeak](const SocketTask::OpenEvent&) {
    ++taskEvents;
    if (auto self = taskWeak.lock())
      self->send({.data = std::string("echo")});
    else
      ++expiredAtAnEvent;
  });
  task->onMessage([&, taskWeak](const SocketTask::MessageEvent&) {
    ++taskEvents;
    if (auto self = taskWeak.lock())
      self->close();
    else
      ++expiredAtAnEvent;
  });

  tcp.reset();  // the owners' last handles
  udp.reset();
  task.reset();
  EXPECT_FALSE(tcpWeak.expired());
  EXPECT_FALSE(udpWeak.expired());
  EXPECT_FALSE(taskWeak.expired());
  ASSERT_TRUE(runUntil(rt, [&] { return rt.socketCount() == 0; }));
  EXPECT_EQ(expiredAtAnEvent, 0);
  EXPECT_EQ(tcpEvents, 2);
  EXPECT_EQ(udpEvents, 1);
  EXPECT_EQ(taskEvents, 2);
  // After Close the Runtime lets go: nothing holds the handles any more.
  EXPECT_TRUE(tcpWeak.expired());
  EXPECT_TRUE(udpWeak.expired());
  EXPECT_TRUE(taskWeak.expired());
}
