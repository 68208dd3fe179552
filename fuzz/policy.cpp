// Fuzzes the Policy's rules (src/core/policy.cpp, policy_check.hpp): every preset, plus a
// policy built from the input, against the parsed host, a TCP port and a WebSocket port, and
// RateWindow against a model.
//
// Input: [TCP port: 4 bytes][WebSocket port: 4 bytes][flags][allowed-domain count]
//        [domains, length-prefixed][host, length-prefixed][RateWindow: max, window, steps...]
// Invariants (from the documented presets):
// - unrestricted refuses nothing; development never refuses a host (no domain list, own
//   addresses allowed, any IP) nor a WebSocket port, and blocks exactly the platform's ports;
// - release refuses every spelling of loopback/unspecified and every address of this machine,
//   every IP literal outside the LAN, every name not in allowedDomains (compared
//   case-insensitively, one trailing dot ignored), and blocks no WebSocket port (the
//   platform's port list is createTCPSocket's);
// - a policy from the input follows each of its fields; each refusal names its rule;
// - RateWindow grants at most `max` uses in any (now - window, now].

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy_check.hpp"
#include "fuzz_support.hpp"

namespace {

using minisock::Policy;
using namespace minisock::detail;

using fuzz::Reader;

bool inRanges(const std::vector<minisock::PortRange>& ranges, int port) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [&](const auto& r) { return port >= r.first && port <= r.last; });
}

bool names(const std::string& refusal, std::string_view rule) {
  return refusal.find("(rule: " + std::string(rule)) != std::string::npos;
}

const std::vector<IPAddress>& ownInterfaces() {
  static const std::vector<IPAddress> mine = interfaceAddresses();
  return mine;
}

bool isOwn(const IPAddress& ip) {
  const IPAddress a = ip.unmapped();
  return isLoopbackOrUnspecified(a) ||
         std::find(ownInterfaces().begin(), ownInterfaces().end(), a) != ownInterfaces().end();
}

void checkPorts(int tcpPort, int wsPort) {
  const Policy release = Policy::release();
  const Policy development = Policy::development();
  const Policy unrestricted = Policy::unrestricted();
  const auto platform = Policy::platformBlockedTCPPorts();
  for (int port : {tcpPort, wsPort, tcpPort & 0xffff, wsPort & 0xffff, 80, 443}) {
    CHECK(refuseTCPPort(unrestricted, port).empty());
    CHECK(refuseWebSocketPort(unrestricted, port).empty());
    CHECK(refuseWebSocketPort(development, port).empty());
    const std::string devTcp = refuseTCPPort(development, port);
    CHECK(devTcp.empty() == !inRanges(platform, port));
    CHECK(refuseTCPPort(release, port) == devTcp);
    if (!devTcp.empty()) CHECK(names(devTcp, "blockedTCPPorts"));
    // Documented members of the list.
    if ((port >= 0 && port < 1024) || port == 3306 || port == 6379 ||
        (port >= 8000 && port <= 8100) || port == 27017)
      CHECK(!devTcp.empty());
    // The platform's port list is createTCPSocket's: no preset blocks a WebSocket port.
    CHECK(refuseWebSocketPort(release, port).empty());
  }
}

void checkRelease(const Policy& release, const ParsedHost& host) {
  const std::string why = refuseHost(release, host);
  if (host.kind == HostKind::name) {
    bool listed = false;
    for (const auto& d : release.allowedDomains)
      listed = listed || normaliseHostName(d) == host.name;
    CHECK(why.empty() == listed);
    if (!why.empty()) CHECK(names(why, "enforceDomainList"));
    return;
  }
  // Every spelling of loopback and of this machine's addresses is refused, by that rule.
  if (isOwn(host.ip)) {
    CHECK(!why.empty());
    CHECK(names(why, "allowOwnAddresses"));
  } else if (!isLanAddress(host.ip)) {
    CHECK(names(why, "lanAddressesOnly"));
  } else {
    CHECK(why.empty());
  }
  if (isLoopbackOrUnspecified(host.ip)) CHECK(!why.empty());
  CHECK(refuseResolvedAddress(release, host.ip).empty() == !isOwn(host.ip));
  CHECK(refuseResolvedAddress(release, host.ip.mapped()).empty() == !isOwn(host.ip));
  CHECK(refuseResolvedAddress(release, host.ip.unmapped()).empty() == !isOwn(host.ip));
}

void checkRateWindow(Reader& in) {
  const int max = in.byte() % 8;  // 0: unlimited
  const std::chrono::seconds window(in.byte() % 16);
  RateWindow rate;
  std::deque<std::chrono::steady_clock::time_point> model;
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  while (!in.empty()) {
    const std::uint8_t step = in.byte();
    // Mostly small steps (bursts), sometimes long gaps.
    now += (step & 0x80) ? std::chrono::milliseconds((step & 0x7f) * 1000)
                         : std::chrono::milliseconds(step * 37);
    const auto inWindow =
        std::count_if(model.begin(), model.end(), [&](auto t) { return t > now - window; });
    const bool expected = max <= 0 || inWindow < max;
    CHECK(rate.tryAcquire(now, max, window) == expected);
    if (expected) model.push_back(now);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Reader in(data, size);
  const int tcpPort = static_cast<int>(in.u32());
  const int wsPort = static_cast<int>(in.u32());
  const std::uint8_t flags = in.byte();
  std::vector<std::string> domains;
  const int domainCount = in.byte() % 6;
  for (int i = 0; i < domainCount; ++i) domains.push_back(in.string());
  const std::string hostText = in.string();
  const ParsedHost host = parseHost(hostText);

  checkPorts(tcpPort, wsPort);

  if (host.kind != HostKind::invalid) {
    CHECK(refuseHost(Policy::unrestricted(), host).empty());
    CHECK(refuseHost(Policy::development(), host).empty());
    if (host.kind != HostKind::name) {
      CHECK(refuseResolvedAddress(Policy::development(), host.ip).empty());
      CHECK(refuseResolvedAddress(Policy::unrestricted(), host.ip).empty());
    }

    Policy release = Policy::release();
    checkRelease(release, host);  // empty domain list
    release.allowedDomains = domains;
    checkRelease(release, host);
    if (host.kind == HostKind::name) {
      // Listed in another spelling: upper case, with a trailing dot.
      std::string spelled = host.name;
      for (char& c : spelled) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
      release.allowedDomains.push_back(spelled + ".");
      CHECK(refuseHost(release, host).empty());
    }

    // A policy made of the input's choices follows each field.
    Policy custom = Policy::unrestricted();
    custom.enforceDomainList = flags & 1;
    custom.lanAddressesOnly = flags & 2;
    custom.allowOwnAddresses = flags & 4;
    custom.allowedDomains = domains;
    const std::string why = refuseHost(custom, host);
    if (host.kind == HostKind::name) {
      if (!custom.enforceDomainList) CHECK(why.empty());
    } else {
      bool refuse = !custom.allowOwnAddresses && isOwn(host.ip);
      refuse = refuse || (custom.lanAddressesOnly && !isLanAddress(host.ip));
      CHECK(why.empty() == !refuse);
    }
  }
  checkRateWindow(in);
  return 0;
}
