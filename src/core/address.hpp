#pragma once
// Parsing and classifying host strings and IP addresses, without sockets (sans-I/O).
// Every spelling Linux would accept as an IP address (127.1, 0x7f.1, 2130706433, [::1],
// ::ffff:127.0.0.1) is recognised here, so the policy checks see the real address.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace minisock::detail {

/// An IPv4 or IPv6 address in network byte order (IPv4 in bytes[0..3]).
struct IPAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};

  /// Text form ("127.0.0.1", "::1").
  std::string toString() const;
  /// IPv4-mapped IPv6 (::ffff:a.b.c.d) as IPv4; any other address unchanged.
  IPAddress unmapped() const;
  /// IPv4 as IPv4-mapped IPv6; IPv6 unchanged.
  IPAddress mapped() const;
  bool operator==(const IPAddress&) const = default;
};

enum class HostKind { ipv4, ipv6, name, invalid };

/// A host string after parsing: an IP literal, a normalised host name, or invalid (why).
struct ParsedHost {
  HostKind kind = HostKind::invalid;
  IPAddress ip;         ///< for ipv4/ipv6
  std::string name;     ///< for name: lower case, trailing dot removed
  std::string problem;  ///< for invalid: what is wrong
};

/// Parses an address as given to connect()/send().
ParsedHost parseHost(std::string_view input);

/// 127.0.0.0/8, 0.0.0.0/8, ::1, :: (and their IPv4-mapped forms).
bool isLoopbackOrUnspecified(const IPAddress& address);
/// Private, link-local and unique-local ranges (the platform's "LAN").
bool isLanAddress(const IPAddress& address);
/// Every address of this machine's network interfaces (getifaddrs), unmapped.
std::vector<IPAddress> interfaceAddresses();

/// Normalises a host name for comparison: lower case, one trailing dot removed.
std::string normaliseHostName(std::string_view name);

}  // namespace minisock::detail
