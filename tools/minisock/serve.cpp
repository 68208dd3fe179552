// `minisock serve`: the embedded echo servers (the same code the demo and the tests use),
// until SIGINT or SIGTERM.
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>

#include <memory>
#include <minisock/echo_servers.hpp>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "options.hpp"
#include "output.hpp"
#include "self_signed.hpp"

namespace minisock::cli {
namespace {

struct ServeOptions {
  CommonOptions common;
  std::string host = "127.0.0.1";
  std::optional<int> tcp, udp, ws, wss;
  std::string certFile;
  std::string keyFile;
};

bool isIPv6(const std::string& host) {
  in6_addr address{};
  return ::inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

bool isIPv4(const std::string& host) {
  in_addr address{};
  return ::inet_pton(AF_INET, host.c_str(), &address) == 1;
}

int runServe(ServeOptions o) {
  Output out({.json = o.common.json, .quiet = o.common.quiet, .name = "serve"});
  if (!isIPv4(o.host) && !isIPv6(o.host)) {
    out.failure("invalid --host '" + o.host + "': an IPv4 or IPv6 address is expected");
    return kExitUsage;
  }
  if (!o.tcp && !o.udp && !o.ws && !o.wss) o.tcp = o.udp = o.ws = 0;

  // Block the stop signals before any server thread starts, so that every thread inherits the
  // mask and sigwait() below is the only place they arrive.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  const std::string shownHost = isIPv6(o.host) ? "[" + o.host + "]" : o.host;
  std::vector<std::string> listening;
  auto listen = [&](const char* proto, std::uint16_t port) {
    if (o.common.json) {
      out.event("listen", {{"proto", proto}, {"address", o.host}, {"port", port}});
    } else {
      out.line(std::string("LISTEN ") + proto + " " + shownHost + ":" + std::to_string(port));
    }
  };

  std::optional<SelfSignedCertificate> selfSigned;
  std::unique_ptr<servers::TcpEchoServer> tcp;
  std::unique_ptr<servers::UdpEchoServer> udp;
  std::unique_ptr<servers::WsEchoServer> ws, wss;
  const char* starting = "";
  try {
    if (o.wss && o.certFile.empty()) {
      starting = "a self-signed certificate";
      selfSigned.emplace();
      o.certFile = selfSigned->certFile();
      o.keyFile = selfSigned->keyFile();
      if (o.common.json) {
        out.event("ca", {{"path", o.certFile}});
      } else {
        out.line("CA " + o.certFile);
      }
    }
    if (o.tcp) {
      starting = "tcp";
      tcp = std::make_unique<servers::TcpEchoServer>(o.host, *o.tcp);
      listen("tcp", tcp->port());
    }
    if (o.udp) {
      starting = "udp";
      udp = std::make_unique<servers::UdpEchoServer>(o.host, *o.udp);
      listen("udp", udp->port());
    }
    if (o.ws) {
      starting = "ws";
      ws = std::make_unique<servers::WsEchoServer>(o.host, *o.ws);
      listen("ws", ws->port());
    }
    if (o.wss) {
      starting = "wss";
      wss = std::make_unique<servers::WsEchoServer>(
          o.host, *o.wss, servers::WsEchoServer::Tls{.certFile = o.certFile, .keyFile = o.keyFile});
      listen("wss", wss->port());
    }
  } catch (const std::exception& e) {
    // Boost's system_error appends the source location ("[system:98 at …]"): not for users.
    std::string why = e.what();
    if (const auto at = why.find(" [system:"); at != std::string::npos) why.resize(at);
    out.failure(std::string("cannot start the ") + starting + " server on " + shownHost + ": " +
                why);
    return kExitUnavailable;
  }
  out.status("serving until SIGINT (Ctrl-C) or SIGTERM", "ready");

  int signal = 0;
  while (sigwait(&stopSignals, &signal) != 0) {
  }
  tcp.reset();
  udp.reset();
  ws.reset();
  wss.reset();
  out.status(std::string("stopped by ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"), "stopped");
  return kExitOk;
}

}  // namespace

Command addServeCommand(CLI::App& app) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* command = app.add_subcommand(
      "serve",
      "Echo servers on loopback (TCP echoes bytes, UDP datagrams, WebSocket each message with "
      "its type) until SIGINT/SIGTERM; prints 'LISTEN <proto> <addr>:<port>' per listener. "
      "Without --tcp/--udp/--ws/--wss: tcp, udp and ws on free ports");
  command->add_option("--host", options->host, "IP address to listen on")->capture_default_str();
  auto port = CLI::Range(0, 65535);
  command->add_option("--tcp", options->tcp, "TCP echo port (0 = a free port)")->check(port);
  command->add_option("--udp", options->udp, "UDP echo port (0 = a free port)")->check(port);
  command->add_option("--ws", options->ws, "WebSocket echo port (0 = a free port)")->check(port);
  command
      ->add_option("--wss", options->wss,
                   "WebSocket-over-TLS echo port (0 = a free port); without --cert, a throwaway "
                   "self-signed certificate is made and its path printed as 'CA <path>'")
      ->check(port);
  auto* cert = command->add_option("--cert", options->certFile, "PEM certificate (chain) for --wss")
                   ->check(CLI::ExistingFile);
  auto* key = command->add_option("--key", options->keyFile, "PEM private key of --cert")
                  ->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  addCommonOptions(*command, options->common, {.policy = false, .timeout = false});
  return {command, [options] { return runServe(*options); }};
}

}  // namespace minisock::cli
