#pragma once
/// @file
/// minisock::NetworkOptions: how a Runtime reaches the network beyond what the platform's API
/// offers (extensions, all opt-in): a proxy for TCPSocket and SocketTask.

#include <string>
#include <vector>

#include "minisock/export.hpp"

namespace minisock {

/// Extension (the platform has none): per-Runtime network settings. With the defaults
/// (everything empty) a Runtime behaves exactly as the platform documents.
/// @code
///   minisock::NetworkOptions network;
///   network.proxy = "socks5://user:secret@127.0.0.1:1080";
///   network.noProxy = {"localhost", ".internal.example"};
///   minisock::Runtime rt(minisock::Policy::development(), network);
/// @endcode
struct MINISOCK_API NetworkOptions {
  /// The proxy every TCPSocket and SocketTask (ws and wss) connects through; empty = none.
  /// `http://[user:password@]host[:port]` (HTTP CONNECT, with Basic credentials when given)
  /// or `socks5://[user:password@]host[:port]` (RFC 1928, username/password per RFC 1929;
  /// `socks5h://` is the same). The port defaults to 1080, as curl's does; user and password
  /// may be percent-encoded. The proxy resolves the destination's host name (minisock sends
  /// the name as written), and TLS and the WebSocket handshake run through the tunnel with
  /// the real host's SNI and certificate check. UDPSocket is never proxied.
  ///
  /// The Policy applies to the destination, not to the proxy: its rules on the host and port
  /// as written still refuse a destination; its rules on resolved addresses
  /// (allowOwnAddresses, lanAddressesOnly for names) cannot, since minisock never resolves a
  /// proxied name. The proxy's own address needs no exception.
  ///
  /// A URL that cannot be used (check() says why) makes every connection that would use it
  /// fail through its Error event, naming the problem.
  std::string proxy{};
  /// Destinations reached directly, not through the proxy, as curl's NO_PROXY: "*" (every
  /// destination), an IP address ("10.1.2.3", "::1"), an address block in CIDR notation
  /// ("10.0.0.0/8", "fd00::/8"), or a domain name, which matches itself and every name below
  /// it ("example.com" and ".example.com" both match "api.example.com"); case-insensitive.
  std::vector<std::string> noProxy{};

  /// The first problem of these settings, in the words an Error would use ("the proxy URL
  /// 'x' is not valid: …"); empty when they are usable. Credentials are never part of it.
  std::string check() const;
};

}  // namespace minisock
