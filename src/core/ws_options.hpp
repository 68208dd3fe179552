#pragma once
// WebSocket option validation (sans-I/O): URL, headers, protocols, close code and reason.
// Each check returns the problem as text, or an empty string when the input is valid.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "minisock/socket_task.hpp"

namespace minisock::detail {

/// A parsed ws:// or wss:// URL.
struct WsUrl {
  bool secure = false;
  std::string host;  ///< as written, without brackets
  ParsedHost parsedHost;
  int port = 0;  ///< explicit or 80/443
  bool defaultPort = true;
  std::string target;      ///< path and query, at least "/"
  std::string hostHeader;  ///< value of the Host header
};

/// Why `url` is not a usable WebSocket URL, with the platform's wording where it has one
/// ("url not ws or wss"); empty when `out` was filled.
std::string parseWsUrl(std::string_view url, WsUrl& out);

/// Header fields: names must be HTTP tokens, values free of CR, LF and NUL; Referer is refused
/// (documented), and so are the fields the handshake owns (Host, Upgrade, Connection,
/// Sec-WebSocket-*).
std::string checkHeaders(const HeaderFields& header);

/// Subprotocols: non-empty HTTP tokens, no duplicates.
std::string checkProtocols(const std::vector<std::string>& protocols);

/// The platform's close rules: code 1000 or 3000-4999; reason at most 123 bytes of UTF-8.
std::string checkCloseCode(int code);
std::string checkCloseReason(std::string_view reason);

/// The server's 101 answer checked against what the client offered (RFC 6455 4.1: a
/// subprotocol or an extension that was not offered fails the connection; Beast 1.81 accepts
/// both). Empty when acceptable.
std::string checkUpgradeResponse(const std::vector<std::string>& offeredProtocols,
                                 bool deflateOffered, std::string_view protocolHeader,
                                 std::string_view extensionsHeader);

/// ASCII case-insensitive equality (HTTP field names).
bool equalsNoCase(std::string_view a, std::string_view b) noexcept;

/// The whole check of the 101 answer's negotiation, over every header field of `fields` (any
/// range of elements with name_string() and value(), e.g. Beast's response): a second
/// Sec-WebSocket-Protocol field, or one naming several, is refused; repeated
/// Sec-WebSocket-Extensions fields count as one list (RFC 7230 3.2.2), then
/// checkUpgradeResponse. Sets `protocol` to the negotiated subprotocol; empty when acceptable.
template <class Fields>
std::string checkUpgradeFields(const std::vector<std::string>& offeredProtocols,
                               bool deflateOffered, const Fields& fields, std::string& protocol) {
  std::string extensions;
  int protocolFields = 0;
  for (const auto& field : fields) {
    const std::string_view name = field.name_string();
    if (equalsNoCase(name, "Sec-WebSocket-Protocol")) {
      ++protocolFields;
      protocol = std::string_view(field.value());
    } else if (equalsNoCase(name, "Sec-WebSocket-Extensions")) {
      if (!extensions.empty()) extensions += ", ";
      extensions += std::string_view(field.value());
    }
  }
  if (protocolFields > 1 || protocol.find(',') != std::string::npos)
    return "server answered with more than one subprotocol";
  return checkUpgradeResponse(offeredProtocols, deflateOffered, protocol, extensions);
}

/// The methods connectSocket documents (OPTIONS, GET, HEAD, POST, PUT, DELETE, TRACE,
/// CONNECT), in any case; empty is GET. The handshake itself always uses GET (RFC 6455 4.1).
bool isDocumentedMethod(std::string_view method) noexcept;

/// Whether a close code may appear in a close frame on the wire (RFC 6455 7.4): 1000-1003,
/// 1007-1014, 3000-4999. 1004-1006 and 1015 are reserved, 0-999, 1016-2999 and 5000 and up are
/// not used (Beast 1.81 accepts 5000-65535: the client checks those itself).
bool isWireCloseCode(int code) noexcept;

/// True for an RFC 7230 token.
bool isHttpToken(std::string_view s) noexcept;

}  // namespace minisock::detail
