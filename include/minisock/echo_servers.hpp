#pragma once
/// @file
/// Embedded loopback servers (used by the demo, the CLI's `serve` and the tests).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "minisock/export.hpp"

namespace minisock::servers {

/// A TCP echo server on its own thread: echoes every byte back to the sender, and closes its
/// side of a connection when the client closes its side.
class MINISOCK_API TcpEchoServer {
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
  std::unique_ptr<Impl> impl_{};
};

/// A WebSocket echo server (ws, or wss with a certificate) on its own thread: echoes every
/// message with its type (text/binary), answers pings and close frames (echoing the code and
/// reason), accepts permessage-deflate when offered and picks the first offered subprotocol.
class MINISOCK_API WsEchoServer {
 public:
  /// PEM files of the server certificate (chain) and its private key.
  struct Tls {
    std::string certFile{};  ///< the certificate chain, leaf first
    std::string keyFile{};   ///< the private key (unencrypted)
  };
  /// Listens on `host` and `port` (0 = a free port); with `tls`, speaks wss.
  /// Throws std::system_error when it cannot listen, or when the TLS files cannot be loaded.
  explicit WsEchoServer(const std::string& host = "127.0.0.1", std::uint16_t port = 0,
                        std::optional<Tls> tls = std::nullopt);
  ~WsEchoServer();
  WsEchoServer(const WsEchoServer&) = delete;
  WsEchoServer& operator=(const WsEchoServer&) = delete;

  /// The port it listens on.
  std::uint16_t port() const noexcept;
  /// Completed WebSocket upgrades so far.
  std::uint64_t acceptedCount() const noexcept;
  /// Messages echoed so far.
  std::uint64_t messageCount() const noexcept;
  /// The header fields of the most recent upgrade request.
  std::vector<std::pair<std::string, std::string>> lastRequestHeaders() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_{};
};

/// A UDP echo server on its own thread: sends every datagram back, unchanged, to its sender.
class MINISOCK_API UdpEchoServer {
 public:
  /// Binds `host` ("127.0.0.1", "::1", …) and `port` (0 = a free port chosen by the OS).
  /// Throws std::system_error when it cannot bind.
  explicit UdpEchoServer(const std::string& host = "127.0.0.1", std::uint16_t port = 0);
  /// Stops the server and closes its socket.
  ~UdpEchoServer();
  UdpEchoServer(const UdpEchoServer&) = delete;
  UdpEchoServer& operator=(const UdpEchoServer&) = delete;

  /// The port it is bound to.
  std::uint16_t port() const noexcept;
  /// Datagrams echoed so far.
  std::uint64_t echoedCount() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_{};
};

}  // namespace minisock::servers
