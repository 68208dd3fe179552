#pragma once
// Real proxies for the tests, started on loopback ports they choose: tinyproxy (HTTP CONNECT,
// optionally with Basic credentials) and microsocks (SOCKS5, optionally with a user name and
// password), both from Debian (scripts/setup.sh installs them). Each runs in the foreground as
// a child process, in a fresh temporary directory, and is stopped (SIGTERM, then SIGKILL after
// 5 s) and waited for on destruction. Plus small blocking helpers for scripted proxies.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace minisock::testing {

/// A port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed).
int freeLoopbackPort();

struct Credentials {
  std::string user;
  std::string password;
};

/// A server program run as a child process until destruction.
class SpawnedServer {
 public:
  /// Starts argv (looked up in PATH; stdout and stderr to `logFile`) and waits until
  /// 127.0.0.1:`port` accepts connections (at most 10 s). Throws std::runtime_error naming
  /// the program and its log when it cannot be started or never listens.
  SpawnedServer(std::vector<std::string> argv, int port, std::string logFile);
  ~SpawnedServer();
  SpawnedServer(const SpawnedServer&) = delete;
  SpawnedServer& operator=(const SpawnedServer&) = delete;

  int port() const { return port_; }
  /// What the program has written so far.
  std::string log() const;

 private:
  int pid_ = -1;
  int port_ = 0;
  std::string logFile_;
};

/// A running tinyproxy (HTTP CONNECT to any port, from 127.0.0.1).
class Tinyproxy {
 public:
  explicit Tinyproxy(std::optional<Credentials> credentials = std::nullopt);
  ~Tinyproxy();
  int port() const { return server_->port(); }
  /// "http://[user:password@]127.0.0.1:<port>"
  std::string url() const;
  std::string log() const { return server_->log(); }
  /// CONNECT requests for `port` (any host) the proxy has logged so far ("Request (…): CONNECT
  /// host:port", one per tunnel asked for, granted or not): evidence that a connection went to it.
  int tunnelsTo(int port) const;

 private:
  std::string dir_;
  std::optional<Credentials> credentials_;
  std::optional<SpawnedServer> server_;
};

/// A running microsocks (SOCKS5).
class Microsocks {
 public:
  explicit Microsocks(std::optional<Credentials> credentials = std::nullopt);
  ~Microsocks();
  int port() const { return server_->port(); }
  /// "socks5://[user:password@]127.0.0.1:<port>"
  std::string url() const;
  /// Connections to `port` (any host) the proxy has logged so far ("connected to host:port").
  int tunnelsTo(int port) const;

 private:
  std::string dir_;
  std::optional<Credentials> credentials_;
  std::optional<SpawnedServer> server_;
};

/// Reads from fd until `terminator` has arrived (inclusive) or `limit` bytes, EOF or
/// `timeout`: what was read.
std::string readUntil(int fd, const std::string& terminator, std::size_t limit = 65536,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
/// Reads exactly n bytes (bounded by `timeout`); fewer on EOF or timeout.
std::string readExactly(int fd, std::size_t n,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace minisock::testing
