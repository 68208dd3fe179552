// `minisock tcp HOST PORT`: stdin to a TCPSocket, what it receives to stdout.
#include <memory>
#include <minisock/minisock.hpp>
#include <string>

#include "client_session.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "options.hpp"
#include "output.hpp"
#include "stdin_reader.hpp"

namespace minisock::cli {
namespace {

struct TcpOptions {
  CommonOptions common;
  std::string host;
  int port = 0;
  bool hex = false;
  double waitSeconds = 1;
};

int runTcp(const TcpOptions& o) {
  Output out({.json = o.common.json,
              .quiet = o.common.quiet,
              .hex = o.hex,
              .name = "tcp",
              .policy = o.common.policy});
  const auto network = o.common.makeNetwork("tcp", out);
  if (!network) return kExitUsage;
  ClientSession session;
  Runtime runtime(o.common.makePolicy(), *network);
  auto socket =
      runtime.createTCPSocket({.type = o.host.find(':') != std::string::npos ? "ipv6" : "ipv4"});
  socket->onConnect([&](const TCPSocket::ConnectEvent&) {
    out.status("connected to " + o.host + " port " + std::to_string(o.port), "open",
               {{"address", o.host}, {"port", o.port}});
    session.markOpen();
  });
  socket->onMessage([&](const TCPSocket::MessageEvent& e) {
    session.markReceived();
    out.message(e.message, DataKind::bytes, Framing::stream);
  });
  socket->onError([&](const ErrorEvent& e) {
    if (session.setError(e)) out.error(e);
  });
  socket->onClose([&](const TCPSocket::CloseEvent&) {
    out.status("connection closed", "close");
    session.markClosed();
  });

  runtime.start();
  socket->connect(
      {.address = o.host, .port = o.port, .timeout = o.common.timeoutOr(std::chrono::seconds(2))});
  // Lines written before the connection is up are queued by the library, in order; stdin is
  // not read while more than StdinReader::kMaxBufferedBytes wait to be sent (a peer that does
  // not read), and again from the socket's Drain.
  StdinReader reader(
      [&](std::string line, bool newline) {
        if (newline) line += '\n';
        socket->write(std::move(line));
      },
      [&] { session.markInputEnded(); },
      [&] { return socket->bufferedAmount() <= StdinReader::kMaxBufferedBytes; });
  socket->onDrain([&](const TCPSocket::DrainEvent&) { reader.wake(); });
  reader.start();
  finishClient(session, reader, toMilliseconds(o.waitSeconds), [&] { socket->close(); });
  runtime.stop();
  const auto error = session.error();
  return error ? exitCodeFor(*error) : kExitOk;
}

}  // namespace

Command addTcpCommand(CLI::App& app) {
  auto options = std::make_shared<TcpOptions>();
  CLI::App* command = app.add_subcommand(
      "tcp",
      "Interactive TCP client: each stdin line is sent (with its newline), the bytes received "
      "are printed as they come; end of stdin closes the connection");
  command->add_option("HOST", options->host, "IPv4/IPv6 address or host name")->required();
  command->add_option("PORT", options->port, "Port, 1-65535")
      ->required()
      ->check(CLI::Range(1, 65535));
  command->add_flag("--hex", options->hex, "Print received bytes as hex, one chunk per line");
  addProxyOption(*command, options->common);
  addWaitOption(*command, options->waitSeconds);
  addCommonOptions(*command, options->common);
  return {command, [options] { return runTcp(*options); }};
}

}  // namespace minisock::cli
