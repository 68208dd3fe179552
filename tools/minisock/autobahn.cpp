// `minisock autobahn --url ws://HOST:PORT`: the Autobahn|Testsuite client protocol against a
// fuzzing server: /getCaseCount, /runCase?case=N&agent=A for each case (echoing every
// message), then /updateReports?agent=A.
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cctype>
#include <cstdio>
#include <map>
#include <memory>
#include <minisock/minisock.hpp>
#include <string>
#include <vector>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "options.hpp"
#include "output.hpp"
#include "ws_common.hpp"

namespace minisock::cli {
namespace {

struct AutobahnOptions {
  CommonOptions common;
  std::string url;
  std::string agent = "minisock";
  std::vector<int> cases;
  bool deflate = false;
};

/// How one WebSocket connection ended.
struct ConnectionResult {
  std::optional<ErrorEvent> error;
  bool refused = false;  ///< connectSocket's fail: bad URL or policy
  int code = 0;
  std::string reason;
  std::string firstText;  ///< the first text message (getCaseCount's answer)
};

/// Runs one connection until its Close event, with the loop on the calling thread (so the
/// listeners are in place before anything can arrive). `echo` (a test case): every message
/// goes back with its type and the fuzzing server leads, as the protocol intends (the library
/// bounds the handshake by --timeout and the closing handshake by 5 s). Otherwise
/// (getCaseCount, updateReports) the client closes after the first text message, or after
/// --timeout when the server says nothing: a server that is not a fuzzing server does not
/// hang the run.
ConnectionResult runConnection(Runtime& runtime, const std::string& url, const AutobahnOptions& o,
                               bool echo) {
  ConnectionResult result;
  bool closed = false;
  auto task = runtime.connectSocket({
      .url = url,
      .perMessageDeflate = o.deflate,
      .timeout = o.common.timeoutOr(std::chrono::seconds(60)),
      .fail = [&](const CallbackResult&) { result.refused = true; },
  });
  SocketTask* self = task.get();  // alive until Close: the Runtime holds it
  task->onMessage([&, self](const SocketTask::MessageEvent& e) {
    if (echo) {
      self->send({.data = copyData(e)});
    } else if (const auto* text = std::get_if<std::string_view>(&e.data);
               text && result.firstText.empty()) {
      result.firstText = std::string(*text);
      self->close({.code = 1000});
    }
  });
  task->onError([&](const ErrorEvent& e) {
    if (!result.error) result.error = e;
  });
  task->onClose([&](const SocketTask::CloseEvent& e) {
    result.code = e.code;
    result.reason = e.reason;
    closed = true;
  });
  if (!echo) {
    runtime.runFor(o.common.timeoutOr(std::chrono::seconds(60)));
    if (!closed) task->close({.code = 1000});
  }
  runtime.run();  // until the Close event: then the task holds no more work
  return result;
}

std::string percentEncode(const std::string& text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 0xf];
    }
  }
  return out;
}

int fatal(Output& out, const ConnectionResult& r, const std::string& what) {
  if (r.error) {
    out.error(*r.error);
    if (r.refused && r.error->errCode != static_cast<int>(ErrorCode::noPermission))
      return kExitUsage;
    return exitCodeFor(*r.error);
  }
  out.failure(what);
  return kExitUnavailable;
}

int runAutobahn(const AutobahnOptions& o) {
  Output out({.json = o.common.json,
              .quiet = o.common.quiet,
              .name = "autobahn",
              .policy = o.common.policy});
  std::string base = o.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string agent = percentEncode(o.agent);

  Runtime runtime(o.common.makePolicy());

  const ConnectionResult countResult = runConnection(runtime, base + "/getCaseCount", o, false);
  if (countResult.error) return fatal(out, countResult, "");
  // The answer is a JSON number ("517"); anything else is not a fuzzing server.
  boost::system::error_code ec;
  const boost::json::value count = boost::json::parse(countResult.firstText, ec);
  std::int64_t total = -1;
  if (!ec && count.is_number()) total = count.to_number<std::int64_t>(ec);
  if (ec || total < 0) {
    return fatal(out, {},
                 "unexpected answer to /getCaseCount: '" + countResult.firstText.substr(0, 64) +
                     "' (expected a case count)");
  }
  std::vector<int> cases = o.cases;
  if (cases.empty()) {
    for (std::int64_t i = 1; i <= total; ++i) cases.push_back(static_cast<int>(i));
  }
  out.status("server has " + std::to_string(total) + " cases; running " +
                 std::to_string(cases.size()) + " as agent '" + o.agent + "'",
             "caseCount", {{"caseCount", total}, {"running", cases.size()}});

  const bool progress = !o.common.json && !o.common.quiet && ::isatty(STDERR_FILENO);
  std::map<int, int> closeCodes;  // close code -> cases
  int errors = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const int n = cases[i];
    if (progress) {
      std::fprintf(stderr, "\rminisock autobahn: case %zu/%zu (#%d)   ", i + 1, cases.size(), n);
      std::fflush(stderr);
    }
    const ConnectionResult r = runConnection(
        runtime, base + "/runCase?case=" + std::to_string(n) + "&agent=" + agent, o, true);
    if (r.refused) return fatal(out, r, "");
    ++closeCodes[r.code];
    if (r.error) ++errors;
    boost::json::object fields{{"case", n}, {"code", r.code}, {"reason", r.reason}};
    if (r.error) fields["errMsg"] = r.error->errMsg;
    out.event("case", std::move(fields));
  }
  if (progress) std::fputs("\n", stderr);

  const ConnectionResult update =
      runConnection(runtime, base + "/updateReports?agent=" + agent, o, false);
  if (update.error) return fatal(out, update, "");

  if (o.common.json) {
    boost::json::object codes;
    for (const auto& [code, number] : closeCodes) codes[std::to_string(code)] = number;
    out.event("summary", {{"agent", o.agent},
                          {"cases", cases.size()},
                          {"closeCodes", std::move(codes)},
                          {"errors", errors},
                          {"reportsUpdated", true}});
  } else {
    std::string codes;
    for (const auto& [code, number] : closeCodes)
      codes +=
          (codes.empty() ? "" : ", ") + std::to_string(number) + " closed " + std::to_string(code);
    out.line("autobahn: " + std::to_string(cases.size()) + " cases run as agent '" + o.agent +
             "' against " + base + (codes.empty() ? "" : ": " + codes) + "; " +
             std::to_string(errors) +
             " ended with an error; reports updated (the fuzzing "
             "server's report has the verdicts)");
  }
  return kExitOk;
}

}  // namespace

Command addAutobahnCommand(CLI::App& app) {
  auto options = std::make_shared<AutobahnOptions>();
  CLI::App* command = app.add_subcommand(
      "autobahn",
      "Run the Autobahn|Testsuite client protocol against a fuzzing server: get the case count, "
      "run each case echoing every message, update the reports; prints a summary");
  command->add_option("--url", options->url, "The fuzzing server, ws://HOST:PORT or wss://…")
      ->required();
  command->add_option("--agent", options->agent, "Agent name in the reports")
      ->capture_default_str();
  command
      ->add_option("--cases", options->cases,
                   "Comma-separated case numbers to run (default: 1 to the server's count)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  command->add_option("--ca", options->common.caFile, "Trust this PEM CA file (wss)")
      ->check(CLI::ExistingFile);
  command->add_flag("--deflate", options->deflate, "Offer permessage-deflate compression");
  addCommonOptions(*command, options->common);
  return {command, [options] { return runAutobahn(*options); }};
}

}  // namespace minisock::cli
