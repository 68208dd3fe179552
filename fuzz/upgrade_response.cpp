// Fuzzes checkUpgradeResponse (src/core/ws_options.*): the client's checks of the server's
// 101 answer (RFC 6455 4.1: a subprotocol or an extension the client did not offer fails the
// connection).
//
// Input: [flags: bit 0 deflate offered, bit 1 answer with an offered protocol (index in the
//        next byte)][protocol count][protocols, length-prefixed][Sec-WebSocket-Protocol,
//        length-prefixed][Sec-WebSocket-Extensions: the rest].
// Checks:
// - safety: an accepted answer names no protocol that was not offered, and no extension other
//   than one permessage-deflate (only when offered) whose parameters are valid for a response
//   (RFC 7692 7.1: known names, each once, no value for *_no_context_takeover, window bits
//   8-15), whatever the quoting: the list is parsed here properly (RFC 7230 quoted strings);
// - exactness: on lists without quotes, the result equals a reference written from the rules;
// - conforming answers are accepted; a refusal says why.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/ws_options.hpp"
#include "fuzz_support.hpp"

namespace {

using fuzz::Reader;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct Element {
  std::string name;
  std::vector<std::string> parameters;  // "name" or "name=value", as written, trimmed
};

// An RFC 7230 list of extensions: elements split at commas outside quoted strings (with
// backslash escapes), parameters at semicolons outside quoted strings.
std::vector<Element> parseExtensions(std::string_view header) {
  std::vector<Element> out;
  std::vector<std::string> parts{""};  // the current element's name and parameters
  bool quoted = false, escaped = false;
  auto finishElement = [&] {
    Element e;
    e.name = std::string(trim(parts[0]));
    for (std::size_t i = 1; i < parts.size(); ++i) {
      const std::string_view p = trim(parts[i]);
      if (!p.empty()) e.parameters.emplace_back(p);
    }
    if (!e.name.empty()) out.push_back(std::move(e));
    parts.assign(1, "");
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
      parts.back() += c;
    } else if (c == '"') {
      quoted = true;
      parts.back() += c;
    } else if (c == ',') {
      finishElement();
    } else if (c == ';') {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  finishElement();
  return out;
}

// RFC 7692 7.1, for a server's response.
bool validDeflateParameters(const std::vector<std::string>& parameters) {
  static constexpr std::string_view kNames[4] = {
      "server_no_context_takeover", "client_no_context_takeover", "server_max_window_bits",
      "client_max_window_bits"};
  bool seen[4] = {false, false, false, false};
  for (const auto& p : parameters) {
    const auto equals = p.find('=');
    const std::string_view name = trim(std::string_view(p).substr(0, equals));
    int index = -1;
    for (int i = 0; i < 4; ++i) {
      if (name == kNames[i]) index = i;
    }
    if (index < 0 || seen[index]) return false;
    seen[index] = true;
    if (index < 2) {
      if (equals != std::string::npos) return false;
      continue;
    }
    if (equals == std::string::npos) return false;
    std::string_view value = trim(std::string_view(p).substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    const bool ok = value == "8" || value == "9" || value == "10" || value == "11" ||
                    value == "12" || value == "13" || value == "14" || value == "15";
    if (!ok) return false;
  }
  return true;
}

bool extensionsOk(std::string_view header, bool deflateOffered) {
  const auto elements = parseExtensions(header);
  if (elements.size() > 1) return false;
  for (const auto& e : elements) {
    if (!deflateOffered || e.name != "permessage-deflate") return false;
    if (!validDeflateParameters(e.parameters)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using minisock::detail::checkUpgradeResponse;
  Reader in(data, size);
  const std::uint8_t flags = in.byte();
  const bool deflateOffered = flags & 1;
  std::vector<std::string> offered;
  const int count = in.byte() % 6;
  for (int i = 0; i < count; ++i) offered.push_back(in.string(64));
  const std::uint8_t pick = in.byte();
  std::string protocol = in.string(64);
  if ((flags & 2) && !offered.empty()) protocol = offered[pick % offered.size()];
  const std::string extensions = in.rest();

  const std::string problem = checkUpgradeResponse(offered, deflateOffered, protocol, extensions);

  bool protocolOk = protocol.empty();
  for (const auto& p : offered) protocolOk = protocolOk || p == protocol;
  const bool quoteFree = extensions.find('"') == std::string::npos;
  if (problem.empty()) {
    CHECK(protocolOk);
    CHECK(extensionsOk(extensions, deflateOffered));
  } else {
    CHECK(problem.rfind("server ", 0) == 0);
  }
  if (quoteFree) CHECK(problem.empty() == (protocolOk && extensionsOk(extensions, deflateOffered)));
  // The protocol check alone, and the extension check alone.
  CHECK(checkUpgradeResponse(offered, deflateOffered, protocol, "").empty() == protocolOk);
  if (quoteFree) {
    CHECK(checkUpgradeResponse(offered, deflateOffered, "", extensions).empty() ==
          extensionsOk(extensions, deflateOffered));
  }
  // What a conforming server answers is accepted.
  if (deflateOffered) {
    CHECK(checkUpgradeResponse(offered, true, "", "permessage-deflate").empty());
    CHECK(checkUpgradeResponse(offered, true, "",
                               "permessage-deflate; client_max_window_bits=15; "
                               "server_no_context_takeover")
              .empty());
    CHECK(
        checkUpgradeResponse(offered, true, "", "permessage-deflate; server_max_window_bits=\"10\"")
            .empty());
  }
  for (const auto& p : offered) CHECK(checkUpgradeResponse(offered, deflateOffered, p, "").empty());
  return 0;
}
