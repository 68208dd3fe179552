// The raw client: blocking system calls and nothing else — the physical limit of each row on
// this machine (bench/README.md). WebSocket rows are not raw's: exit status 3.

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "common.hpp"

namespace {

using bench::Args;
using bench::Clock;
using bench::die;

std::string sysError(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

sockaddr_storage resolve(const std::string& host, int port, socklen_t& len) {
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) die("bad --host " + host + ": " + ::gai_strerror(rc));
  sockaddr_storage out{};
  std::memcpy(&out, res->ai_addr, res->ai_addrlen);
  len = res->ai_addrlen;
  ::freeaddrinfo(res);
  return out;
}

// Every blocking call is bounded: a peer silent for this long fails the run.
void setTimeouts(int fd, long rcvMicros, long sndMicros) {
  timeval r{rcvMicros / 1000000, rcvMicros % 1000000};
  timeval s{sndMicros / 1000000, sndMicros % 1000000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &r, sizeof r);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &s, sizeof s);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {
    if (fd_ < 0) die(sysError("socket"));
  }
  ~Fd() { ::close(fd_); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

int connectTcp(const Args& a) {
  socklen_t len = 0;
  const sockaddr_storage addr = resolve(a.host, a.port, len);
  const int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die(sysError("socket"));
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setTimeouts(fd, 5000000, 5000000);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0) die(sysError("connect"));
  return fd;
}

void sendAll(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      die(sysError("send"));
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

void recvAll(int fd, char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t r = ::recv(fd, p, n, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      die(sysError("recv"));
    }
    if (r == 0) die("recv: the server closed the connection");
    p += r;
    n -= static_cast<std::size_t>(r);
  }
}

// Runs `step` for `warmup` seconds unmeasured, then for `seconds`, and returns steps/second of
// the measured window. `step` returns how many units it completed (0 or 1 for a round trip).
template <class Step>
double timedRate(const Args& a, Step&& step) {
  const auto start = Clock::now();
  while (bench::secondsSince(start) < a.warmup) step();
  std::uint64_t count = 0;
  const auto open = Clock::now();
  double elapsed = 0;
  while ((elapsed = bench::secondsSince(open)) < a.seconds) count += step();
  return static_cast<double>(count) / elapsed;
}

int tcpPingPong(const Args& a) {
  Fd fd(connectTcp(a));
  const std::string msg = bench::payload(a.size);
  std::vector<char> in(a.size);
  const double rate = timedRate(a, [&]() -> std::uint64_t {
    sendAll(fd.get(), msg.data(), msg.size());
    recvAll(fd.get(), in.data(), in.size());
    return 1;
  });
  if (std::memcmp(in.data(), msg.data(), msg.size()) != 0) die("tcp_pingpong: echo differs");
  bench::report(rate, "round trips/s");
  return 0;
}

int tcpStream(const Args& a) {
  Fd fd(connectTcp(a));
  const std::string chunk = bench::payload(64 * 1024);
  const auto start = Clock::now();
  std::array<unsigned char, 8> total{};
  for (int i = 0; i < 8; ++i) total[i] = static_cast<unsigned char>(a.bytes >> (8 * i));
  sendAll(fd.get(), reinterpret_cast<const char*>(total.data()), total.size());
  for (std::uint64_t left = a.bytes; left > 0;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
    sendAll(fd.get(), chunk.data(), n);
    left -= n;
  }
  ::shutdown(fd.get(), SHUT_WR);
  std::array<unsigned char, 8> le{};
  recvAll(fd.get(), reinterpret_cast<char*>(le.data()), le.size());
  const double elapsed = bench::secondsSince(start);
  std::uint64_t count = 0;
  for (int i = 7; i >= 0; --i) count = (count << 8) | le[i];
  if (count != a.bytes)
    die("tcp_stream: the server counted " + std::to_string(count) + " bytes, not " +
        std::to_string(a.bytes));
  bench::report(static_cast<double>(a.bytes) / elapsed / 1e9, "GB/s",
                "\"seconds\":" + std::to_string(elapsed));
  return 0;
}

int udpSocket(const Args& a, bool connectIt, sockaddr_storage& server, socklen_t& len) {
  server = resolve(a.host, a.port, len);
  const int fd = ::socket(server.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die(sysError("socket"));
  if (connectIt && ::connect(fd, reinterpret_cast<const sockaddr*>(&server), len) != 0)
    die(sysError("connect"));
  return fd;
}

int udpPingPong(const Args& a) {
  sockaddr_storage server{};
  socklen_t len = 0;
  Fd fd(udpSocket(a, true, server, len));
  setTimeouts(fd.get(), 200000, 1000000);  // a datagram not echoed in 200 ms is lost
  // Each datagram carries a sequence number, so a late echo of a resent one is not counted.
  std::string msg = bench::payload(std::max<std::size_t>(a.size, 8));
  std::vector<char> in(msg.size() + 1);
  std::uint64_t seq = 0, lost = 0;
  const double rate = timedRate(a, [&]() -> std::uint64_t {
    ++seq;
    std::memcpy(msg.data(), &seq, sizeof seq);
    for (int attempt = 0;; ++attempt) {
      if (::send(fd.get(), msg.data(), msg.size(), 0) < 0 && errno != ENOBUFS && errno != EAGAIN)
        die(sysError("send"));
      for (;;) {
        const ssize_t r = ::recv(fd.get(), in.data(), in.size(), 0);
        if (r < 0) {
          if (errno == EINTR) continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED) break;
          die(sysError("recv"));
        }
        if (static_cast<std::size_t>(r) == msg.size() &&
            std::memcmp(in.data(), msg.data(), sizeof seq) == 0)
          return 1;
      }
      ++lost;
      if (attempt >= 25) die("udp_pingpong: no echo after 25 attempts");
    }
  });
  bench::report(rate, "round trips/s", "\"lost\":" + std::to_string(lost));
  return 0;
}

// udp_oneway: asks udp_blast for a stream lasting the warmup, the window and a margin, counts
// 64 B datagrams in the window with recvmmsg, then reads on until "end" so that the server has
// stopped sending when this client exits.
int udpOneway(const Args& a) {
  sockaddr_storage server{};
  socklen_t len = 0;
  Fd fd(udpSocket(a, false, server, len));
  sockaddr_storage local = server;  // bind the same family, ephemeral port
  if (local.ss_family == AF_INET)
    reinterpret_cast<sockaddr_in&>(local).sin_port = 0;
  else
    reinterpret_cast<sockaddr_in6&>(local).sin6_port = 0;
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&local), len) != 0) die(sysError("bind"));
  setTimeouts(fd.get(), 100000, 1000000);

  const long ms = std::lround((a.warmup + a.seconds) * 1000.0) + 100;
  const std::string go = "go " + std::to_string(ms);
  auto sendGo = [&] {
    if (::sendto(fd.get(), go.data(), go.size(), 0, reinterpret_cast<const sockaddr*>(&server),
                 len) < 0)
      die(sysError("sendto"));
  };

  constexpr int kBatch = 64;
  constexpr std::size_t kSlot = 2048;
  std::vector<char> data(kBatch * kSlot);
  std::array<iovec, kBatch> iov{};
  std::array<mmsghdr, kBatch> msgs{};
  for (int i = 0; i < kBatch; ++i) {
    iov[i] = {data.data() + i * kSlot, kSlot};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }

  sendGo();
  auto lastGo = Clock::now();
  bool started = false, ended = false;
  Clock::time_point open{}, close{};
  std::uint64_t count = 0;
  const auto giveUp = Clock::now() + std::chrono::duration<double>(a.warmup + a.seconds + 10);
  while (!ended && Clock::now() < giveUp) {
    const int n = ::recvmmsg(fd.get(), msgs.data(), kBatch, MSG_WAITFORONE, nullptr);
    const auto now = Clock::now();
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) die(sysError("recvmmsg"));
      if (!started && now - lastGo > std::chrono::seconds(1)) {
        sendGo();  // the request itself was lost
        lastGo = now;
      }
      if (started && now >= close) break;
      continue;
    }
    std::uint64_t got = 0;
    for (int i = 0; i < n; ++i) {
      if (msgs[i].msg_len == 64)
        ++got;
      else if (msgs[i].msg_len == 3 && std::memcmp(iov[i].iov_base, "end", 3) == 0)
        ended = true;
    }
    if (!started && got > 0) {
      started = true;
      open = now +
             std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(a.warmup));
      close = open +
              std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(a.seconds));
    }
    if (started && now >= open && now < close) count += got;
    if (ended && started && now < close) close = now;  // the blast ended early: shorter window
  }
  if (!started) die("udp_oneway: no datagram from udp_blast");
  const double window = std::chrono::duration<double>(close - open).count();
  if (window <= 0) die("udp_oneway: the blast ended before the window opened");
  bench::report(static_cast<double>(count) / window, "datagrams/s",
                "\"received\":" + std::to_string(count));
  return 0;
}

int run(const Args& a) {
  if (a.row == "tcp_pingpong") return tcpPingPong(a);
  if (a.row == "tcp_stream") return tcpStream(a);
  if (a.row == "udp_pingpong") return udpPingPong(a);
  if (a.row == "udp_oneway") return udpOneway(a);
  bench::unsupportedRow();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Args a = Args::parse(argc, argv);
    bench::applyRowDefaults(a, argc, argv);
    bench::giveUpAfterLimit(a);
    return run(a);
  } catch (const std::exception& e) {
    die(e.what());
  }
}
