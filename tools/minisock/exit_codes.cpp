#include "exit_codes.hpp"

namespace minisock::cli {

int exitCodeFor(const ErrorEvent& error) {
  switch (static_cast<ErrorCode>(error.errCode)) {
    case ErrorCode::noPermission:
      return kExitNoPermission;
    case ErrorCode::invalidAddress:
      // errCode 1 also covers a host name that does not resolve: that is the network's
      // answer, not a malformed argument.
      return error.errMsg.find("cannot resolve host") != std::string::npos ? kExitUnavailable
                                                                           : kExitUsage;
    case ErrorCode::invalidPort:
      return kExitUsage;
    default:
      return kExitUnavailable;
  }
}

const char* exitCodesHelp() {
  return "Exit status: 0 success (the connection ended normally), 64 usage error, 69 network "
         "failure (refused, reset, timeout, TLS, unknown host), 77 refused by the connection "
         "policy (errCode -3; choose another with --policy).";
}

}  // namespace minisock::cli
