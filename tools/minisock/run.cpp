// `minisock run FILE.js [ARGS]`: a script in JavaScriptCore with the mini-program globals (wx,
// Taro, console, timers, minisock), on one thread (bindings/jsc). Built when MINISOCK_BUILD_JSC
// is on; otherwise the subcommand says how to get it.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "commands.hpp"
#include "exit_codes.hpp"

#ifdef MINISOCK_HAVE_JSC
#include <memory>

#include "host.hpp"
#include "self_signed.hpp"
#endif

#if defined(MINISOCK_HAVE_JSC) && defined(__SANITIZE_ADDRESS__)
// JavaScriptCore finds live values by scanning the native stack: ASan's fake stacks (its
// stack-use-after-return mode, on by default in newer compilers) would hide them from it.
extern "C" const char* __asan_default_options();
extern "C" const char* __asan_default_options() { return "detect_stack_use_after_return=0"; }
#endif

namespace minisock::cli {

Command addRunCommand(CLI::App& app) {
  auto* run = app.add_subcommand(
      "run",
      "Run a JavaScript file in JavaScriptCore (the engine of iOS mini-programs) with wx, Taro, "
      "console, setTimeout/setInterval and minisock as globals; ends when no socket, timer or "
      "pending call is left (exit status 1 after an uncaught exception)");
  auto policy = std::make_shared<std::string>("development");
  auto file = std::make_shared<std::string>();
  run->add_option("--policy", *policy,
                  "The policy of wx and Taro's runtime: release (all the platform's rules), "
                  "development (its blocked ports and quotas, loopback allowed) or unrestricted")
      ->check(CLI::IsMember({"release", "development", "unrestricted"}))
      ->capture_default_str();
  run->add_option("file", *file, "The script; what follows it is the script's (minisock.args)")
      ->required();
  run->prefix_command();  // everything after the file is the script's
  run->footer(
      "Exit status: 0 when the script ends (or what it set as minisock.exitCode), 1 after an "
      "uncaught exception or unhandled rejection (printed with its stack on stderr), 64 usage "
      "error (the file cannot be read), 70 the JavaScript host cannot start.");
  return {run, [run, policy, file]() -> int {
            std::vector<std::string> all{*file};
            for (const auto& extra : run->remaining()) all.push_back(extra);
#ifdef MINISOCK_HAVE_JSC
            if (std::FILE* f = std::fopen(all.front().c_str(), "rb")) {
              std::fclose(f);
            } else {
              std::fprintf(stderr, "minisock run: cannot read %s: %s\n", all.front().c_str(),
                           std::strerror(errno));
              return kExitUsage;
            }
            jsc::RunOptions options{
                .script = all.front(), .args = {all.begin() + 1, all.end()}, .policy = *policy};
            // Certificates made for the script live (and their files exist) until it ends.
            std::vector<std::unique_ptr<SelfSignedCertificate>> certificates;
            options.makeCertificate = [&certificates] {
              auto& c = certificates.emplace_back(std::make_unique<SelfSignedCertificate>());
              return std::pair{c->certFile(), c->keyFile()};
            };
            return jsc::run(options);
#else
            (void)all;
            std::fprintf(stderr,
                         "minisock run: this minisock was built without JavaScriptCore (install "
                         "libjavascriptcoregtk-4.1-dev and reconfigure with "
                         "-DMINISOCK_BUILD_JSC=ON)\n");
            return kExitUnavailable;
#endif
          }};
}

}  // namespace minisock::cli
