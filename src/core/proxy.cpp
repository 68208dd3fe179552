#include "core/proxy.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/ascii.hpp"
#include "minisock/network.hpp"
#include "tls/tls_options.hpp"

namespace minisock::detail {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percentDecode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hexValue(in[i + 1]);
    const int lo = hexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string hostText(const ParsedHost& host) {
  if (host.kind == HostKind::name) return host.name;
  if (host.kind != HostKind::ipv6) return host.ip.toString();
  // Appended, not "[" + text: GCC 12's -Wrestrict misreads that form at -O3 (bug 105651).
  std::string text = "[";
  text += host.ip.toString();
  text += ']';
  return text;
}

// "10.0.0.0/8": the block's address and prefix length; false when not CIDR.
bool parseCidr(std::string_view entry, IPAddress& block, int& bits, std::string& problem) {
  const auto slash = entry.find('/');
  if (slash == std::string_view::npos) return false;
  ParsedHost base = parseHost(entry.substr(0, slash));
  if (base.kind != HostKind::ipv4 && base.kind != HostKind::ipv6) {
    problem = "the address block '" + std::string(entry) + "' does not start with an IP address";
    return true;
  }
  const std::string_view length = entry.substr(slash + 1);
  const int max = base.kind == HostKind::ipv4 ? 32 : 128;
  auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), bits);
  if (length.empty() || ec != std::errc() || end != length.data() + length.size() || bits < 0 ||
      bits > max) {
    problem = "the address block '" + std::string(entry) + "' has an invalid prefix length (0-" +
              std::to_string(max) + ")";
    return true;
  }
  block = base.ip;
  return true;
}

bool inBlock(const IPAddress& ip, const IPAddress& block, int bits) {
  const IPAddress a = ip.unmapped();
  const IPAddress b = block.unmapped();
  if (a.v6 != b.v6) return false;
  for (int i = 0; i < bits; ++i) {
    const int byte = i / 8;
    const int mask = 0x80 >> (i % 8);
    if ((a.bytes[byte] & mask) != (b.bytes[byte] & mask)) return false;
  }
  return true;
}

}  // namespace

ProxyUrlResult parseProxyUrl(std::string_view text) {
  ProxyUrlResult result;
  auto invalid = [&](std::string why) {
    result.problem = "the proxy URL is not valid: " + why;
    return result;
  };
  ProxyUrl url;
  std::string_view rest = text;
  const auto scheme = rest.find("://");
  std::string schemeName = "http";
  if (scheme != std::string_view::npos) {
    schemeName = asciiLower(rest.substr(0, scheme));
    rest.remove_prefix(scheme + 3);
  }
  if (schemeName == "http") {
    url.kind = ProxyUrl::Kind::http;
  } else if (schemeName == "socks5" || schemeName == "socks5h") {
    url.kind = ProxyUrl::Kind::socks5;
    schemeName = "socks5";
  } else if (schemeName == "https") {
    return invalid("https:// proxies (TLS to the proxy itself) are not supported; use http://");
  } else if (schemeName == "socks4" || schemeName == "socks4a") {
    return invalid("SOCKS4 is not supported; use socks5://");
  } else {
    return invalid("unknown scheme '" + schemeName + "' (use http:// or socks5://)");
  }
  // An optional "/" and nothing else after the authority.
  if (const auto path = rest.find_first_of("/?#"); path != std::string_view::npos) {
    if (rest.substr(path) != "/") return invalid("a proxy URL has no path, query or fragment");
    rest = rest.substr(0, path);
  }
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    const auto colon = userinfo.find(':');
    if (!percentDecode(userinfo.substr(0, colon), url.user) ||
        (colon != std::string_view::npos &&
         !percentDecode(userinfo.substr(colon + 1), url.password)))
      return invalid("its credentials have a malformed percent-encoding");
    if (url.user.empty()) return invalid("its credentials have an empty user name");
    url.hasCredentials = true;
  }
  std::string_view hostPart = rest;
  std::string_view portPart;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return invalid("an IPv6 address without its ']'");
    hostPart = rest.substr(0, close + 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalid("unexpected text after the IPv6 address");
      portPart = after.substr(1);
      if (portPart.empty()) return invalid("an empty port after ':'");
    }
  } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    hostPart = rest.substr(0, colon);
    portPart = rest.substr(colon + 1);
    if (portPart.empty()) return invalid("an empty port after ':'");
  }
  if (hostPart.empty()) return invalid("no host");
  url.host = parseHost(hostPart);
  if (url.host.kind == HostKind::invalid) return invalid("its host: " + url.host.problem);
  if (!portPart.empty()) {
    int port = 0;
    auto [end, ec] = std::from_chars(portPart.data(), portPart.data() + portPart.size(), port);
    if (ec != std::errc() || end != portPart.data() + portPart.size() || port < 1 || port > 65535)
      return invalid("invalid port '" + std::string(portPart) + "' (must be 1-65535)");
    url.port = static_cast<std::uint16_t>(port);
  }
  if (url.kind == ProxyUrl::Kind::socks5 && (url.user.size() > 255 || url.password.size() > 255))
    return invalid("SOCKS5 user names and passwords are at most 255 bytes (RFC 1929)");
  url.display = schemeName + "://" + hostText(url.host) + ":" + std::to_string(url.port);
  result.url = std::move(url);
  return result;
}

