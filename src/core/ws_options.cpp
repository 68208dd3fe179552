#include "core/ws_options.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "core/ascii.hpp"
#include "core/utf8.hpp"

namespace minisock::detail {
namespace {

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && asciiLower(s.substr(0, prefix.size())) == prefix;
}

}  // namespace

bool equalsNoCase(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool isDocumentedMethod(std::string_view method) noexcept {
  if (method.empty()) return true;
  for (std::string_view m :
       {"OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT"}) {
    if (equalsNoCase(method, m)) return true;
  }
  return false;
}

bool isWireCloseCode(int code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

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
  // Appended piecewise: GCC 12 at -O3 reports a false -Wrestrict for `"[" + host + "]"`.
  out.hostHeader.clear();
  if (authority.front() == '[') out.hostHeader += '[';
  out.hostHeader += out.host;
  if (authority.front() == '[') out.hostHeader += ']';
  if (!out.defaultPort) {
    out.hostHeader += ':';
    out.hostHeader += std::to_string(out.port);
  }
  return {};
}

namespace {

std::string fieldLimit() {
  return " (at most " + std::to_string(SocketTask::kMaxRequestFieldBytes) +
         " bytes: SocketTask::kMaxRequestFieldBytes)";
}

}  // namespace

std::string checkHeaders(const HeaderFields& header) {
  for (const auto& [name, value] : header) {
    if (name.size() > SocketTask::kMaxRequestFieldBytes) {
      return "header name '" + name.substr(0, 64) + "...' is " + std::to_string(name.size()) +
             " bytes long" + fieldLimit();
    }
    if (value.size() > SocketTask::kMaxRequestFieldBytes) {
      return "header '" + name.substr(0, 64) + "' has a value of " + std::to_string(value.size()) +
             " bytes" + fieldLimit();
    }
    if (!isHttpToken(name)) {
      return "header name '" + name.substr(0, 64) + "' is not a valid HTTP token";
    }
    for (unsigned char c : value) {
      if (c == '\r' || c == '\n' || c == '\0')
        return "header '" + name + "' has a CR, LF or NUL in its value";
    }
    const std::string n = asciiLower(name);
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
  if (!protocols.empty()) {
    std::size_t joined = 2 * (protocols.size() - 1);  // the ", " between offers
    for (const auto& p : protocols) joined += p.size();
    if (joined > SocketTask::kMaxRequestFieldBytes) {
      return "protocols take " + std::to_string(joined) +
             " bytes as one Sec-WebSocket-Protocol value (joined with \", \")" + fieldLimit();
    }
  }
  // Duplicates through a sorted copy of views: linear-logarithmic in the number of offers.
  std::vector<std::string_view> seen;
  seen.reserve(protocols.size());
  for (const auto& p : protocols) {
    if (!isHttpToken(p)) return "protocol '" + p.substr(0, 64) + "' is not a valid HTTP token";
    seen.emplace_back(p);
  }
  std::sort(seen.begin(), seen.end());
  if (auto twice = std::adjacent_find(seen.begin(), seen.end()); twice != seen.end())
    return "protocol '" + std::string(twice->substr(0, 64)) + "' is listed twice";
  return {};
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 7692 section 5: a client fails the connection on an unknown, repeated or invalid
// permessage-deflate parameter in the server's answer (Beast 1.81 silently turns compression
// off instead, and the two ends then disagree about it).
std::string checkDeflateParameters(std::string_view parameters) {
  bool seen[4] = {false, false, false, false};
  static constexpr std::string_view kNames[4] = {
      "server_no_context_takeover", "client_no_context_takeover", "server_max_window_bits",
      "client_max_window_bits"};
  while (!parameters.empty()) {
    const auto semicolon = parameters.find(';');
    const std::string_view item = trim(parameters.substr(0, semicolon));
    parameters =
        semicolon == std::string_view::npos ? std::string_view() : parameters.substr(semicolon + 1);
    if (item.empty()) continue;
    const auto equals = item.find('=');
    const std::string_view name = trim(item.substr(0, equals));
    std::optional<std::string_view> value;
    if (equals != std::string_view::npos) {
      std::string_view v = trim(item.substr(equals + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      value = v;
    }
    int index = -1;
    for (int i = 0; i < 4; ++i) {
      if (name == kNames[i]) index = i;
    }
    const std::string shown(name.substr(0, 64));
    if (index < 0)
      return "server answered permessage-deflate with an unknown parameter '" + shown + "'";
    if (seen[index])
      return "server answered permessage-deflate with parameter '" + shown + "' twice";
    seen[index] = true;
    if (index < 2) {
      if (value)
        return "server answered permessage-deflate with a value for '" + shown +
               "', which takes none";
      continue;
    }
    // Window bits: a decimal 8-15 without leading zeros, and a response must carry it.
    const bool valid = value && (value->size() == 1 ? (*value)[0] >= '8' && (*value)[0] <= '9'
                                                    : value->size() == 2 && (*value)[0] == '1' &&
                                                          (*value)[1] >= '0' && (*value)[1] <= '5');
    if (!valid) {
      return "server answered permessage-deflate with an invalid " + shown + " (must be 8-15)";
    }
  }
  return {};
}

}  // namespace

std::string checkUpgradeResponse(const std::vector<std::string>& offeredProtocols,
                                 bool deflateOffered, std::string_view protocolHeader,
                                 std::string_view extensionsHeader) {
  if (!protocolHeader.empty() && std::find(offeredProtocols.begin(), offeredProtocols.end(),
                                           protocolHeader) == offeredProtocols.end()) {
    return "server chose subprotocol '" + std::string(protocolHeader.substr(0, 64)) +
           "' that the client did not offer";
  }
  std::string_view rest = extensionsHeader;
  int deflates = 0;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view element = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const auto semicolon = element.find(';');
    const std::string_view name = trim(element.substr(0, semicolon));
    if (name.empty()) continue;
    if (!deflateOffered || name != "permessage-deflate") {
      return "server accepted extension '" + std::string(name.substr(0, 64)) +
             "' that the client did not offer";
    }
    if (++deflates > 1) return "server accepted permessage-deflate twice";
    if (semicolon != std::string_view::npos) {
      if (std::string problem = checkDeflateParameters(element.substr(semicolon + 1));
          !problem.empty()) {
        return problem;
      }
    }
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
