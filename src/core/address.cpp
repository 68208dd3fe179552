#include "core/address.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace minisock::detail {
namespace {

bool allDigits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// True for a label that inet_aton could read as a number (decimal, octal or 0x-hex).
bool numericLabel(std::string_view s) {
  if (allDigits(s)) return true;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    return std::all_of(s.begin() + 2, s.end(), [](unsigned char c) { return std::isxdigit(c); });
  }
  return false;
}

IPAddress fromV4(const in_addr& a) {
  IPAddress ip;
  std::memcpy(ip.bytes.data(), &a, 4);
  return ip;
}

IPAddress fromV6(const in6_addr& a) {
  IPAddress ip;
  ip.v6 = true;
  std::memcpy(ip.bytes.data(), &a, 16);
  return ip;
}

ParsedHost invalid(std::string problem) {
  ParsedHost h;
  h.problem = std::move(problem);
  return h;
}

}  // namespace

std::string IPAddress::toString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

IPAddress IPAddress::unmapped() const {
  static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!v6 || std::memcmp(bytes.data(), prefix, 12) != 0) return *this;
  IPAddress ip;
  std::memcpy(ip.bytes.data(), bytes.data() + 12, 4);
  return ip;
}

IPAddress IPAddress::mapped() const {
  if (v6) return *this;
  IPAddress ip;
  ip.v6 = true;
  ip.bytes[10] = 0xff;
  ip.bytes[11] = 0xff;
  std::memcpy(ip.bytes.data() + 12, bytes.data(), 4);
  return ip;
}

std::string normaliseHostName(std::string_view name) {
  std::string out(name);
  if (!out.empty() && out.back() == '.') out.pop_back();
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

ParsedHost parseHost(std::string_view input) {
  if (input.empty()) return invalid("address is empty");
  if (input.size() > 255) return invalid("address is longer than 255 characters");
  for (unsigned char c : input) {
    if (c <= 0x20 || c >= 0x7f)
      return invalid("address contains a space or control/non-ASCII character");
  }
  std::string text(input);
  const bool bracketed = text.front() == '[';
  if (bracketed) {
    if (text.size() < 3 || text.back() != ']') return invalid("unbalanced brackets");
    text = text.substr(1, text.size() - 2);
  }
  ParsedHost h;
  in6_addr a6{};
  if (inet_pton(AF_INET6, text.c_str(), &a6) == 1) {
    h.kind = HostKind::ipv6;
    h.ip = fromV6(a6);
    return h;
  }
  if (bracketed) return invalid("brackets must enclose an IPv6 address");
  if (text.find(':') != std::string::npos) return invalid("not a valid IPv6 address");
  in_addr a4{};
  if (inet_pton(AF_INET, text.c_str(), &a4) == 1) {
    h.kind = HostKind::ipv4;
    h.ip = fromV4(a4);
    return h;
  }
  // Host name rules (RFC 1123), with the legacy numeric forms of IPv4 caught first.
  std::string name = normaliseHostName(text);
  if (name.empty()) return invalid("address is only a dot");
  if (name.size() > 253) return invalid("host name is longer than 253 characters");
  std::vector<std::string_view> labels;
  std::string_view rest(name);
  while (true) {
    auto dot = rest.find('.');
    labels.push_back(rest.substr(0, dot));
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (std::all_of(labels.begin(), labels.end(), numericLabel)) {
    // 127.1, 0x7f.1, 0177.0.0.1, 2130706433: what inet_aton (and so the OS resolver) reads.
    if (labels.size() <= 4 && inet_aton(name.c_str(), &a4) != 0) {
      h.kind = HostKind::ipv4;
      h.ip = fromV4(a4);
      return h;
    }
    return invalid("not a valid IPv4 address");
  }
  for (auto label : labels) {
    if (label.empty()) return invalid("host name has an empty label");
    if (label.size() > 63) return invalid("host name label longer than 63 characters");
    if (label.front() == '-' || label.back() == '-')
      return invalid("host name label starts or ends with '-'");
    for (unsigned char c : label) {
      if (!std::isalnum(c) && c != '-' && c != '_')
        return invalid("host name contains an invalid character");
    }
  }
  if (numericLabel(labels.back())) return invalid("host name ends in a numeric label");
  h.kind = HostKind::name;
  h.name = std::move(name);
  return h;
}

bool isLoopbackOrUnspecified(const IPAddress& address) {
  IPAddress a = address.unmapped();
  if (!a.v6) return a.bytes[0] == 127 || a.bytes[0] == 0;
  static constexpr std::array<std::uint8_t, 16> any{};
  std::array<std::uint8_t, 16> loop{};
  loop[15] = 1;
  return a.bytes == any || a.bytes == loop;
}

bool isLanAddress(const IPAddress& address) {
  IPAddress a = address.unmapped();
  const auto& b = a.bytes;
  if (!a.v6) {
    return b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
           (b[0] == 169 && b[1] == 254);
  }
  return (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
}

std::vector<IPAddress> interfaceAddresses() {
  std::vector<IPAddress> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr) continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      out.push_back(fromV4(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr));
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      out.push_back(fromV6(reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr).unmapped());
    }
  }
  freeifaddrs(list);
  return out;
}

}  // namespace minisock::detail
