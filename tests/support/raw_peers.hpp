#pragma once
// Misbehaving and measuring TCP peers for the tests, on plain POSIX sockets (no Asio), each
// on 127.0.0.1 or ::1 with a port chosen by the OS. Every blocking wait is bounded.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

namespace minisock::testing {

/// FNV-1a, to compare large payloads without keeping them.
std::uint64_t fnv1a(const void* data, std::size_t size,
                    std::uint64_t seed = 1469598103934665603ull);

/// A listening socket whose connections are handled by `onAccept(fd)` on a thread, one at a
/// time. The handler owns the fd (and closes it). Stops and joins on destruction.
class RawServer {
 public:
  using Handler = std::function<void(int fd, const std::atomic<bool>& stopping)>;
  explicit RawServer(Handler onAccept, const std::string& host = "127.0.0.1", int backlog = 64);
  ~RawServer();
  int port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  int listenFd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

/// Reads from fd until EOF, error, `stopping` or `limit` seconds. Returns the bytes read and
/// their FNV-1a hash.
struct DrainResult {
  std::uint64_t bytes = 0;
  std::uint64_t hash = 1469598103934665603ull;
  bool eof = false;
};
DrainResult drain(int fd, const std::atomic<bool>& stopping, int limitSeconds = 60);

/// Sends all of data (bounded); false on error.
bool sendAll(int fd, const void* data, std::size_t size);

/// Sends a TCP reset: SO_LINGER {on, 0} then close.
void closeWithReset(int fd);

/// A bound but not listening socket: connecting to its port is refused (ECONNREFUSED).
class RefusingPort {
 public:
  RefusingPort();
  ~RefusingPort();
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

/// A listener whose accept queue is full and never drained: further SYNs are dropped, so a
/// connect to it hangs until the client's timeout.
class BlackholeListener {
 public:
  BlackholeListener();
  ~BlackholeListener();
  int port() const { return port_; }

 private:
  int listenFd_ = -1;
  int port_ = 0;
  int fillers_[2] = {-1, -1};
};

/// True when ::1 is configured on this machine.
bool hasIPv6Loopback();

}  // namespace minisock::testing
