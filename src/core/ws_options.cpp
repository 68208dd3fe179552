#include "core/ws_options.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/utf8.hpp"

namespace minisock::detail {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == prefix;
}

}  // namespace

bool isHttpToken(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (std::isalnum(c)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos)
      return false;
  }
  return true;
}

std::string parseWsUrl(std::string_view url, WsUrl& out) {
  if (url.empty()) return "url is empty";
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7f) return "url contains a space or control/non-ASCII character";
  }
  std::string_view rest;
  if (startsWithNoCase(url, "wss://")) {
    out.secure = true;
    rest = url.substr(6);
  } else if (startsWithNoCase(url, "ws://")) {
    out.secure = false;
    rest = url.substr(5);
  } else {
    return "url not ws or wss";
  }
  const auto hash = rest.find('#');
  if (hash != std::string_view::npos) return "url must not contain a fragment ('#')";
  const auto slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.target.front() == '?') out.target.insert(out.target.begin(), '/');
  if (authority.find('@') != std::string_view::npos)
    return "url must not contain user information ('@')";
  if (authority.empty()) return "url has no host";
  std::string_view hostPart = authority;
  std::string_view portPart;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return "url has an unclosed '[' in the host";
    hostPart = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "url has characters after the IPv6 address";
      portPart = after.substr(1);
      if (portPart.empty()) return "url has an empty port";
    }
  } else {
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      hostPart = authority.substr(0, colon);
      portPart = authority.substr(colon + 1);
      if (portPart.empty()) return "url has an empty port";
    }
  }
  if (hostPart.empty()) return "url has no host";
  out.host = std::string(hostPart);
  out.parsedHost = parseHost(authority.front() == '[' ? "[" + out.host + "]" : out.host);
  if (out.parsedHost.kind == HostKind::invalid)
    return "url has an invalid host: " + out.parsedHost.problem;
  if (authority.front() != '[' && out.parsedHost.kind == HostKind::ipv6)
    return "url must put an IPv6 address in brackets";
  if (portPart.empty()) {
    out.port = out.secure ? 443 : 80;
    out.defaultPort = true;
  } else {
    int port = 0;
    auto [ptr, ec] = std::from_chars(portPart.data(), portPart.data() + portPart.size(), port);
    if (ec != std::errc() || ptr != portPart.data() + portPart.size() || port < 1 || port > 65535) {
      return "url has an invalid port '" + std::string(portPart.substr(0, 16)) +
             "' (must be 1-65535)";
    }
    out.port = port;
    out.defaultPort = false;
  }
  out.hostHeader = authority.front() == '[' ? "[" + out.host + "]" : out.host;
  if (!out.defaultPort) out.hostHeader += ":" + std::to_string(out.port);
  return {};
}

std::string checkHeaders(const HeaderFields& header) {
  for (const auto& [name, value] : header) {
    if (!isHttpToken(name)) {
      return "header name '" + name.substr(0, 64) + "' is not a valid HTTP token";
    }
    for (unsigned char c : value) {
      if (c == '\r' || c == '\n' || c == '\0')
        return "header '" + name + "' has a CR, LF or NUL in its value";
    }
    const std::string n = lower(name);
    if (n == "referer") return "header must not set Referer";
    if (n == "host" || n == "upgrade" || n == "connection" || n.rfind("sec-websocket-", 0) == 0 ||
        n == "content-length" || n == "transfer-encoding") {
      return "header '" + name +
             "' is set by the WebSocket handshake itself (use the protocols and perMessageDeflate "
             "options)";
    }
  }
  return {};
}

std::string checkProtocols(const std::vector<std::string>& protocols) {
  for (std::size_t i = 0; i < protocols.size(); ++i) {
    if (!isHttpToken(protocols[i]))
      return "protocol '" + protocols[i].substr(0, 64) + "' is not a valid HTTP token";
    for (std::size_t j = 0; j < i; ++j) {
      if (protocols[j] == protocols[i]) return "protocol '" + protocols[i] + "' is listed twice";
    }
  }
  return {};
}

std::string checkUpgradeResponse(const std::vector<std::string>& offeredProtocols,
                                 bool deflateOffered, std::string_view protocolHeader,
                                 std::string_view extensionsHeader) {
  if (!protocolHeader.empty() && std::find(offeredProtocols.begin(), offeredProtocols.end(),
                                           protocolHeader) == offeredProtocols.end()) {
    return "server chose subprotocol '" + std::string(protocolHeader.substr(0, 64)) +
           "' that the client did not offer";
  }
  std::string_view rest = extensionsHeader;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    item = item.substr(0, item.find(';'));
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty() && (!deflateOffered || item != "permessage-deflate")) {
      return "server accepted extension '" + std::string(item.substr(0, 64)) +
             "' that the client did not offer";
    }
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return {};
}

std::string checkCloseCode(int code) {
  if (code == 1000 || (code >= 3000 && code <= 4999)) return {};
  return "The code must be either 1000, or between 3000 and 4999. " + std::to_string(code) +
         " is neither.";
}

std::string checkCloseReason(std::string_view reason) {
  if (reason.size() > 123)
    return "The reason must be at most 123 bytes of UTF-8 (it has " +
           std::to_string(reason.size()) + ")";
  if (!isValidUtf8(reason)) return "The reason must be valid UTF-8";
  return {};
}

}  // namespace minisock::detail
