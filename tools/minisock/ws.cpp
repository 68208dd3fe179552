// `minisock ws URL`: an interactive WebSocket client (SocketTask), or with --echo the client
// side that conformance servers expect.
#include <cctype>
#include <memory>
#include <minisock/minisock.hpp>
#include <string>
#include <vector>

#include "client_session.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "options.hpp"
#include "output.hpp"
#include "stdin_reader.hpp"
#include "ws_common.hpp"

namespace minisock::cli {
namespace {

struct WsOptions {
  CommonOptions common;
  std::string url;
  std::vector<std::string> headers;
  std::vector<std::string> protocols;
  bool deflate = false;
  bool noDelay = false;
  bool binary = false;
  bool hex = false;
  bool echo = false;
  double waitSeconds = 1;
};

int runWs(const WsOptions& o) {
  Output out({.json = o.common.json,
              .quiet = o.common.quiet,
              .hex = o.hex,
              .name = "ws",
              .policy = o.common.policy});
  HeaderFields header;
  for (const auto& text : o.headers) {
    auto field = parseHeaderOption(text);
    if (!field) {
      out.failure("invalid --header '" + text + "': expected 'Name: value'");
      return kExitUsage;
    }
    header.push_back(std::move(*field));
  }

  std::string scheme = o.url.substr(0, 4);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool secure = scheme == "wss:";
  const auto network = o.common.makeNetwork(secure ? "wss" : "ws", out);
  if (!network) return kExitUsage;

  ClientSession session;
  bool refused = false;  // connectSocket's fail: the options or the policy were refused
  Runtime runtime(o.common.makePolicy(), *network);
  auto task = runtime.connectSocket({
      .url = o.url,
      .header = std::move(header),
      .protocols = o.protocols,
      .tcpNoDelay = o.noDelay,
      .perMessageDeflate = o.deflate,
      .timeout = o.common.timeoutOr(std::chrono::seconds(60)),
      .fail = [&](const CallbackResult&) { refused = true; },
  });
  task->onOpen([&](const SocketTask::OpenEvent& e) {
    out.status(
        "connected to " + o.url + (e.protocol.empty() ? "" : " (protocol " + e.protocol + ")"),
        "open", {{"url", o.url}, {"protocol", e.protocol}});
    session.markOpen();
  });
  task->onMessage([&](const SocketTask::MessageEvent& e) {
    session.markReceived();
    printMessage(out, e);
    if (o.echo) task->send({.data = copyData(e)});
  });
  task->onError([&](const ErrorEvent& e) {
    if (session.setError(e)) out.error(e);
  });
  task->onClose([&](const SocketTask::CloseEvent& e) {
    out.status("closed: code " + std::to_string(e.code) +
                   (e.reason.empty() ? "" : ", reason \"" + e.reason + "\""),
               "close", {{"code", e.code}, {"reason", e.reason}});
    session.markClosed();
  });

  runtime.start();
  if (session.waitOpenOrClosed()) {
    if (o.echo) {
      session.waitClosed();
    } else {
      StdinReader reader(
          [&](std::string line, bool) {
            SocketTask::SendOption send;
            if (o.binary) {
              const auto* bytes = reinterpret_cast<const std::byte*>(line.data());
              send.data = std::vector<std::byte>(bytes, bytes + line.size());
            } else {
              send.data = std::move(line);
            }
            send.fail = [&](const CallbackResult& r) { out.failure(r.errMsg); };
            task->send(std::move(send));
          },
          [&] { session.markInputEnded(); },
          // Not read while more than kMaxBufferedBytes of messages wait to be sent.
          [&] { return task->bufferedAmount() <= StdinReader::kMaxBufferedBytes; });
      reader.start();
      finishClient(session, reader, toMilliseconds(o.waitSeconds),
                   [&] { task->close({.code = 1000}); });
    }
  }
  runtime.stop();
  const auto error = session.error();
  if (!error) return kExitOk;
  // Options refused before any connection (bad URL, header, timeout) are usage errors.
  if (refused && error->errCode != static_cast<int>(ErrorCode::noPermission)) return kExitUsage;
  return exitCodeFor(*error);
}

}  // namespace

Command addWsCommand(CLI::App& app) {
  auto options = std::make_shared<WsOptions>();
  CLI::App* command = app.add_subcommand(
      "ws",
      "Interactive WebSocket client: each stdin line is sent as a text message (--binary: "
      "binary), each message received is printed on a line; end of stdin closes with code "
      "1000. --echo: send every message back with its type until the server closes");
  command->add_option("URL", options->url, "ws:// or wss:// URL")->required();
  command
      ->add_option("-H,--header", options->headers,
                   "Extra request header 'Name: value' (repeatable)")
      ->allow_extra_args(false);
  command->add_option("--protocol", options->protocols, "Offer this subprotocol (repeatable)")
      ->allow_extra_args(false);
  command->add_flag("--deflate", options->deflate, "Offer permessage-deflate compression");
  command
      ->add_option("--ca", options->common.caFile,
                   "Trust this PEM CA file (e.g. the one `serve --wss` prints) besides the "
                   "system store")
      ->check(CLI::ExistingFile);
  addTlsOptions(*command, options->common);
  addProxyOption(*command, options->common);
  command->add_flag("--no-delay", options->noDelay, "Set TCP_NODELAY");
  command->add_flag("--binary", options->binary, "Send each stdin line as a binary message");
  command->add_flag("--hex", options->hex, "Print binary messages as hex");
  command->add_flag("--echo", options->echo,
                    "Do not read stdin: echo every message back with its type until the server "
                    "closes");
  addWaitOption(*command, options->waitSeconds);
  addCommonOptions(*command, options->common);
  return {command, [options] { return runWs(*options); }};
}

}  // namespace minisock::cli
