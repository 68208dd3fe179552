// Fuzzes the admission of destinations (src/core/admission.cpp): an address as written for an
// IPv4 or IPv6 socket under each preset, a name lookup's outcome under the Policy, and
// connectSocket's whole option check.
//
// Input: [flags][preset][address, length-prefixed][lookup: outcome, count, addresses of 4 or 16
//        bytes][url, length-prefixed][method, length-prefixed][timeout ms: 4 bytes]
// Invariants:
// - admitDestination: admitted ⇔ no problem; an admitted destination is an IP literal of the
//   socket's family (IPv4 on an IPv4 socket) or a name; a refusal is errCode 1 (the address) or
//   -3 (a rule, named) and quotes nothing unprintable;
// - admitResolved: the allowed addresses are exactly those the Policy's rule lets through, in
//   order; nothing left ⇔ a problem, errCode 1 (no such name, no address), -1 (the resolver
//   failed) or -3 (every address refused, the rule named);
// - checkConnectSocketOption: no refusal ⇒ the method is a documented one and the URL parsed;
//   a refusal always has a reason; a URL problem carries 600009.

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/admission.hpp"
#include "core/policy_check.hpp"
#include "fuzz_support.hpp"

namespace {

using minisock::ErrorCode;
using minisock::Policy;
using namespace minisock::detail;

Policy preset(std::uint8_t which) {
  switch (which % 3) {
    case 0:
      return Policy::release();
    case 1:
      return Policy::development();
    default:
      return Policy::unrestricted();
  }
}

bool printable(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c >= 0x7f) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Reader in(data, size);
  const std::uint8_t flags = in.byte();
  Policy policy = preset(in.byte());
  if (flags & 8) policy.allowedDomains = {"example.com"};
  const bool v6 = flags & 1;

  const std::string address = in.string();
  const Destination d = admitDestination(policy, address, v6, v6 ? "ipv6" : "ipv4");
  CHECK(d.admitted() == d.problem.empty());
  if (d.admitted()) {
    CHECK(d.host.kind != HostKind::invalid);
    if (!v6) CHECK(d.host.kind != HostKind::ipv6);
  } else {
    CHECK(d.code == ErrorCode::invalidAddress || d.code == ErrorCode::noPermission);
    if (d.code == ErrorCode::noPermission) CHECK(d.problem.find("(rule: ") != std::string::npos);
    CHECK(printable(d.problem));
  }

  Lookup lookup;
  lookup.outcome = static_cast<Lookup::Outcome>(in.byte() % 3);  // found, notFound, failed
  lookup.message = "resolver text";
  for (int n = in.byte() % 8; n > 0; --n) {
    IPAddress ip;
    ip.v6 = in.byte() & 1;
    for (std::size_t i = 0; i < (ip.v6 ? 16u : 4u); ++i) ip.bytes[i] = in.byte();
    lookup.addresses.push_back(ip);
  }
  const Admitted a = admitResolved(policy, "host.example", lookup);
  if (lookup.outcome == Lookup::Outcome::found) {
    std::size_t next = 0;
    for (const IPAddress& ip : lookup.addresses) {
      if (!refuseResolvedAddress(policy, ip).empty()) continue;
      CHECK(next < a.addresses.size() && a.addresses[next] == ip);
      ++next;
    }
    CHECK(next == a.addresses.size());
  } else {
    CHECK(a.addresses.empty());
  }
  CHECK(a.addresses.empty() == !a.problem.empty());
  if (a.addresses.empty()) {
    CHECK(a.code == ErrorCode::invalidAddress || a.code == ErrorCode::systemError ||
          a.code == ErrorCode::noPermission);
    if (a.code == ErrorCode::noPermission) CHECK(a.problem.find("(rule: ") != std::string::npos);
  }

  minisock::ConnectSocketOption option;
  option.url = in.string();
  option.method = in.string(16);
  option.timeout = std::chrono::milliseconds(static_cast<std::int32_t>(in.u32()));
  WsUrl url;
  const auto refusal = checkConnectSocketOption(policy, option, url, false);
  if (!refusal) {
    CHECK(isDocumentedMethod(option.method));
    WsUrl again;
    CHECK(parseWsUrl(option.url, again).empty());
  } else {
    CHECK(!refusal->reason.empty());
    if (refusal->code == ErrorCode::invalidAddress) CHECK(refusal->errNo == 600009);
  }
  return 0;
}