std::string checkNoProxyEntry(std::string_view entry) {
  if (entry == "*") return {};
  if (entry.empty()) return "the no-proxy list has an empty entry";
  IPAddress block;
  int bits = 0;
  std::string problem;
  if (parseCidr(entry, block, bits, problem))
    return problem.empty() ? "" : "the no-proxy list: " + problem;
  std::string_view name = entry;
  if (name.front() == '.') name.remove_prefix(1);
  if (parseHost(name).kind == HostKind::invalid)
    return "the no-proxy list's entry '" + std::string(entry) +
           "' is neither a host name, an IP address nor an address block";
  return {};
}

bool bypassesProxy(const std::vector<std::string>& noProxy, const ParsedHost& host) {
  for (const std::string& entry : noProxy) {
    if (entry == "*") return true;
    IPAddress block;
    int bits = 0;
    std::string problem;
    if (parseCidr(entry, block, bits, problem)) {
      if (problem.empty() && host.kind != HostKind::name && inBlock(host.ip, block, bits))
        return true;
      continue;
    }
    std::string_view pattern = entry;
    if (!pattern.empty() && pattern.front() == '.') pattern.remove_prefix(1);
    const ParsedHost parsed = parseHost(pattern);
    if (parsed.kind == HostKind::ipv4 || parsed.kind == HostKind::ipv6) {
      if (host.kind != HostKind::name && host.ip.unmapped() == parsed.ip.unmapped()) return true;
      continue;
    }
    if (parsed.kind != HostKind::name || host.kind != HostKind::name) continue;
    const std::string& n = host.name;
    const std::string& p = parsed.name;
    if (n == p) return true;
    if (n.size() > p.size() && n.compare(n.size() - p.size(), p.size(), p) == 0 &&
        n[n.size() - p.size() - 1] == '.')
      return true;
  }
  return false;
}

std::string TunnelTarget::authority() const { return hostText(host) + ":" + std::to_string(port); }

std::string httpConnectRequest(const ProxyUrl& proxy, const TunnelTarget& target) {
  const std::string authority = target.authority();
  std::string request = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n";
  if (proxy.hasCredentials)
    request += "Proxy-Authorization: Basic " + base64(proxy.user + ":" + proxy.password) + "\r\n";
  request += "\r\n";
  return request;
}

std::size_t httpConnectReadSize(std::string_view soFar) {
  static constexpr std::string_view end = "\r\n\r\n";
  for (std::size_t k = 3; k > 0; --k) {
    if (soFar.size() >= k && soFar.substr(soFar.size() - k) == end.substr(0, k)) return 4 - k;
  }
  return 4;
}

bool httpConnectAnswerComplete(std::string_view soFar) {
  return soFar.size() >= 4 && soFar.substr(soFar.size() - 4) == "\r\n\r\n";
}

std::string httpConnectAnswerProblem(const ProxyUrl& proxy, const TunnelTarget& target,
                                     std::string_view head) {
  const std::string who = "proxy " + proxy.display;
  const auto lineEnd = head.find("\r\n");
  const std::string_view line = head.substr(0, lineEnd);
  // "HTTP/1.x SP 3DIGIT [SP reason]"
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ' ||
      !std::isdigit(static_cast<unsigned char>(line[9])) ||
      !std::isdigit(static_cast<unsigned char>(line[10])) ||
      !std::isdigit(static_cast<unsigned char>(line[11])) ||
      (line.size() > 12 && line[12] != ' ')) {
    std::string shown(line.substr(0, 60));
    for (char& c : shown)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
    return who + " did not answer CONNECT with HTTP (its answer began '" + shown + "')";
  }
  const int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (status >= 200 && status <= 299) return {};
  std::string reason(line.size() > 13 ? line.substr(13) : std::string_view{});
  for (char& c : reason)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  if (reason.size() > 80) reason.resize(80);
  std::string text = who + " refused the tunnel to " + target.authority() + ": HTTP status " +
                     std::to_string(status) + (reason.empty() ? "" : " " + reason);
  // 407 is the proxy's own answer; tinyproxy answers 401 to credentials it rejects.
  if (status == 407 || (status == 401 && proxy.hasCredentials))
    text += proxy.hasCredentials ? " (the proxy rejected the credentials of the proxy URL)"
                                 : " (the proxy wants credentials: give them in the proxy URL, "
                                   "http://user:password@host:port)";
  return text;
}

std::string socks5Greeting(const ProxyUrl& proxy) {
  if (proxy.hasCredentials) return std::string("\x05\x02\x00\x02", 4);
  return std::string("\x05\x01\x00", 3);
}

