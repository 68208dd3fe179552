#pragma once
/// @file Embedded loopback servers (used by the demo, the CLI's `serve` and the tests).

#include <cstdint>
#include <memory>
#include <string>

namespace minisock::servers {

/// A TCP echo server on its own thread: echoes every byte back to the sender, and closes its
/// side of a connection when the client closes its side.
class TcpEchoServer {
 public:
  /// Listens on `host` ("127.0.0.1", "::1", …) and `port` (0 = a free port chosen by the OS).
  /// Throws std::system_error when it cannot listen.
  explicit TcpEchoServer(const std::string& host = "127.0.0.1", std::uint16_t port = 0);
  /// Stops the server and closes every connection.
  ~TcpEchoServer();
  TcpEchoServer(const TcpEchoServer&) = delete;
  TcpEchoServer& operator=(const TcpEchoServer&) = delete;

  /// The port it listens on.
  std::uint16_t port() const noexcept;
  /// Connections accepted so far.
  std::uint64_t acceptedCount() const noexcept;
  /// Bytes echoed so far.
  std::uint64_t echoedBytes() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace minisock::servers
