// minisock: the command-line tool on the library. See docs/CLI.md.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "exit_codes.hpp"

#ifndef MINISOCK_VERSION
#define MINISOCK_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  using namespace minisock::cli;
  CLI::App app(
      "minisock: try TCP, UDP and WebSocket by hand, or from scripts, with the mini-program "
      "socket API (policy default: development).",
      "minisock");
  app.set_version_flag("--version", std::string("minisock ") + MINISOCK_VERSION);
  app.require_subcommand(1);
  app.footer(exitCodesHelp());

  const std::vector<Command> commands = {
      addServeCommand(app),    addTcpCommand(app),  addUdpCommand(app), addWsCommand(app),
      addAutobahnCommand(app), addDemoCommand(app), addRunCommand(app)};
  // `run FILE … -- ARGS`: CLI11 would take the words after -- as positionals of its own and
  // refuse them; the separator goes to `run` under another name (run.cpp, kRunSeparator).
  std::vector<char*> args(argv, argv + argc);
  if (argc > 2 && std::string_view(argv[1]) == "run") {
    bool sawFile = false;
    for (int i = 2; i < argc; ++i) {
      const std::string_view word = argv[i];
      if (!sawFile) {
        if (word == "--policy")
          ++i;  // and its value
        else if (!word.starts_with("-"))
          sawFile = true;
        continue;
      }
      if (word == "--") {
        args[i] = const_cast<char*>(kRunSeparator);
        break;
      }
    }
  }
  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every other parse error is a usage error (64).
    const int status = app.exit(e, std::cout, std::cerr);
    return status == 0 ? kExitOk : kExitUsage;
  }
  for (const auto& command : commands)
    if (command.app->parsed()) return command.run();
  return kExitUsage;
}
