// Fuzzes parseHost and the address classification (src/core/address.*).
//
// Checks, for any input:
// - the result is consistent (invalid <=> a problem; names normalised, made of LDH labels);
// - the OS's own numeric readings win: whatever inet_aton / inet_pton(AF_INET6) accept is
//   parsed as that very address (never as a host name), and an IPv4 result is what inet_aton
//   reads (after the one trailing dot parseHost drops);
// - results round-trip through toString(), and names through parseHost again;
// - loopback/unspecified and LAN classification agree with a reference written here, and
//   do not change under IPv4-mapping.

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "core/address.hpp"

namespace {

using minisock::detail::HostKind;
using minisock::detail::IPAddress;
using minisock::detail::ParsedHost;

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "parse_host: check failed: %s (input '%.*s')\n", what,
               static_cast<int>(input.size()), input.data());
  std::abort();
}
#define CHECK(cond)                  \
  do {                               \
    if (!(cond)) fail(#cond, input); \
  } while (0)

IPAddress v4(const in_addr& a) {
  IPAddress ip;
  std::memcpy(ip.bytes.data(), &a, 4);
  return ip;
}

IPAddress v6(const in6_addr& a) {
  IPAddress ip;
  ip.v6 = true;
  std::memcpy(ip.bytes.data(), &a, 16);
  return ip;
}

bool isMapped(const IPAddress& a) {
  static constexpr std::array<std::uint8_t, 12> prefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return a.v6 && std::memcmp(a.bytes.data(), prefix.data(), 12) == 0;
}

// The reference classification, written from the documented ranges.
bool refOwn(const IPAddress& a) {
  if (!a.v6 || isMapped(a)) {
    const std::uint8_t first = a.v6 ? a.bytes[12] : a.bytes[0];
    return first == 127 || first == 0;  // 127.0.0.0/8, 0.0.0.0/8
  }
  for (int i = 0; i < 15; ++i) {
    if (a.bytes[i] != 0) return false;
  }
  return a.bytes[15] <= 1;  // :: and ::1
}

bool refLan(const IPAddress& a) {
  if (!a.v6 || isMapped(a)) {
    const std::uint8_t* b = a.bytes.data() + (a.v6 ? 12 : 0);
    const std::uint32_t x = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
                            (std::uint32_t{b[2]} << 8) | b[3];
    return (x >> 24) == 10 || (x >> 20) == ((172u << 4) | 1) || (x >> 16) == ((192u << 8) | 168) ||
           (x >> 16) == ((169u << 8) | 254);
  }
  return (a.bytes[0] >> 1) == (0xfc >> 1) || (a.bytes[0] == 0xfe && (a.bytes[1] >> 6) == 2);
}

bool isLdh(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

void checkAddress(const IPAddress& ip, std::string_view input) {
  using namespace minisock::detail;
  CHECK(isLoopbackOrUnspecified(ip) == refOwn(ip));
  CHECK(isLanAddress(ip) == refLan(ip));
  CHECK(isLoopbackOrUnspecified(ip.mapped()) == isLoopbackOrUnspecified(ip));
  CHECK(isLoopbackOrUnspecified(ip.unmapped()) == isLoopbackOrUnspecified(ip));
  CHECK(isLanAddress(ip.mapped()) == isLanAddress(ip));
  CHECK(isLanAddress(ip.unmapped()) == isLanAddress(ip));
  CHECK(!(isLanAddress(ip) && isLoopbackOrUnspecified(ip)));
  CHECK(ip.mapped().unmapped() == ip.unmapped());
  CHECK(ip.unmapped().mapped() == ip.mapped());
  CHECK(!ip.unmapped().v6 || !isMapped(ip.unmapped()));
  // Text round trip.
  const std::string text = ip.toString();
  CHECK(!text.empty());
  const ParsedHost again = parseHost(text);
  CHECK(again.kind == (ip.v6 ? HostKind::ipv6 : HostKind::ipv4));
  CHECK(again.ip == ip);
  if (ip.v6) {
    const ParsedHost bracketed = parseHost("[" + text + "]");
    CHECK(bracketed.kind == HostKind::ipv6);
    CHECK(bracketed.ip == ip);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minisock::detail;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const ParsedHost h = parseHost(input);

  CHECK((h.kind == HostKind::invalid) == !h.problem.empty());
  if (h.kind != HostKind::name) CHECK(h.name.empty());

  // The OS's readings of the same text (only meaningful without NUL bytes).
  const bool hasNul = input.find('\0') != std::string_view::npos;
  const std::string text(input);
  in_addr a4{};
  in6_addr a6{};
  const bool osV4 = !hasNul && inet_aton(text.c_str(), &a4) != 0;
  std::string unbracketed = text;
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    unbracketed = text.substr(1, text.size() - 2);
  const bool osV6 = !hasNul && inet_pton(AF_INET6, unbracketed.c_str(), &a6) == 1;
  // inet_aton stops at the first whitespace ("127.1 x"); parseHost refuses whitespace.
  const bool hasSpace = text.find_first_of(" \t\n\v\f\r") != std::string::npos;

  if (osV6) {
    CHECK(h.kind == HostKind::ipv6);
    CHECK(h.ip == v6(a6));
  }
  if (osV4 && !hasSpace) {
    CHECK(h.kind == HostKind::ipv4);
    CHECK(h.ip == v4(a4));
  }
  if (osV4) CHECK(h.kind != HostKind::name);

  switch (h.kind) {
    case HostKind::invalid:
      break;
    case HostKind::ipv4: {
      CHECK(!h.ip.v6);
      // What inet_aton reads, possibly after dropping one trailing dot.
      in_addr b{};
      std::string plain = text;
      if (!osV4 && !plain.empty() && plain.back() == '.') plain.pop_back();
      CHECK(inet_aton(plain.c_str(), &b) != 0);
      CHECK(v4(b) == h.ip);
      checkAddress(h.ip, input);
      break;
    }
    case HostKind::ipv6:
      CHECK(h.ip.v6);
      CHECK(osV6);
      checkAddress(h.ip, input);
      break;
    case HostKind::name: {
      CHECK(!h.name.empty());
      CHECK(h.name.size() <= 253);
      CHECK(h.name.back() != '.');
      CHECK(h.name.front() != '.');
      CHECK(h.name.find("..") == std::string::npos);
      for (char c : h.name) CHECK(isLdh(c));
      CHECK(normaliseHostName(h.name) == h.name);
      CHECK(normaliseHostName(input) == h.name);
      const ParsedHost again = parseHost(h.name);
      CHECK(again.kind == HostKind::name);
      CHECK(again.name == h.name);
      // A name is never something the OS would read as an address.
      in_addr b{};
      CHECK(inet_aton(h.name.c_str(), &b) == 0);
      break;
    }
  }

  // Classification of the first 16 bytes as raw addresses, whatever the text.
  IPAddress raw4, raw6;
  raw6.v6 = true;
  std::memcpy(raw4.bytes.data(), data, std::min<std::size_t>(size, 4));
  std::memcpy(raw6.bytes.data(), data, std::min<std::size_t>(size, 16));
  checkAddress(raw4, input);
  checkAddress(raw6, input);
  return 0;
}
