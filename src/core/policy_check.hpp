#pragma once
// The Policy's rules as plain functions (sans-I/O). Each returns the refusal reason, naming
// the rule, or an empty string when allowed.

#include <chrono>
#include <deque>
#include <string>

#include "core/address.hpp"
#include "minisock/policy.hpp"

namespace minisock::detail {

/// Blocked TCP ports.
std::string refuseTCPPort(const Policy& policy, int port);
/// Blocked WebSocket ports.
std::string refuseWebSocketPort(const Policy& policy, int port);
/// Rules on the host as written: the domain list for names; LAN-only and own-address rules
/// for IP literals.
std::string refuseHost(const Policy& policy, const ParsedHost& host);
/// The own-address rule for an address a host name resolved to.
std::string refuseResolvedAddress(const Policy& policy, const IPAddress& address);
/// The policy's clock (injected or steady_clock).
std::chrono::steady_clock::time_point policyNow(const Policy& policy);

/// "At most N per rolling window": a sliding log of grant times.
class RateWindow {
 public:
  /// Grants one use at `now` if fewer than `max` were granted in (now - window, now].
  /// `max` <= 0 means unlimited.
  bool tryAcquire(std::chrono::steady_clock::time_point now, int max, std::chrono::seconds window);

 private:
  std::deque<std::chrono::steady_clock::time_point> grants_;
};

}  // namespace minisock::detail