std::string socks5MethodProblem(const ProxyUrl& proxy, std::string_view reply, bool& usePassword) {
  const std::string who = "SOCKS5 proxy " + proxy.display;
  usePassword = false;
  if (reply.size() != 2 || reply[0] != 5)
    return who + " did not answer as a SOCKS5 proxy (version byte " +
           std::to_string(reply.empty() ? -1 : static_cast<unsigned char>(reply[0])) + ")";
  const auto method = static_cast<unsigned char>(reply[1]);
  if (method == 0) return {};
  if (method == 2 && proxy.hasCredentials) {
    usePassword = true;
    return {};
  }
  if (method == 0xFF) {
    return who + " accepts none of the authentication methods offered (" +
           (proxy.hasCredentials ? "none, username/password"
                                 : "none; it may want credentials: give them in the proxy URL, "
                                   "socks5://user:password@host:port") +
           ")";
  }
  return who + " chose authentication method " + std::to_string(method) + ", which was not offered";
}

std::string socks5PasswordRequest(const ProxyUrl& proxy, std::string& problem) {
  if (proxy.user.size() > 255 || proxy.password.size() > 255) {
    problem = "SOCKS5 user names and passwords are at most 255 bytes (RFC 1929)";
    return {};
  }
  std::string request;
  request += '\x01';
  request += static_cast<char>(proxy.user.size());
  request += proxy.user;
  request += static_cast<char>(proxy.password.size());
  request += proxy.password;
  return request;
}

std::string socks5PasswordProblem(const ProxyUrl& proxy, std::string_view reply) {
  if (reply.size() == 2 && reply[1] == 0) return {};
  return "SOCKS5 proxy " + proxy.display +
         " rejected the user name and password of the proxy URL (RFC 1929 status " +
         std::to_string(reply.size() == 2 ? static_cast<unsigned char>(reply[1]) : -1) + ")";
}

std::string socks5ConnectRequest(const TunnelTarget& target) {
  std::string request("\x05\x01\x00", 3);
  if (target.host.kind == HostKind::name) {
    request += '\x03';
    request += static_cast<char>(std::min<std::size_t>(target.host.name.size(), 255));
    request += target.host.name.substr(0, 255);
  } else if (target.host.ip.unmapped().v6) {
    request += '\x04';
    request.append(reinterpret_cast<const char*>(target.host.ip.bytes.data()), 16);
  } else {
    request += '\x01';
    const IPAddress v4 = target.host.ip.unmapped();
    request.append(reinterpret_cast<const char*>(v4.bytes.data()), 4);
  }
  request += static_cast<char>(target.port >> 8);
  request += static_cast<char>(target.port & 0xFF);
  return request;
}

std::string socks5ReplyText(int rep) {
  switch (rep) {
    case 1:
      return "general SOCKS server failure";
    case 2:
      return "connection not allowed by ruleset";
    case 3:
      return "network unreachable";
    case 4:
      return "host unreachable";
    case 5:
      return "connection refused";
    case 6:
      return "TTL expired";
    case 7:
      return "command not supported";
    case 8:
      return "address type not supported";
    default:
      return "unassigned reply code";
  }
}

std::size_t socks5ReplyRest(const ProxyUrl& proxy, const TunnelTarget& target,
                            std::string_view head, int fifth, std::string& problem) {
  const std::string who = "SOCKS5 proxy " + proxy.display;
  if (head.size() < 4 || head[0] != 5) {
    problem = who + " sent a malformed CONNECT reply";
    return 0;
  }
  if (const int rep = static_cast<unsigned char>(head[1]); rep != 0) {
    problem = who + " refused the connection to " + target.authority() + ": reply " +
              std::to_string(rep) + " (" + socks5ReplyText(rep) + ")";
    return 0;
  }
  switch (head[3]) {
    case 1:
      return 4 + 2;
    case 4:
      return 16 + 2;
    case 3:
      if (fifth < 0) return 1;  // the length byte first
      return static_cast<std::size_t>(fifth) + 2;
    default:
      problem = who + " sent a CONNECT reply with unknown address type " +
                std::to_string(static_cast<unsigned char>(head[3]));
      return 0;
  }
}

}  // namespace minisock::detail

namespace minisock {

namespace detail {

std::string proxySettingsProblem(const NetworkOptions& network) {
  if (!network.proxy.empty()) {
    if (auto parsed = parseProxyUrl(network.proxy); !parsed.url) return parsed.problem;
  }
  for (const std::string& entry : network.noProxy) {
    if (std::string problem = checkNoProxyEntry(entry); !problem.empty()) return problem;
  }
  return {};
}

}  // namespace detail

std::string NetworkOptions::check() const {
  if (std::string problem = detail::proxySettingsProblem(*this); !problem.empty()) return problem;
  return detail::tlsSettingsProblem(*this);
}

}  // namespace minisock
