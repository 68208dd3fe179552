#pragma once
/// @file The flags every subcommand shares (--policy, --json, --timeout, --quiet).

#include <CLI/CLI.hpp>
#include <chrono>
#include <minisock/policy.hpp>
#include <optional>
#include <string>

namespace minisock::cli {

/// Values of the common flags of one subcommand.
struct CommonOptions {
  std::string policy = "development";  ///< release | development | unrestricted
  bool json = false;                   ///< NDJSON events on stdout
  bool quiet = false;                  ///< no status or progress lines on stderr
  double timeoutSeconds = 0;           ///< connect/handshake timeout; 0 = the library's default
  std::string caFile{};                ///< extra trusted CA (wss), set by --ca where offered

  /// The Policy preset named by `policy`, with `caFile`.
  Policy makePolicy() const;
  /// The --timeout value, or `fallback` when it was not given.
  std::chrono::milliseconds timeoutOr(std::chrono::milliseconds fallback) const;
};

/// Which common flags a subcommand takes (--json, --quiet always; --help comes from CLI11).
struct CommonFlags {
  bool policy = true;
  bool timeout = true;
};

/// `seconds` (from a flag) as milliseconds, at most about 31 years; a positive value is at
/// least 1 ms.
std::chrono::milliseconds toMilliseconds(double seconds);

/// Adds --wait SECONDS (tcp, udp, ws): how long to keep receiving after the end of stdin.
void addWaitOption(CLI::App& command, double& seconds);

/// Adds the common flags to `command`, storing into `options`, and the exit-status footer.
void addCommonOptions(CLI::App& command, CommonOptions& options, CommonFlags flags = {});

}  // namespace minisock::cli
