// `minisock run FILE.js [ARGS]`: a script in JavaScriptCore with the mini-program globals (wx,
// Taro, console, timers, minisock), on one thread (bindings/jsc). Built when MINISOCK_BUILD_JSC
// is on; otherwise the subcommand says how to get it.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
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

namespace {

/// A word that names a JavaScript file that exists (.js or .cjs).
bool isScript(const std::string& word) {
  const auto ends = [&word](std::string_view suffix) {
    return word.size() > suffix.size() &&
           word.compare(word.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (!ends(".js") && !ends(".cjs")) return false;
  std::FILE* f = std::fopen(word.c_str(), "rb");
  if (f == nullptr) return false;
  std::fclose(f);
  return true;
}

}  // namespace

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
  run->add_option("file", *file,
                  "The script (CommonJS); more scripts may follow, each run after the other; "
                  "the words after the last script (or after --) are the scripts' arguments "
                  "(minisock.args)")
      ->required();
  run->prefix_command();  // everything after the first file is ours to split
  run->footer(
      "Exit status: 0 when the script ends (or what it set as minisock.exitCode), 1 after an "
      "uncaught exception or unhandled rejection (printed with its stack on stderr), 64 usage "
      "error (a file cannot be read), 70 the JavaScript host cannot start. With several "
      "scripts: each runs in a context of its own after the one before, under a line "
      "'== FILE' on stdout, and the status is the first one that is not 0.");
  return {run, [run, policy, file]() -> int {
            // FILE [FILE.js ...] [--] [ARGS]: the leading words that name .js files that exist
            // are scripts (so that `minisock run examples/seeds/*.js` runs them all); the rest
            // are arguments. A .js file meant as an argument goes after --.
            std::vector<std::string> scripts{*file};
            std::vector<std::string> args;
            bool inArgs = false;
            for (const auto& word : run->remaining()) {
              if (!inArgs && (word == kRunSeparator || word == "--")) {
                inArgs = true;
                continue;
              }
              if (!inArgs && isScript(word)) {
                scripts.push_back(word);
                continue;
              }
              inArgs = true;
              args.push_back(word);
            }
#ifdef MINISOCK_HAVE_JSC
            for (const auto& script : scripts) {
              if (std::FILE* f = std::fopen(script.c_str(), "rb")) {
                std::fclose(f);
              } else {
                std::fprintf(stderr, "minisock run: cannot read %s: %s\n", script.c_str(),
                             std::strerror(errno));
                return kExitUsage;
              }
            }
            int status = 0;
            for (const auto& script : scripts) {
              if (scripts.size() > 1) {
                std::printf("== %s\n", script.c_str());
                std::fflush(stdout);
              }
              jsc::RunOptions options{.script = script, .args = args, .policy = *policy};
              // Certificates made for the script live (and their files exist) until it ends.
              std::vector<std::unique_ptr<SelfSignedCertificate>> certificates;
              options.makeCertificate = [&certificates] {
                auto& c = certificates.emplace_back(std::make_unique<SelfSignedCertificate>());
                return std::pair{c->certFile(), c->keyFile()};
              };
              const int result = jsc::run(options);
              if (status == 0) status = result;
            }
            return status;
#else
            (void)scripts;
            std::fprintf(stderr,
                         "minisock run: this minisock was built without JavaScriptCore (install "
                         "libjavascriptcoregtk-4.1-dev and reconfigure with "
                         "-DMINISOCK_BUILD_JSC=ON)\n");
            return kExitUnavailable;
#endif
          }};
}

}  // namespace minisock::cli
