// Fuzzes the WebSocket option checks (src/core/ws_options.*): header fields, subprotocols,
// close code and close reason, and isHttpToken, on option structs decoded from the input.
//
// Input: [header count][(name, value) as length-prefixed strings]...[protocol count]
//        [protocols...][close code: 4 bytes][reason: the rest]. Missing bytes read as zero.
// Each check is compared with a reference written here from the documented rules; accepted
// headers and protocols are serialised and re-parsed to prove nothing can be injected.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.hpp"
#include "core/ws_options.hpp"
#include "fuzz_support.hpp"

namespace {

using fuzz::Reader;

bool refToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Fields the handshake owns, and Referer (documented as refused).
bool refForbiddenName(std::string_view name) {
  const std::string n = lower(name);
  return n == "referer" || n == "host" || n == "upgrade" || n == "connection" ||
         n.rfind("sec-websocket-", 0) == 0 || n == "content-length" || n == "transfer-encoding";
}

bool refHeadersOk(const minisock::HeaderFields& header) {
  for (const auto& [name, value] : header) {
    if (name.size() > minisock::SocketTask::kMaxRequestFieldBytes ||
        value.size() > minisock::SocketTask::kMaxRequestFieldBytes)
      return false;
    if (!refToken(name)) return false;
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) return false;
    if (refForbiddenName(name)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minisock::detail;
  Reader in(data, size);

  minisock::ConnectSocketOption option;
  const int headerCount = in.byte() % 8;
  for (int i = 0; i < headerCount; ++i) {
    std::string name = in.string();
    std::string value = in.string();
    option.header.emplace_back(std::move(name), std::move(value));
  }
  const int protocolCount = in.byte() % 8;
  for (int i = 0; i < protocolCount; ++i) option.protocols.push_back(in.string());
  std::uint32_t rawCode = 0;
  for (int i = 0; i < 4; ++i) rawCode = (rawCode << 8) | in.byte();
  const int code = static_cast<int>(rawCode);
  const std::string reason = in.rest();

  // isHttpToken.
  for (const auto& [name, value] : option.header) {
    CHECK(isHttpToken(name) == refToken(name));
    CHECK(isHttpToken(value) == refToken(value));
  }
  for (const auto& p : option.protocols) CHECK(isHttpToken(p) == refToken(p));
  CHECK(isHttpToken(reason) == refToken(reason));

  // Header fields.
  const std::string headerProblem = checkHeaders(option.header);
  CHECK(headerProblem.empty() == refHeadersOk(option.header));
  if (headerProblem.empty()) {
    // Serialised as a request would be, then split again: the same fields, no more.
    std::string wire;
    for (const auto& [name, value] : option.header) wire += name + ": " + value + "\r\n";
    std::size_t lines = 0, pos = 0;
    for (std::size_t next; (next = wire.find("\r\n", pos)) != std::string::npos; pos = next + 2) {
      const std::string_view line(wire.data() + pos, next - pos);
      CHECK(lines < option.header.size());
      const auto& [name, value] = option.header[lines];
      CHECK(line.substr(0, line.find(':')) == name);
      CHECK(line.substr(line.find(':') + 2) == value);
      ++lines;
    }
    CHECK(lines == option.header.size());
    CHECK(pos == wire.size());
  }

  // Subprotocols: tokens, no duplicates; the offer header splits back into the same list.
  bool protocolsOk = true;
  for (std::size_t i = 0; i < option.protocols.size(); ++i) {
    if (!refToken(option.protocols[i])) protocolsOk = false;
    for (std::size_t j = 0; j < i; ++j) {
      if (option.protocols[i] == option.protocols[j]) protocolsOk = false;
    }
  }
  std::size_t offerBytes = 0;
  for (std::size_t i = 0; i < option.protocols.size(); ++i)
    offerBytes += (i == 0 ? 0 : 2) + option.protocols[i].size();
  if (offerBytes > minisock::SocketTask::kMaxRequestFieldBytes) protocolsOk = false;
  const std::string protocolProblem = checkProtocols(option.protocols);
  CHECK(protocolProblem.empty() == protocolsOk);
  if (protocolsOk && !option.protocols.empty()) {
    std::string offer;
    for (const auto& p : option.protocols) offer += (offer.empty() ? "" : ", ") + p;
    std::vector<std::string> split;
    for (std::size_t pos = 0;;) {
      const auto comma = offer.find(", ", pos);
      split.push_back(offer.substr(pos, comma - pos));
      if (comma == std::string::npos) break;
      pos = comma + 2;
    }
    CHECK(split == option.protocols);
  }

  // Close code: 1000 or 3000-4999.
  const std::string codeProblem = checkCloseCode(code);
  CHECK(codeProblem.empty() == (code == 1000 || (code >= 3000 && code <= 4999)));
  if (!codeProblem.empty()) CHECK(codeProblem.find(std::to_string(code)) != std::string::npos);
  for (int c : {code & 0xffff, 999, 1000, 1001, 2999, 3000, 4999, 5000, -1000}) {
    CHECK(checkCloseCode(c).empty() == (c == 1000 || (c >= 3000 && c <= 4999)));
  }

  // Close reason: at most 123 bytes of UTF-8, so that a close frame (2-byte code + reason)
  // fits the 125-byte limit of control frames.
  const std::string reasonProblem = checkCloseReason(reason);
  CHECK(reasonProblem.empty() == (reason.size() <= 123 && isValidUtf8(reason)));
  if (reasonProblem.empty()) CHECK(2 + reason.size() <= 125);
  for (std::size_t cut : {std::size_t{0}, std::size_t{123}, std::size_t{124}}) {
    const std::string_view part = std::string_view(reason).substr(0, cut);
    CHECK(checkCloseReason(part).empty() == (part.size() <= 123 && isValidUtf8(part)));
  }
  return 0;
}
