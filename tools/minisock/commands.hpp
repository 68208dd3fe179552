#pragma once
/// @file The subcommands: each adds itself to the CLI11 app and returns its runner.

#include <CLI/CLI.hpp>
#include <functional>

namespace minisock::cli {

/// A subcommand: its CLI11 app and what runs it (after parsing) returning the exit status.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run{};
};

Command addServeCommand(CLI::App& app);     // serve.cpp
Command addTcpCommand(CLI::App& app);       // tcp.cpp
Command addUdpCommand(CLI::App& app);       // udp.cpp
Command addWsCommand(CLI::App& app);        // ws.cpp
Command addAutobahnCommand(CLI::App& app);  // autobahn.cpp
Command addDemoCommand(CLI::App& app);      // demo.cpp
Command addRunCommand(CLI::App& app);       // run.cpp (bindings/jsc)

/// `run`'s -- (the end of the scripts), as main() passes it on: CLI11 handles a bare -- itself.
inline constexpr const char* kRunSeparator = "--minisock-run-separator";

}  // namespace minisock::cli
