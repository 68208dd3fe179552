#pragma once
// Proxies (sans-I/O): the proxy URL and the no-proxy list of NetworkOptions, and the bytes of
// the two tunnel protocols: HTTP CONNECT (RFC 9110 section 9.3.6, Basic credentials per RFC
// 7617) and SOCKS5 (RFC 1928, username/password per RFC 1929). core/proxy_tunnel does the I/O.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "minisock/network.hpp"

namespace minisock::detail {

struct ProxyUrl {
  enum class Kind { http, socks5 };
  Kind kind = Kind::http;
  ParsedHost host{};  ///< an IP literal or a normalised name
  std::uint16_t port = 1080;
  bool hasCredentials = false;
  std::string user{};      ///< percent-decoded
  std::string password{};  ///< percent-decoded
  /// "http://host:port" / "socks5://host:port", without credentials: how errMsgs name it.
  std::string display{};
};

/// The URL parsed, or `problem` (never quoting the credentials).
struct ProxyUrlResult {
  std::optional<ProxyUrl> url{};
  std::string problem{};
};
ProxyUrlResult parseProxyUrl(std::string_view text);

/// The first problem of the proxy and no-proxy settings, or empty (NetworkOptions::check's
/// first half; the TLS fields are tls/tls_options').
std::string proxySettingsProblem(const NetworkOptions& network);

/// One no-proxy entry's problem, or empty.
std::string checkNoProxyEntry(std::string_view entry);
/// Whether `host` (a destination as written, parsed) is reached directly.
bool bypassesProxy(const std::vector<std::string>& noProxy, const ParsedHost& host);

/// The destination as the proxy must be told: a host name as written (normalised) or an IP
/// literal, and the port.
struct TunnelTarget {
  ParsedHost host{};
  std::uint16_t port = 0;
  /// "host:port", "[v6]:port": CONNECT's authority and the errMsgs' name of the destination.
  std::string authority() const;
};

// ---- HTTP CONNECT ----

/// "CONNECT authority HTTP/1.1", Host, Proxy-Authorization when the URL has credentials.
std::string httpConnectRequest(const ProxyUrl& proxy, const TunnelTarget& target);
/// The longest read that cannot go past the end of the answer's head ("\r\n\r\n") given what
/// has been read so far: 4 minus the length of the terminator's prefix the head ends with.
std::size_t httpConnectReadSize(std::string_view soFar);
/// Whether `soFar` holds the whole head.
bool httpConnectAnswerComplete(std::string_view soFar);
/// The largest answer head accepted.
inline constexpr std::size_t kMaxProxyAnswerBytes = 8192;
/// The problem of a complete answer head, or empty when it opens the tunnel (2xx).
std::string httpConnectAnswerProblem(const ProxyUrl& proxy, const TunnelTarget& target,
                                     std::string_view head);

// ---- SOCKS5 ----

/// VER 5, the methods offered: no authentication, and username/password when the URL has
/// credentials.
std::string socks5Greeting(const ProxyUrl& proxy);
/// The method reply (2 bytes): the problem, or empty with `usePassword` set when the proxy
/// chose username/password.
std::string socks5MethodProblem(const ProxyUrl& proxy, std::string_view reply, bool& usePassword);
/// RFC 1929's request; the problem instead (empty request) when a name is longer than 255.
std::string socks5PasswordRequest(const ProxyUrl& proxy, std::string& problem);
std::string socks5PasswordProblem(const ProxyUrl& proxy, std::string_view reply);
/// CONNECT with ATYP 3 (domain name) for a name, 1 or 4 for an IP literal.
std::string socks5ConnectRequest(const TunnelTarget& target);
/// After the reply's first 4 bytes (VER REP RSV ATYP) and, for ATYP 3, its length byte
/// (`fifth`): how many bytes of the reply remain; 0 with `problem` set when it is malformed
/// or a refusal. `fifth` is ignored unless ATYP is 3 (pass -1 before it was read).
std::size_t socks5ReplyRest(const ProxyUrl& proxy, const TunnelTarget& target,
                            std::string_view head, int fifth, std::string& problem);
/// The reply code's meaning (RFC 1928 section 6).
std::string socks5ReplyText(int rep);

}  // namespace minisock::detail
