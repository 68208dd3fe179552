// A message from bytes on a socket to the user's listener, through the public API: a Runtime
// running its loop on start()'s thread, a UDPSocket or TCPSocket, and the benchmark's own
// thread writing with plain system calls on loopback. Each has a raw baseline (a thread doing
// blocking recv() on the same traffic), so the difference is what minisock adds.
//
// - BM_UdpReceive*: datagrams/s delivered as Message events. The writer sends batches of 32
//   64-byte datagrams with sendmmsg and keeps at most 256 unreceived (less than the socket's
//   buffer), so none are dropped; the rate is that of the receiving side: recvmsg, the sender's
//   address (cached), Message dispatch.
// - BM_TcpReceiveLatency*: one 64-byte write, then wait until the listener has seen it: the
//   time from send() to the listener, including the loop thread's wake-up from epoll. Noisier
//   than the rest (it is mostly the kernel's wake-up), but it is the whole path.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <benchmark/benchmark.h>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <minisock/minisock.hpp>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kBatch = 32;
constexpr std::uint64_t kWindow = 256;

int loopbackSocket(int type) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

int boundPort(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// Waits (spinning, then yielding) until `done()`; false after 2 s.
template <class Pred>
bool waitFor(Pred done) {
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  for (std::uint32_t spins = 0; !done(); ++spins) {
    if ((spins & 1023) == 1023) {
      if (Clock::now() > deadline) return false;
      std::this_thread::yield();
    }
  }
  return true;
}

// Sends datagrams to `port` in batches, at most kWindow ahead of `received`.
void udpWriter(benchmark::State& state, int port, const std::atomic<std::uint64_t>& received) {
  const int fd = loopbackSocket(SOCK_DGRAM);
  const sockaddr_in to = loopback(port);
  ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  char payload[64] = {};
  std::array<iovec, kBatch> iov{};
  std::array<mmsghdr, kBatch> msgs{};
  for (int i = 0; i < kBatch; ++i) {
    iov[i] = {payload, sizeof payload};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  std::uint64_t sent = 0;
  for (auto _ : state) {
    if (!waitFor(
            [&] { return sent - received.load(std::memory_order_acquire) <= kWindow - kBatch; })) {
      state.SkipWithError("datagrams lost: the receiver fell behind");
      break;
    }
    int done = 0;
    while (done < kBatch) {
      const int n = ::sendmmsg(fd, msgs.data() + done, kBatch - done, 0);
      if (n <= 0) break;
      done += n;
    }
    sent += static_cast<std::uint64_t>(done);
  }
  waitFor([&] { return received.load(std::memory_order_acquire) >= sent; });
  ::close(fd);
  state.SetItemsProcessed(static_cast<std::int64_t>(sent));
}

void BM_UdpReceive(benchmark::State& state) {
  minisock::Runtime rt(minisock::Policy::unrestricted());
  auto udp = rt.createUDPSocket();
  std::atomic<std::uint64_t> received{0};
  std::uint64_t bytes = 0;
  udp->onMessage([&](const minisock::UDPSocket::MessageEvent& m) {
    bytes += m.message.size();
    received.fetch_add(1, std::memory_order_release);
  });
  const int port = udp->bind();
  rt.start();
  udpWriter(state, port, received);
  udp->close();
  rt.stop();
  benchmark::DoNotOptimize(bytes);
}
BENCHMARK(BM_UdpReceive)->UseRealTime();

void BM_UdpReceiveRaw(benchmark::State& state) {
  const int fd = loopbackSocket(SOCK_DGRAM);
  const sockaddr_in at = loopback(0);
  ::bind(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at);
  std::atomic<std::uint64_t> received{0};
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    char buf[2048];
    while (!stop.load(std::memory_order_relaxed)) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      if (::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len) > 0)
        received.fetch_add(1, std::memory_order_release);
    }
  });
  udpWriter(state, boundPort(fd), received);
  stop = true;
  ::shutdown(fd, SHUT_RDWR);
  reader.join();
  ::close(fd);
}
BENCHMARK(BM_UdpReceiveRaw)->UseRealTime();

// One 64-byte write at a time to `conn`, each waited for at the receiving end.
void tcpLatency(benchmark::State& state, int conn, const std::atomic<std::uint64_t>& received) {
  char payload[64] = {};
  std::uint64_t sent = 0;
  for (auto _ : state) {
    if (::send(conn, payload, sizeof payload, MSG_NOSIGNAL) != sizeof payload) {
      state.SkipWithError("send failed");
      break;
    }
    sent += sizeof payload;
    if (!waitFor([&] { return received.load(std::memory_order_acquire) >= sent; })) {
      state.SkipWithError("the listener did not see the bytes within 2 s");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// A listening socket on loopback and its port.
struct Listener {
  Listener() : fd(loopbackSocket(SOCK_STREAM)) {
    const sockaddr_in at = loopback(0);
    ::bind(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at);
    ::listen(fd, 4);
    port = boundPort(fd);
  }
  ~Listener() { ::close(fd); }
  int accept() const {
    const int c = ::accept(fd, nullptr, nullptr);
    const int one = 1;
    if (c >= 0) ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return c;
  }
  int fd;
  int port = 0;
};

void BM_TcpReceiveLatency(benchmark::State& state) {
  Listener listener;
  minisock::Runtime rt(minisock::Policy::unrestricted());
  auto tcp = rt.createTCPSocket();
  std::atomic<std::uint64_t> received{0};
  tcp->onMessage([&](const minisock::TCPSocket::MessageEvent& m) {
    received.fetch_add(m.message.size(), std::memory_order_release);
  });
  tcp->connect({.address = "127.0.0.1", .port = listener.port});
  rt.start();
  const int conn = listener.accept();
  if (conn < 0) {
    state.SkipWithError("accept failed");
    return;
  }
  tcpLatency(state, conn, received);
  ::close(conn);
  tcp->close();
  rt.stop();
}
BENCHMARK(BM_TcpReceiveLatency)->UseRealTime();

void BM_TcpReceiveLatencyRaw(benchmark::State& state) {
  Listener listener;
  const int client = loopbackSocket(SOCK_STREAM);
  const sockaddr_in to = loopback(listener.port);
  ::connect(client, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  const int conn = listener.accept();
  std::atomic<std::uint64_t> received{0};
  std::thread reader([&] {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(client, buf, sizeof buf, 0);
      if (n <= 0) break;
      received.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_release);
    }
  });
  tcpLatency(state, conn, received);
  ::shutdown(conn, SHUT_RDWR);
  reader.join();
  ::close(conn);
  ::close(client);
}
BENCHMARK(BM_TcpReceiveLatencyRaw)->UseRealTime();

}  // namespace
