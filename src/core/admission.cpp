#include "core/admission.hpp"

#include "core/error_events.hpp"
#include "core/policy_check.hpp"

namespace minisock::detail {

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

}  // namespace minisock::detail
