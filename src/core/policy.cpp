#include "minisock/policy.hpp"

#include <algorithm>

#include "core/policy_check.hpp"

namespace minisock {

std::vector<PortRange> Policy::platformBlockedTCPPorts() {
  return {{0, 1023},      {1099, 1099},   {1433, 1433},   {1521, 1521},   {1719, 1719},
          {1720, 1720},   {1723, 1723},   {2049, 2049},   {2375, 2375},   {3128, 3128},
          {3306, 3306},   {3389, 3389},   {3659, 3659},   {4045, 4045},   {5060, 5060},
          {5061, 5061},   {5432, 5432},   {5984, 5984},   {6379, 6379},   {6000, 6000},
          {6566, 6566},   {7001, 7001},   {7002, 7002},   {8000, 8100},   {8443, 8443},
          {8888, 8888},   {9200, 9200},   {9300, 9300},   {10051, 10051}, {10080, 10080},
          {11211, 11211}, {27017, 27017}, {27018, 27018}, {27019, 27019}};
}

Policy Policy::release() {
  Policy p = development();
  p.enforceDomainList = true;
  p.lanAddressesOnly = true;
  p.allowOwnAddresses = false;
  // The platform's port list is createTCPSocket's: WebSocket URLs get the wss and domain
  // rules only (blockedWebSocketPorts stays empty, for a user to fill).
  p.allowInsecureWebSocket = false;
  return p;
}

Policy Policy::development() {
  Policy p;
  p.blockedTCPPorts = platformBlockedTCPPorts();
  p.maxTCPSocketsPerWindow = 20;
  p.tcpSocketWindow = std::chrono::minutes(5);
  p.maxWebSockets = 5;
  p.maxUDPMessageSize = 4095;  // the platform: received messages are smaller than 4096 bytes
  return p;
}

Policy Policy::unrestricted() { return Policy{}; }

namespace detail {
namespace {

const char* const kHowToChange =
    "; change that Policy field or use Policy::unrestricted() to allow it";

}  // namespace

std::string refuseTCPPort(const Policy& policy, int port) {
  for (const auto& r : policy.blockedTCPPorts) {
    if (port >= r.first && port <= r.last) {
      return "port " + std::to_string(port) +
             " is blocked by the connection policy (rule: blockedTCPPorts)" + kHowToChange;
    }
  }
  return {};
}

std::string refuseHost(const Policy& policy, const ParsedHost& host) {
  if (host.kind == HostKind::name) {
    if (!policy.enforceDomainList) return {};
    for (const auto& allowed : policy.allowedDomains) {
      if (normaliseHostName(allowed) == host.name) return {};
    }
    return "url not in domain list: host '" + host.name +
           "' is not in the policy's allowedDomains (rule: enforceDomainList)" + kHowToChange;
  }
  std::string refused = refuseResolvedAddress(policy, host.ip);
  if (!refused.empty()) return refused;
  if (policy.lanAddressesOnly && !isLanAddress(host.ip)) {
    return "address " + host.ip.unmapped().toString() +
           " is not a LAN address; IP addresses must be in the LAN and other hosts named in "
           "allowedDomains (rule: lanAddressesOnly)" +
           kHowToChange;
  }
  return {};
}

std::string refuseWebSocketPort(const Policy& policy, int port) {
  for (const auto& r : policy.blockedWebSocketPorts) {
    if (port >= r.first && port <= r.last) {
      return "port " + std::to_string(port) +
             " is blocked by the connection policy (rule: blockedWebSocketPorts)" + kHowToChange;
    }
  }
  return {};
}

std::string refuseResolvedAddress(const Policy& policy, const IPAddress& address) {
  if (policy.allowOwnAddresses) return {};
  IPAddress a = address.unmapped();
  bool own = isLoopbackOrUnspecified(a);
  if (!own) {
    auto mine = interfaceAddresses();
    own = std::find(mine.begin(), mine.end(), a) != mine.end();
  }
  if (!own) return {};
  return "address " + a.toString() +
         " is this device's own address (rule: allowOwnAddresses is false)" + kHowToChange;
}

std::chrono::steady_clock::time_point policyNow(const Policy& policy) {
  return policy.clock ? policy.clock() : std::chrono::steady_clock::now();
}

bool RateWindow::tryAcquire(std::chrono::steady_clock::time_point now, int max,
                            std::chrono::seconds window) {
  if (max <= 0) return true;
  while (!grants_.empty() && grants_.front() <= now - window) grants_.pop_front();
  if (static_cast<int>(grants_.size()) >= max) return false;
  grants_.push_back(now);
  return true;
}

}  // namespace detail
}  // namespace minisock
