#pragma once
// Admission of a destination under the Policy, for every socket kind (sans-I/O): what a name
// lookup leaves once the Policy's rule on resolved addresses has been applied, and why
// nothing is left. Each kind adds only its errMsg prefix ("connect fail: ", …).

#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "minisock/errors.hpp"
#include "minisock/policy.hpp"

namespace minisock::detail {

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
  std::vector<IPAddress> addresses{};  ///< allowed, in the resolver's order; empty: refused
  ErrorCode code = ErrorCode::systemError;  ///< when refused
  std::string problem{};                    ///< when refused, e.g. "cannot resolve host 'x': …"
};

/// Applies the Policy's rule on resolved addresses (refuseResolvedAddress) to a lookup of
/// `host` (as the user wrote it, for the text). A name that does not exist, or resolves to
/// nothing, is an invalid address (errCode 1); a failed resolver a system error (-1); a name
/// whose every address is refused a policy refusal (-3), with the rule.
Admitted admitResolved(const Policy& policy, std::string_view host, const Lookup& lookup);

}  // namespace minisock::detail
