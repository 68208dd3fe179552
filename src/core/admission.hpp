#pragma once
// Admission of a destination under the Policy, for every socket kind (sans-I/O): the address
// as written (parsed, checked against the socket's family and the Policy's host rules), and
// what a name lookup leaves once the Policy's rule on resolved addresses has been applied, and
// why nothing is left. Each kind adds only its errMsg prefix ("connect fail: ", …) and its own
// rules (TCP's blocked ports).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "core/ws_options.hpp"
#include "minisock/errors.hpp"
#include "minisock/policy.hpp"

namespace minisock::detail {

/// A destination as the user wrote it, checked: an IP literal (IPv4 for an IPv4 socket, an
/// IPv4-mapped IPv6 literal turned into IPv4 there), or a host name still to resolve.
struct Destination {
  ParsedHost host{};                        ///< when admitted
  ErrorCode code = ErrorCode::systemError;  ///< when refused
  std::string problem{};                    ///< when refused; empty when admitted
  bool admitted() const noexcept { return problem.empty(); }
};

/// Parses `address` and applies, in order: a valid address (errCode 1), an IPv6 literal only on
/// an IPv6 socket (`socketType` names the socket's type in the text: "ipv4", "udp4"; errCode 1),
/// the Policy's rules on the host as written (domain list, LAN-only, own addresses; -3).
Destination admitDestination(const Policy& policy, std::string_view address, bool ipv6Socket,
                             std::string_view socketType);

/// How a name lookup ended (core/resolver.hpp), without Asio's types.
struct Lookup {
  enum class Outcome {
    found,      ///< `addresses` holds what the resolver answered (possibly nothing)
    notFound,   ///< the name does not exist (or has no address of the family asked for)
    failed,     ///< the resolver itself failed (no network, a server failure)
    cancelled,  ///< the socket gave up on it (closed) before it started
  };
  Outcome outcome = Outcome::failed;
  std::string message{};  ///< the resolver's text, for notFound and failed
  std::vector<IPAddress> addresses{};
};

/// The addresses a destination may be reached at, or why none can be used.
struct Admitted {
  std::vector<IPAddress> addresses{};       ///< allowed, in the resolver's order; empty: refused
  ErrorCode code = ErrorCode::systemError;  ///< when refused
  std::string problem{};                    ///< when refused, e.g. "cannot resolve host 'x': …"
};

/// Applies the Policy's rule on resolved addresses (refuseResolvedAddress) to a lookup of
/// `host` (as the user wrote it, for the text). A name that does not exist, or resolves to
/// nothing, is an invalid address (errCode 1); a failed resolver a system error (-1); a name
/// whose every address is refused a policy refusal (-3), with the rule.
Admitted admitResolved(const Policy& policy, std::string_view host, const Lookup& lookup);

/// Why connectSocket refuses an option, as its `fail` and Error report it.
struct OptionRefusal {
  std::string reason;  ///< after "connectSocket:fail "
  int errNo = 0;       ///< the unified errno (600009 invalid URL, 600002 not in domain list) or 0
  ErrorCode code = ErrorCode::systemError;
};

/// Every check of connectSocket's option against the Policy, in the platform's order: method,
/// URL (parsed into `url` unless `parsed` says it already is), timeout, heartbeat, headers,
/// protocols, then the Policy's rules on the URL (ws:// allowed, blocked ports, host rules).
std::optional<OptionRefusal> checkConnectSocketOption(const Policy& policy,
                                                      const ConnectSocketOption& option, WsUrl& url,
                                                      bool parsed);

}  // namespace minisock::detail
