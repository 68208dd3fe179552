#include "core/admission.hpp"

#include "core/error_events.hpp"
#include "core/policy_check.hpp"

namespace minisock::detail {

Destination admitDestination(const Policy& policy, std::string_view address, bool ipv6Socket,
                             std::string_view socketType) {
  Destination d;
  d.host = parseHost(address);
  if (d.host.kind == HostKind::invalid) {
    d.code = ErrorCode::invalidAddress;
    d.problem = "invalid address " + quoted(address) + ": " + d.host.problem;
    return d;
  }
  if (d.host.kind == HostKind::ipv6 && !ipv6Socket) {
    if (d.host.ip.unmapped().v6) {
      d.code = ErrorCode::invalidAddress;
      d.problem = "invalid address " + quoted(address) +
                  ": an IPv6 address on a socket of type \"" + std::string(socketType) + "\"";
      return d;
    }
    d.host.ip = d.host.ip.unmapped();
    d.host.kind = HostKind::ipv4;
  }
  if (std::string why = refuseHost(policy, d.host); !why.empty()) {
    d.code = ErrorCode::noPermission;
    d.problem = std::move(why);
  }
  return d;
}

Admitted admitResolved(const Policy& policy, std::string_view host, const Lookup& lookup) {
  Admitted result;
  switch (lookup.outcome) {
    case Lookup::Outcome::notFound:
      result.code = ErrorCode::invalidAddress;
      result.problem = "cannot resolve host " + quoted(host) + ": " + lookup.message;
      return result;
    case Lookup::Outcome::failed:
    case Lookup::Outcome::cancelled:
      result.code = ErrorCode::systemError;
      result.problem = "cannot resolve host " + quoted(host) + ": " +
                       (lookup.message.empty() ? std::string("the lookup failed") : lookup.message);
      return result;
    case Lookup::Outcome::found:
      break;
  }
  std::string refusal;
  for (const IPAddress& address : lookup.addresses) {
    std::string why = refuseResolvedAddress(policy, address);
    if (why.empty()) {
      result.addresses.push_back(address);
    } else if (refusal.empty()) {
      refusal = std::move(why);
    }
  }
  if (!result.addresses.empty()) return result;
  if (refusal.empty()) {
    result.code = ErrorCode::invalidAddress;
    result.problem = "host " + quoted(host) + " has no address";
  } else {
    result.code = ErrorCode::noPermission;
    result.problem = "host " + quoted(host) + " resolves to a refused address: " + refusal;
  }
  return result;
}

std::optional<OptionRefusal> checkConnectSocketOption(const Policy& policy,
                                                      const ConnectSocketOption& option, WsUrl& url,
                                                      bool parsed) {
  constexpr int kInvalidUrl = static_cast<int>(UnifiedErrno::invalidURL);
  if (!isDocumentedMethod(option.method)) {
    return OptionRefusal{"method " + quoted(option.method.substr(0, 32)) +
                         " is not one of OPTIONS, GET, HEAD, POST, PUT, DELETE, TRACE, CONNECT"};
  }
  if (!parsed) {
    if (std::string problem = parseWsUrl(option.url, url); !problem.empty())
      return OptionRefusal{std::move(problem), kInvalidUrl, ErrorCode::invalidAddress};
  }
  if (option.timeout.count() <= 0) {  // larger than 60 s: capped (SocketTask::kMaxOpeningTimeout)
    return OptionRefusal{"invalid timeout " + std::to_string(option.timeout.count()) +
                         " ms (must be positive)"};
  }
  if (option.heartbeat.count() < 0 || option.heartbeat > std::chrono::hours(24)) {
    return OptionRefusal{"invalid heartbeat " + std::to_string(option.heartbeat.count()) +
                         " ms (must be 0, off, up to 24 hours)"};
  }
  if (std::string problem = checkHeaders(option.header); !problem.empty())
    return OptionRefusal{std::move(problem)};
  if (std::string problem = checkProtocols(option.protocols); !problem.empty())
    return OptionRefusal{std::move(problem)};
  if (!url.secure && !policy.allowInsecureWebSocket) {
    return OptionRefusal{
        "url scheme ws:// is not allowed: the policy allows wss:// only (rule: "
        "allowInsecureWebSocket)",
        kInvalidUrl, ErrorCode::noPermission};
  }
  if (std::string why = refuseWebSocketPort(policy, url.port); !why.empty())
    return OptionRefusal{std::move(why), 0, ErrorCode::noPermission};
  if (std::string why = refuseHost(policy, url.parsedHost); !why.empty()) {
    const bool domain = why.rfind("url not in domain list", 0) == 0;
    return OptionRefusal{std::move(why),
                         domain ? static_cast<int>(UnifiedErrno::urlNotInDomainList) : 0,
                         ErrorCode::noPermission};
  }
  return std::nullopt;
}

}  // namespace minisock::detail
