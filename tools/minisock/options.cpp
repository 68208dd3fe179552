#include "options.hpp"

#include <cmath>

#include "exit_codes.hpp"

namespace minisock::cli {

Policy CommonOptions::makePolicy() const {
  Policy result = policy == "release"        ? Policy::release()
                  : policy == "unrestricted" ? Policy::unrestricted()
                                             : Policy::development();
  if (!caFile.empty()) result.caFile = caFile;
  return result;
}

std::chrono::milliseconds CommonOptions::timeoutOr(std::chrono::milliseconds fallback) const {
  return timeoutSeconds > 0 ? toMilliseconds(timeoutSeconds) : fallback;
}

std::chrono::milliseconds toMilliseconds(double seconds) {
  if (seconds <= 0) return std::chrono::milliseconds(0);
  // At least 1 ms: a positive --timeout must not round down to "invalid".
  return std::chrono::milliseconds(
      std::max<long long>(1, std::llround(std::min(seconds, 1e9) * 1000.0)));
}

void addCommonOptions(CLI::App& command, CommonOptions& options, CommonFlags flags) {
  if (flags.policy) {
    command
        .add_option("--policy", options.policy,
                    "Connection policy: release (all the platform's rules), development (its "
                    "blocked ports and quotas, loopback allowed) or unrestricted (no rule)")
        ->check(CLI::IsMember({"release", "development", "unrestricted"}))
        ->capture_default_str();
  }
  command.add_flag("--json", options.json,
                   "Print one JSON object per event on stdout (NDJSON), for scripts");
  if (flags.timeout) {
    command
        .add_option("--timeout", options.timeoutSeconds,
                    "Connect/handshake timeout in seconds (default: the library's, 2 s for TCP "
                    "and 60 s, the maximum, for WebSocket)")
        ->check(CLI::PositiveNumber);
  }
  command.add_flag("-q,--quiet", options.quiet, "No status or progress lines on stderr");
  command.footer(exitCodesHelp());
}

void addWaitOption(CLI::App& command, double& seconds) {
  command
      .add_option("--wait", seconds,
                  "After the end of stdin, keep printing what arrives until this many seconds "
                  "pass without data, then close")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

}  // namespace minisock::cli
