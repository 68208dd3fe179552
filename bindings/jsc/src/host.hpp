#pragma once
// `minisock run`: a script in a JavaScriptCore context whose globals are what a mini-program's
// network code sees (wx, Taro, console, timers, minisock), on one thread, over GLib's main
// context (bindings/jsc/src/host.cpp). No Asio, Beast or JavaScriptCore in this header.

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace minisock::jsc {

struct RunOptions {
  std::string script;                  ///< the file to run (CommonJS, as Node runs a main module)
  std::vector<std::string> args{};     ///< process.argv-like: minisock.args
  std::string policy = "development";  ///< the default runtime's policy preset
  /// minisock.testing.makeCertificate(): a throwaway self-signed certificate for loopback
  /// (cert file, key file), kept until the run ends; throws std::exception on failure. Unset:
  /// the function throws.
  std::function<std::pair<std::string, std::string>()> makeCertificate{};
};

/// Runs the script until no socket, timer or pending call is left. Returns the exit status: 0,
/// 1 after an uncaught exception or unhandled rejection (printed with its stack on stderr), or
/// what the script set through minisock.exitCode.
int run(const RunOptions& options);

}  // namespace minisock::jsc
