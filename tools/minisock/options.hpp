#pragma once
/// @file The flags every subcommand shares (--policy, --json, --timeout, --quiet).

#include <CLI/CLI.hpp>
#include <chrono>
#include <minisock/network.hpp>
#include <minisock/policy.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minisock::cli {

class Output;

/// Values of the common flags of one subcommand.
struct CommonOptions {
  std::string policy = "development";    ///< release | development | unrestricted
  bool json = false;                     ///< NDJSON events on stdout
  bool quiet = false;                    ///< no status or progress lines on stderr
  double timeoutSeconds = 0;             ///< connect/handshake timeout; 0 = the library's default
  std::string caFile{};                  ///< extra trusted CA (wss), set by --ca where offered
  std::string proxy{};                   ///< --proxy URL (tcp, ws); empty: the environment's
  std::optional<std::string> noProxy{};  ///< --noproxy LIST (tcp, ws); unset: NO_PROXY's
  std::string certFile{};                ///< --cert (ws)
  std::string keyFile{};                 ///< --key (ws)
  std::string keyPassphraseEnv{};        ///< --key-passphrase-env NAME (ws)
  std::vector<std::string> pins{};       ///< --pin (ws, repeatable)

  /// The Policy preset named by `policy`, with `caFile`.
  Policy makePolicy() const;
  /// The NetworkOptions of these flags for a connection to a `scheme` URL ("tcp", "ws",
  /// "wss"): --proxy, else the conventional environment variables (wss: HTTPS_PROXY,
  /// https_proxy; ws: http_proxy; then ALL_PROXY, all_proxy); the destinations reached
  /// directly: --noproxy, else NO_PROXY/no_proxy (comma-separated), which apply to a --proxy
  /// too, as curl reads them; --cert, --key, the passphrase from --key-passphrase-env, --pin.
  /// On a problem (a bad proxy URL or --noproxy list, an unset passphrase variable, a pin of
  /// the wrong form): nullopt, reported on `out` (Output::failure) naming the flag or variable
  /// and why. Entries of NO_PROXY that cannot be used are left out, each with a warning on `out`.
  std::optional<NetworkOptions> makeNetwork(std::string_view scheme, Output& out) const;
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

/// Adds --proxy URL and --noproxy LIST (tcp, ws).
void addProxyOption(CLI::App& command, CommonOptions& options);

/// Adds --cert, --key, --key-passphrase-env and --pin (ws).
void addTlsOptions(CLI::App& command, CommonOptions& options);

/// Adds the common flags to `command`, storing into `options`, and the exit-status footer.
void addCommonOptions(CLI::App& command, CommonOptions& options, CommonFlags flags = {});

}  // namespace minisock::cli
