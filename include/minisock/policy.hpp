#pragma once
/// @file
/// minisock::Policy: the connection rules a Runtime enforces before any packet leaves.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "minisock/export.hpp"

namespace minisock {

/// An inclusive range of port numbers.
struct PortRange {
  int first = 0;  ///< the lowest port of the range
  int last = 0;   ///< the highest port of the range (first for a single port)
};

/// The connection rules of one Runtime. Start from a preset and change any field:
/// @code
///   auto policy = minisock::Policy::release();
///   policy.allowedDomains = {"example.com"};
///   minisock::Runtime rt(policy);
/// @endcode
/// A refusal is reported through onError with errCode -3 (ErrorCode::noPermission) and an
/// errMsg naming the rule. Counters (quotas) are per Runtime.
struct MINISOCK_API Policy {
  /// Ports a TCPSocket may not connect to (the platform's list in release and development).
  std::vector<PortRange> blockedTCPPorts{};
  /// At most this many TCPSockets may be created per `tcpSocketWindow` (used or not, as the
  /// platform counts them); 0 = no limit. One over the limit reports the refusal (errCode -3)
  /// at its first use, then Close.
  int maxTCPSocketsPerWindow = 0;
  /// The rolling window of maxTCPSocketsPerWindow.
  std::chrono::seconds tcpSocketWindow{300};
  /// When true, host names must appear in allowedDomains (exact match, case-insensitive,
  /// a trailing dot ignored).
  bool enforceDomainList = false;
  /// The configured server domain names (used when enforceDomainList is true).
  std::vector<std::string> allowedDomains{};
  /// When true, IP-address literals must be LAN addresses (10/8, 172.16/12, 192.168/16,
  /// 169.254/16, fc00::/7, fe80::/10): the platform allows "non-local IP in LAN".
  bool lanAddressesOnly = false;
  /// When false, the device's own addresses are refused: 127.0.0.0/8, ::1, 0.0.0.0, ::,
  /// their IPv4-mapped forms, and every address of this machine's interfaces.
  bool allowOwnAddresses = true;
  /// Ports a WebSocket URL may not name; empty in every preset (the platform's port list is
  /// createTCPSocket's: WebSocket URLs get the wss and domain rules only).
  std::vector<PortRange> blockedWebSocketPorts{};
  /// At most this many WebSocket tasks connecting or open at once; 0 = no limit. A task over
  /// the limit is created, then gets Error "exceed max task count" (600007) and Close.
  int maxWebSockets = 0;
  /// Whether ws:// (unencrypted) URLs are allowed; release allows wss:// only.
  bool allowInsecureWebSocket = true;
  /// The largest WebSocket message accepted from a server; a larger one fails the connection
  /// (close 1009). Bounds the memory a hostile server can make a client use.
  std::size_t maxWebSocketMessageSize = 64u << 20;
  /// The largest UDP datagram delivered (the platform documents messages under 4096 bytes: 4095
  /// in the release and development presets);
  /// a larger one is dropped, counted in UDPSocket::droppedCount() and reported by an Error.
  std::size_t maxUDPMessageSize = 65527;
  /// Verify TLS certificates (wss). True in every preset; false is the developer tools'
  /// "do not verify" switch and must be set explicitly.
  bool verifyCertificates = true;
  /// Path of an extra PEM CA file trusted besides the system store; empty = system store only.
  std::string caFile{};
  /// The clock of the quotas; empty = std::chrono::steady_clock::now. Injectable for tests.
  std::function<std::chrono::steady_clock::time_point()> clock{};

  /// All that the platform enforces: blocked ports, 20 TCPSockets per 5 minutes, the domain
  /// list (empty until you fill allowedDomains), LAN-only IP literals, own addresses refused.
  static Policy release();
  /// Like the developer tools with their domain check off: no domain list, own addresses
  /// (loopback) allowed; blocked ports and quotas still apply. The default of a Runtime.
  static Policy development();
  /// General C++ use: no rule at all (certificate verification stays on).
  static Policy unrestricted();

  /// The platform's blocked TCP ports: below 1024, 1099, 1433, … 27019.
  static std::vector<PortRange> platformBlockedTCPPorts();
};

}  // namespace minisock
