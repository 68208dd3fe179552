// Fuzzes checkUpgradeResponse (src/core/ws_options.*): the client's checks of the server's
// 101 answer (RFC 6455 4.1: a subprotocol or an extension the client did not offer fails the
// connection).
//
// Input: [flags: bit 0 deflate offered, bit 1 answer with an offered protocol (index in the
//        next byte)][protocol count][protocols, length-prefixed][Sec-WebSocket-Protocol,
//        length-prefixed][Sec-WebSocket-Extensions: the rest].
// Checks:
// - safety: an accepted answer names no protocol that was not offered, and no extension other
//   than permessage-deflate (and that one only when offered), whatever the quoting: the
//   extension list is parsed here properly (RFC 7230 lists, quoted strings);
// - exactness: on lists without quotes, the result equals a reference written from the rule;
// - a refusal names what was refused.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/ws_options.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "upgrade_response: check failed: %s\n", what);
  std::abort();
}
#define CHECK(cond)           \
  do {                        \
    if (!(cond)) fail(#cond); \
  } while (0)

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}
  std::uint8_t byte() {
    if (n_ == 0) return 0;
    --n_;
    return *p_++;
  }
  std::string string() {
    const std::size_t len = std::min<std::size_t>(byte() % 64, n_);
    std::string s(reinterpret_cast<const char*>(p_), len);
    p_ += len;
    n_ -= len;
    return s;
  }
  std::string rest() {
    std::string s(reinterpret_cast<const char*>(p_), n_);
    n_ = 0;
    return s;
  }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Extension names of an RFC 7230 list: elements split at commas outside quoted strings (with
// backslash escapes), the name being what precedes the first ';' outside quotes.
std::vector<std::string> properNames(std::string_view header) {
  std::vector<std::string> names;
  std::string current;
  bool inName = true, quoted = false, escaped = false;
  auto finish = [&] {
    const std::string_view name = trim(current);
    if (!name.empty()) names.emplace_back(name);
    current.clear();
    inName = true;
  };
  for (char c : header) {
    if (quoted) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        quoted = false;
      }
      if (inName) current += c;
      continue;
    }
    if (c == '"') {
      quoted = true;
      if (inName) current += c;
    } else if (c == ',') {
      finish();
    } else if (c == ';') {
      inName = false;
    } else if (inName) {
      current += c;
    }
  }
  finish();
  return names;
}

// The rule on a list without quoted strings.
bool refExtensionsOk(std::string_view header, bool deflateOffered) {
  while (true) {
    const auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    item = trim(item.substr(0, item.find(';')));
    if (!item.empty() && (!deflateOffered || item != "permessage-deflate")) return false;
    if (comma == std::string_view::npos) return true;
    header.remove_prefix(comma + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using minisock::detail::checkUpgradeResponse;
  Reader in(data, size);
  const std::uint8_t flags = in.byte();
  const bool deflateOffered = flags & 1;
  std::vector<std::string> offered;
  const int count = in.byte() % 6;
  for (int i = 0; i < count; ++i) offered.push_back(in.string());
  const std::uint8_t pick = in.byte();
  std::string protocol = in.string();
  if ((flags & 2) && !offered.empty()) protocol = offered[pick % offered.size()];
  const std::string extensions = in.rest();

  const std::string problem = checkUpgradeResponse(offered, deflateOffered, protocol, extensions);

  bool protocolOk = protocol.empty();
  for (const auto& p : offered) protocolOk = protocolOk || p == protocol;
  if (problem.empty()) {
    CHECK(protocolOk);
    for (const auto& name : properNames(extensions)) {
      CHECK(deflateOffered);
      CHECK(name == "permessage-deflate");
    }
  } else {
    CHECK(problem.find("did not offer") != std::string::npos ||
          problem.find("permessage-deflate") != std::string::npos ||
          problem.find("subprotocol") != std::string::npos);
  }
  // Names: wrong ones are always refused. permessage-deflate's parameters are also checked
  // (RFC 7692 section 5), so acceptance implies the names are right, not the converse.
  if (extensions.find('"') == std::string::npos) {
    if (!protocolOk || !refExtensionsOk(extensions, deflateOffered)) CHECK(!problem.empty());
  }
  // The protocol check alone, and the extension check alone.
  CHECK(checkUpgradeResponse(offered, deflateOffered, protocol, "").empty() == protocolOk);
  if (extensions.find('"') == std::string::npos && !refExtensionsOk(extensions, deflateOffered)) {
    CHECK(!checkUpgradeResponse(offered, deflateOffered, "", extensions).empty());
  }
  // What a conforming server answers is accepted.
  if (deflateOffered) {
    CHECK(checkUpgradeResponse(offered, true, "",
                               "permessage-deflate; client_max_window_bits=15; "
                               "server_no_context_takeover")
              .empty());
  }
  for (const auto& p : offered) CHECK(checkUpgradeResponse(offered, deflateOffered, p, "").empty());
  return 0;
}
