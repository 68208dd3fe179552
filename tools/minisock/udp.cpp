// `minisock udp HOST PORT [--bind PORT]`: each stdin line as a datagram, each datagram
// received printed on a line.
#include <memory>
#include <minisock/minisock.hpp>
#include <string>
#include <utility>
#include <vector>

#include "client_session.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "options.hpp"
#include "output.hpp"
#include "stdin_reader.hpp"

namespace minisock::cli {
namespace {

struct UdpOptions {
  CommonOptions common;
  std::string host;
  int port = 0;
  int bindPort = 0;
  bool hex = false;
  double waitSeconds = 1;
};

int runUdp(const UdpOptions& o) {
  Output out({.json = o.common.json,
              .quiet = o.common.quiet,
              .hex = o.hex,
              .name = "udp",
              .policy = o.common.policy});
  ClientSession session;
  Runtime runtime(o.common.makePolicy());
  auto socket = runtime.createUDPSocket(o.host.find(':') != std::string::npos ? "udp6" : "udp4");
  int boundPort = 0;
  socket->onListening([&](const UDPSocket::ListeningEvent&) {
    out.status("bound to port " + std::to_string(boundPort), "listening", {{"port", boundPort}});
    session.markOpen();
  });
  socket->onMessage([&](const UDPSocket::MessageEvent& e) {
    session.markReceived();
    out.message(e.message, DataKind::bytes, Framing::message,
                {{"address", e.remoteInfo.address}, {"port", e.remoteInfo.port}});
  });
  // UDP has no connection to fail; an Error (bind failure, refused destination, a datagram
  // over the policy's size) ends the session so that scripts see it in the exit status.
  bool closing = false;  // loop thread only: close() once, or each Error would cause another
  socket->onError([&](const ErrorEvent& e) {
    if (!session.setError(e)) return;
    out.error(e);
    if (!std::exchange(closing, true)) socket->close();
  });
  socket->onClose([&](const UDPSocket::CloseEvent&) {
    out.status("socket closed", "close");
    session.markClosed();
  });

  // bind() returns at once, before the loop reports Listening (which prints the port).
  boundPort = o.bindPort > 0 ? socket->bind(o.bindPort) : socket->bind();
  runtime.start();
  StdinReader reader(
      [&](std::string line, bool) {
        socket->send({.address = o.host, .port = o.port, .message = std::move(line)});
      },
      [&] { session.markInputEnded(); });
  reader.start();
  finishClient(session, reader, toMilliseconds(o.waitSeconds), [&] { socket->close(); });
  runtime.stop();
  const auto error = session.error();
  return error ? exitCodeFor(*error) : kExitOk;
}

}  // namespace

Command addUdpCommand(CLI::App& app) {
  auto options = std::make_shared<UdpOptions>();
  CLI::App* command = app.add_subcommand(
      "udp",
      "Interactive UDP client: each stdin line is sent as one datagram (without its newline), "
      "each datagram received is printed on a line");
  command->add_option("HOST", options->host, "IPv4/IPv6 address or host name")->required();
  command->add_option("PORT", options->port, "Destination port, 1-65535")
      ->required()
      ->check(CLI::Range(1, 65535));
  command
      ->add_option("--bind", options->bindPort,
                   "Local port to bind (default: a free port chosen by the system)")
      ->check(CLI::Range(0, 65535));
  command->add_flag("--hex", options->hex, "Print received datagrams as hex");
  addWaitOption(*command, options->waitSeconds);
  addCommonOptions(*command, options->common, {.policy = true, .timeout = false});
  return {command, [options] { return runUdp(*options); }};
}

}  // namespace minisock::cli
