// Fuzzes parseWsUrl (src/core/ws_options.*).
//
// Checks, for any input: a refusal says why and an acceptance is complete and consistent
// (scheme, host parsed and valid, IPv6 only in brackets, port 1-65535 and the scheme's default
// when absent, target starting with '/', no fragment, no user information, nothing a request
// line or Host header could be split with), and the URL rebuilt from the result
// (scheme://hostHeader + target) parses to the same result.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/ws_options.hpp"

namespace {

using minisock::detail::HostKind;
using minisock::detail::WsUrl;

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "ws_url: check failed: %s (input '%.*s')\n", what,
               static_cast<int>(input.size()), input.data());
  std::abort();
}
#define CHECK(cond)                  \
  do {                               \
    if (!(cond)) fail(#cond, input); \
  } while (0)

bool printable(std::string_view s) {
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

bool lowerPrefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minisock::detail;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  WsUrl url;
  const std::string problem = parseWsUrl(input, url);
  if (!problem.empty()) {
    // The platform's wording for a wrong scheme.
    if (!input.empty() && printable(input) && !lowerPrefix(input, "ws://") &&
        !lowerPrefix(input, "wss://"))
      CHECK(problem == "url not ws or wss");
    return 0;
  }

  CHECK(printable(input));
  CHECK(url.secure ? lowerPrefix(input, "wss://") : lowerPrefix(input, "ws://"));
  CHECK(input.find('#') == std::string_view::npos);
  CHECK(!url.host.empty());
  CHECK(url.parsedHost.kind != HostKind::invalid);
  CHECK(url.port >= 1 && url.port <= 65535);
  if (url.defaultPort) CHECK(url.port == (url.secure ? 443 : 80));
  CHECK(!url.target.empty() && url.target.front() == '/');
  CHECK(printable(url.target));
  CHECK(printable(url.hostHeader));
  CHECK(url.hostHeader.find('@') == std::string::npos);
  CHECK(url.hostHeader.find('/') == std::string::npos);
  CHECK(url.hostHeader.find('?') == std::string::npos);
  const std::string bracketed = "[" + url.host + "]";
  if (url.parsedHost.kind == HostKind::ipv6) {
    CHECK(url.hostHeader.rfind(bracketed, 0) == 0);
  } else {
    CHECK(url.hostHeader.rfind(url.host, 0) == 0);
    CHECK(url.host.find(':') == std::string::npos);
  }
  // The Host header names the same port (absent for the scheme's default as written).
  const std::string hostPart = url.parsedHost.kind == HostKind::ipv6 ? bracketed : url.host;
  if (url.defaultPort) {
    CHECK(url.hostHeader == hostPart);
  } else {
    CHECK(url.hostHeader == hostPart + ":" + std::to_string(url.port));
  }
  // The host as written parses to the same thing on its own.
  const ParsedHost alone = parseHost(url.parsedHost.kind == HostKind::ipv6 ? bracketed : url.host);
  CHECK(alone.kind == url.parsedHost.kind);
  CHECK(alone.ip == url.parsedHost.ip);
  CHECK(alone.name == url.parsedHost.name);

  // Rebuilt from the parts, the URL means the same.
  const std::string rebuilt =
      std::string(url.secure ? "wss://" : "ws://") + url.hostHeader + url.target;
  WsUrl again;
  CHECK(parseWsUrl(rebuilt, again).empty());
  CHECK(again.secure == url.secure);
  CHECK(again.host == url.host);
  CHECK(again.port == url.port);
  CHECK(again.defaultPort == url.defaultPort);
  CHECK(again.target == url.target);
  CHECK(again.hostHeader == url.hostHeader);
  CHECK(again.parsedHost.kind == url.parsedHost.kind);
  CHECK(again.parsedHost.ip == url.parsedHost.ip);
  CHECK(again.parsedHost.name == url.parsedHost.name);
  return 0;
}
