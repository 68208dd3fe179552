// The `minisock` command-line tool, driven as a user drives it: the built binary is spawned
// with pipes, `serve` is read for its ports, input is piped into the clients, and their
// output and exit statuses are checked. Every wait is bounded; children are killed at the end.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fake_autobahn.hpp"
#include "proxy_servers.hpp"
#include "raw_peers.hpp"
#include "tls_fixture.hpp"
#include "tls_relay.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using minisock::testing::FakeAutobahnServer;

constexpr auto kLimit = std::chrono::seconds(20);  // the bound of every wait below

constexpr const char* kProxyVariables[] = {"HTTPS_PROXY", "https_proxy", "http_proxy", "HTTP_PROXY",
                                           "ALL_PROXY",   "all_proxy",   "NO_PROXY",   "no_proxy"};

// The CLI reads the conventional proxy variables: the tests start without any (a machine's own
// proxy settings must not send loopback tests elsewhere); the proxy tests set their own.
const bool kProxyVariablesCleared = [] {
  for (const char* name : kProxyVariables) ::unsetenv(name);
  return true;
}();

/// Sets an environment variable (inherited by the children spawned meanwhile) and restores the
/// test's clean environment at the end of the scope.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    ::setenv(name_.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name_.c_str()); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
};

/// A spawned `minisock` with its stdin, stdout and stderr on pipes. stdout and stderr are
/// collected by two threads; waits use a condition variable with a deadline. The destructor
/// kills the child if it still runs.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    ::signal(SIGPIPE, SIG_IGN);  // writing to a child that has exited must not kill the test
    args.insert(args.begin(), MINISOCK_CLI_PATH);
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe2 failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    stdin_ = in[1];
    if (rc != 0) throw std::runtime_error("posix_spawn failed: " + std::to_string(rc));
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    readers_.emplace_back([this, fd = out[0]] { collect(fd, out_, outEof_); });
    readers_.emplace_back([this, fd = err[0]] { collect(fd, err_, errEof_); });
  }

  ~Child() {
    closeStdin();
    if (!status_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    for (auto& t : readers_) t.join();
    if (pidfd_ >= 0) ::close(pidfd_);
  }

  void write(const std::string& text) {
    ASSERT_EQ(::write(stdin_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  /// Writes lines to stdin without blocking for at most `total`, and stops once the child took
  /// nothing for `stall`. Returns the bytes it took.
  std::size_t writeUntilStalled(std::chrono::milliseconds total, std::chrono::milliseconds stall) {
    ::fcntl(stdin_, F_SETFL, ::fcntl(stdin_, F_GETFL) | O_NONBLOCK);
    std::string chunk;
    for (int i = 0; i < 64; ++i) chunk += std::string(1023, 'y') + '\n';
    std::size_t taken = 0;
    const auto start = std::chrono::steady_clock::now();
    auto last = start;
    for (auto now = start; now - start < total && now - last < stall;
         now = std::chrono::steady_clock::now()) {
      const ssize_t n = ::write(stdin_, chunk.data(), chunk.size());
      if (n > 0) {
        taken += static_cast<std::size_t>(n);
        last = std::chrono::steady_clock::now();
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        break;
      } else {
        std::this_thread::sleep_for(10ms);
      }
    }
    return taken;
  }
  void closeStdin() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
  }
  void signal(int sig) { ::kill(pid_, sig); }

  /// Waits until stdout satisfies `done`, at most kLimit.
  bool waitStdout(const std::function<bool(const std::string&)>& done) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kLimit, [&] { return done(out_) || outEof_; }) && done(out_);
  }
  bool waitStdoutContains(const std::string& text) {
    return waitStdout([&](const std::string& s) { return s.find(text) != std::string::npos; });
  }

  /// The exit status, waiting at most kLimit (then the child is killed: nullopt).
  std::optional<int> exitCode() {
    if (!status_) {
      pollfd p{pidfd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kLimit).count())) != 1)
        return std::nullopt;
      int status = 0;
      ::waitpid(pid_, &status, 0);
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    // The child has exited: its pipes reach EOF (unless a grandchild holds them: none here).
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, kLimit, [&] { return outEof_ && errEof_; });
    return status_;
  }

  std::string out() {
    std::lock_guard lock(mutex_);
    return out_;
  }
  std::string err() {
    std::lock_guard lock(mutex_);
    return err_;
  }

 private:
  void collect(int fd, std::string& into, bool& eof) {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      std::lock_guard lock(mutex_);
      if (n <= 0) {
        eof = true;
        changed_.notify_all();
        break;
      }
      into.append(buffer, static_cast<std::size_t>(n));
      changed_.notify_all();
    }
    ::close(fd);
  }

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int stdin_ = -1;
  std::optional<int> status_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string out_, err_;
  bool outEof_ = false, errEof_ = false;
  std::vector<std::thread> readers_;
};

/// Runs `minisock args…` with `input` on stdin (then closed) to its end.
struct Result {
  std::optional<int> code;
  std::string out, err;
};
Result run(std::vector<std::string> args, const std::string& input = "") {
  Child child(std::move(args));
  if (!input.empty()) child.write(input);
  child.closeStdin();
  Result r;
  r.code = child.exitCode();
  r.out = child.out();
  r.err = child.err();
  return r;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> result;
  std::size_t at = 0;
  for (std::size_t nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1)
    result.push_back(text.substr(at, nl - at));
  if (at < text.size()) result.push_back(text.substr(at));
  return result;
}

/// Parses every stdout line as JSON (failing the test on a line that does not parse).
std::vector<boost::json::object> events(const std::string& out) {
  std::vector<boost::json::object> result;
  for (const auto& line : lines(out)) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    EXPECT_FALSE(ec) << "not JSON: " << line;
    EXPECT_TRUE(v.is_object()) << line;
    if (!ec && v.is_object()) result.push_back(v.as_object());
  }
  return result;
}

std::vector<std::string> eventNames(const std::vector<boost::json::object>& list) {
  std::vector<std::string> names;
  for (const auto& e : list) names.emplace_back(e.at("event").as_string());
  return names;
}

/// `minisock serve …` with its listeners read from stdout ("LISTEN <proto> <addr>:<port>").
class Serve {
 public:
  explicit Serve(std::vector<std::string> args, std::size_t listeners)
      : child_([&] {
          args.insert(args.begin(), "serve");
          return args;
        }()) {
    const std::regex listen("^LISTEN (tcp|udp|ws|wss) (127\\.0\\.0\\.1|\\[::1\\]):([0-9]+)$");
    const bool ready = child_.waitStdout([&](const std::string& out) {
      std::size_t count = 0;
      for (const auto& line : lines(out)) count += std::regex_match(line, listen);
      return count >= listeners && out.back() == '\n';
    });
    if (!ready) throw std::runtime_error("serve printed no ports: " + child_.err());
    for (const auto& line : lines(child_.out())) {
      std::smatch m;
      if (std::regex_match(line, m, listen)) ports_[m[1]] = std::stoi(m[3]);
      if (line.rfind("CA ", 0) == 0) ca_ = line.substr(3);
    }
  }
  int port(const std::string& proto) const { return ports_.at(proto); }
  const std::string& ca() const { return ca_; }
  Child& child() { return child_; }

 private:
  Child child_;
  std::map<std::string, int> ports_;
  std::string ca_;
};

// --- help, version, usage errors ------------------------------------------------------

TEST(CliTest, VersionAndHelpExitZeroAndDocumentPolicyAndExitCodes) {
  const Result version = run({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_TRUE(version.out.starts_with("minisock ")) << version.out;

  const Result help = run({"--help"});
  EXPECT_EQ(help.code, 0);
  for (const char* sub : {"serve", "tcp", "udp", "ws", "autobahn", "demo"})
    EXPECT_NE(help.out.find(sub), std::string::npos) << sub;
  for (const char* code : {"64", "69", "77"})
    EXPECT_NE(help.out.find(code), std::string::npos) << code;

  for (const char* sub : {"serve", "tcp", "udp", "ws", "autobahn", "demo"}) {
    const Result r = run({sub, "--help"});
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << sub;
    EXPECT_NE(r.out.find("--json"), std::string::npos) << sub;
  }
  const Result tcpHelp = run({"tcp", "--help"});
  EXPECT_NE(tcpHelp.out.find("=development"), std::string::npos) << tcpHelp.out;
}

TEST(CliTest, UsageErrorsExit64WithAMessageOnStderr) {
  const std::vector<std::vector<std::string>> cases = {
      {},                                          // no subcommand
      {"nonsense"},                                // unknown subcommand
      {"tcp", "127.0.0.1"},                        // missing port
      {"tcp", "127.0.0.1", "http"},                // not a number
      {"tcp", "127.0.0.1", "70000"},               // out of range
      {"udp", "127.0.0.1", "9", "--bind", "-1"},   // bad bind port
      {"tcp", "127.0.0.1", "9", "--policy", "x"},  // unknown policy
      {"tcp", "127.0.0.1", "9", "--timeout", "0"},
      {"ws", "http://127.0.0.1/"},                            // not ws:// or wss://
      {"ws", "ws://127.0.0.1:1/", "--header", "NoColon"},     // malformed header
      {"ws", "ws://127.0.0.1:1/", "--header", "Referer: x"},  // refused by the library
      {"serve", "--cert", "/nonexistent.pem"},
  };
  for (const auto& args : cases) {
    const Result r = run(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.code, 64) << joined << "\n" << r.err;
    EXPECT_FALSE(r.err.empty()) << joined;
  }
}

// --- TCP ----------------------------------------------------------------------------------

TEST(CliTest, TcpSendsEachLineAndPrintsTheEchoThenExitsZeroAtEndOfInput) {
  Serve serve({"--tcp", "0"}, 1);
  Child tcp({"tcp", "127.0.0.1", std::to_string(serve.port("tcp")), "--wait", "0"});
  tcp.write("hello\n");
  ASSERT_TRUE(tcp.waitStdoutContains("hello\n")) << tcp.err();
  tcp.write("second line\n");
  ASSERT_TRUE(tcp.waitStdoutContains("hello\nsecond line\n")) << tcp.err();
  tcp.closeStdin();
  EXPECT_EQ(tcp.exitCode(), 0) << tcp.err();
  EXPECT_EQ(tcp.out(), "hello\nsecond line\n");
  EXPECT_NE(tcp.err().find("connected"), std::string::npos) << tcp.err();
}

TEST(CliTest, WsWithAHeaderOverTheFieldLimitExitsWithAUsageErrorNamingTheLimit) {
  // It used to end the process with std::length_error from Beast (exit 134).
  Serve serve({"--ws", "0"}, 1);
  const std::string url = "ws://127.0.0.1:" + std::to_string(serve.port("ws")) + "/";
  const Result r = run({"ws", url, "--header", "X-Big: " + std::string(70000, 'v')}, "");
  EXPECT_EQ(r.code, 64) << r.err;
  EXPECT_NE(r.err.find("SocketTask::kMaxRequestFieldBytes"), std::string::npos) << r.err;
}

TEST(CliTest, TcpStopsReadingStdinWhileThePeerDoesNotRead) {
  // A peer that accepts and never reads: what the CLI takes from stdin is bounded by the
  // socket's buffers and StdinReader's 1 MiB of unsent bytes, however long the input goes on
  // (`yes | minisock tcp …` used to grow without bound: 2.7 GB in 10 s).
  minisock::testing::RawServer silent([](int fd, const std::atomic<bool>& stopping) {
    for (int i = 0; i < 300 && !stopping; ++i) std::this_thread::sleep_for(50ms);  // 15 s at most
    ::close(fd);
  });
  Child tcp({"tcp", "127.0.0.1", std::to_string(silent.port()), "--wait", "0"});
  for (int i = 0; i < 400 && tcp.err().find("connected") == std::string::npos; ++i)
    std::this_thread::sleep_for(50ms);  // 20 s at most
  ASSERT_NE(tcp.err().find("connected"), std::string::npos) << tcp.err();
  const std::size_t taken = tcp.writeUntilStalled(10s, 2s);
  EXPECT_GT(taken, std::size_t{1} << 20) << "it read stdin up to the bound";
  EXPECT_LT(taken, std::size_t{64} << 20) << "it kept reading stdin although nothing was sent";
}

TEST(CliTest, PipedInputShowsTheEchoBeforeTheDefaultWaitEnds) {
  // `echo hello | minisock tcp …`: after the end of input the reply still gets printed (the
  // default --wait keeps receiving for 1 s of silence), then the connection closes.
  Serve serve({"--tcp", "0", "--udp", "0"}, 2);
  const Result tcp = run({"tcp", "127.0.0.1", std::to_string(serve.port("tcp"))}, "hello\n");
  EXPECT_EQ(tcp.code, 0) << tcp.err;
  EXPECT_EQ(tcp.out, "hello\n");
  const Result udp = run({"udp", "127.0.0.1", std::to_string(serve.port("udp"))}, "ping\n");
  EXPECT_EQ(udp.code, 0) << udp.err;
  EXPECT_EQ(udp.out, "ping\n");
}

TEST(CliTest, TcpJsonPrintsOneParsableObjectPerEvent) {
  Serve serve({"--tcp", "0"}, 1);
  const int port = serve.port("tcp");
  Child tcp({"tcp", "127.0.0.1", std::to_string(port), "--json", "--wait", "0"});
  tcp.write("hello\n");
  ASSERT_TRUE(tcp.waitStdoutContains("\"message\"")) << tcp.err();
  tcp.closeStdin();
  ASSERT_EQ(tcp.exitCode(), 0) << tcp.err();
  const auto list = events(tcp.out());
  ASSERT_EQ(eventNames(list), (std::vector<std::string>{"open", "message", "close"}));
  EXPECT_EQ(list[0].at("port").as_int64(), port);
  EXPECT_EQ(list[1].at("data").as_string(), "hello\n");
  EXPECT_EQ(list[1].at("binary").as_bool(), false);
  EXPECT_EQ(list[1].at("size").as_int64(), 6);
}

TEST(CliTest, TcpHexPrintsReceivedBytesAsHex) {
  Serve serve({"--tcp", "0"}, 1);
  Child tcp({"tcp", "127.0.0.1", std::to_string(serve.port("tcp")), "--hex", "--wait", "0"});
  tcp.write("AB\n");
  ASSERT_TRUE(tcp.waitStdoutContains("41420a\n")) << tcp.err();
  tcp.closeStdin();
  EXPECT_EQ(tcp.exitCode(), 0);
}

TEST(CliTest, PolicyRefusalExits77NamingTheRuleAndTheWayOut) {
  const Result r = run({"tcp", "127.0.0.1", "3306"});
  EXPECT_EQ(r.code, 77);
  EXPECT_NE(r.err.find("rule: blockedTCPPorts"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--policy unrestricted"), std::string::npos) << r.err;
  EXPECT_EQ(lines(r.err).size(), 2u) << r.err;  // the error, then "connection closed"

  const Result json = run({"tcp", "127.0.0.1", "3306", "--json", "--quiet"});
  EXPECT_EQ(json.code, 77);
  const auto list = events(json.out);
  ASSERT_EQ(eventNames(list), (std::vector<std::string>{"error", "close"}));
  EXPECT_EQ(list[0].at("errCode").as_int64(), -3);
}

TEST(CliTest, ReleasePolicyRefusesInsecureWebSocketWith77) {
  const Result r = run({"ws", "ws://127.0.0.1:9/", "--policy", "release"});
  EXPECT_EQ(r.code, 77);
  EXPECT_NE(r.err.find("allowInsecureWebSocket"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--policy"), std::string::npos) << r.err;
}

TEST(CliTest, RefusedConnectionExits69WithTheOsError) {
  minisock::testing::RefusingPort refusing;
  const Result r = run({"tcp", "127.0.0.1", std::to_string(refusing.port()), "--json"});
  EXPECT_EQ(r.code, 69);
  EXPECT_NE(r.err.find("Connection refused"), std::string::npos) << r.err;
  const auto list = events(r.out);
  ASSERT_EQ(eventNames(list), (std::vector<std::string>{"error", "close"}));
  EXPECT_EQ(list[0].at("errCode").as_int64(), -2);
  EXPECT_EQ(list[0].at("errNo").as_int64(), 111);
}

TEST(CliTest, ConnectTimeoutIsTheTimeoutFlagAndExits69) {
  minisock::testing::BlackholeListener blackhole;
  const auto start = std::chrono::steady_clock::now();
  const Result r = run({"tcp", "127.0.0.1", std::to_string(blackhole.port()), "--timeout", "0.3"});
  EXPECT_EQ(r.code, 69);
  EXPECT_NE(r.err.find("timeout after 300 ms"), std::string::npos) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

// --- UDP ----------------------------------------------------------------------------------

TEST(CliTest, UdpSendsEachLineAsADatagramAndPrintsEachReply) {
  Serve serve({"--udp", "0"}, 1);
  const int port = serve.port("udp");
  Child udp({"udp", "127.0.0.1", std::to_string(port), "--json", "--wait", "0"});
  udp.write("ping\n");
  ASSERT_TRUE(udp.waitStdoutContains("\"ping\"")) << udp.err();
  udp.write("pong\n");
  ASSERT_TRUE(udp.waitStdoutContains("\"pong\"")) << udp.err();
  udp.closeStdin();
  ASSERT_EQ(udp.exitCode(), 0) << udp.err();
  const auto list = events(udp.out());
  ASSERT_EQ(eventNames(list),
            (std::vector<std::string>{"listening", "message", "message", "close"}));
  EXPECT_GT(list[0].at("port").as_int64(), 0);
  EXPECT_EQ(list[1].at("data").as_string(), "ping");
  EXPECT_EQ(list[1].at("port").as_int64(), port);
  EXPECT_EQ(list[2].at("data").as_string(), "pong");
}

TEST(CliTest, UdpTextModePrintsOneDatagramPerLine) {
  Serve serve({"--udp", "0"}, 1);
  Child udp({"udp", "127.0.0.1", std::to_string(serve.port("udp")), "--wait", "0"});
  udp.write("one\n");
  ASSERT_TRUE(udp.waitStdoutContains("one\n"));
  udp.write("two\n");
  ASSERT_TRUE(udp.waitStdoutContains("one\ntwo\n"));
  udp.closeStdin();
  EXPECT_EQ(udp.exitCode(), 0);
  EXPECT_EQ(udp.out(), "one\ntwo\n");
}

TEST(CliTest, UdpBindToABusyPortExits69WithTheErrno) {
  Serve serve({"--udp", "0"}, 1);
  const std::string port = std::to_string(serve.port("udp"));
  const Result r = run({"udp", "127.0.0.1", port, "--bind", port});
  EXPECT_EQ(r.code, 69);
  EXPECT_NE(r.err.find("errno:98"), std::string::npos) << r.err;
}

// --- WebSocket ----------------------------------------------------------------------------

TEST(CliTest, WsSendsTextAndBinaryAndClosesWith1000AtEndOfInput) {
  Serve serve({"--ws", "0"}, 1);
  const std::string url = "ws://127.0.0.1:" + std::to_string(serve.port("ws")) + "/echo";
  Child text({"ws", url, "--wait", "0", "--protocol", "p1", "--header", "X-Test: yes"});
  text.write("hello ws\n");
  ASSERT_TRUE(text.waitStdoutContains("hello ws\n")) << text.err();
  text.closeStdin();
  EXPECT_EQ(text.exitCode(), 0) << text.err();
  EXPECT_NE(text.err().find("(protocol p1)"), std::string::npos) << text.err();

  Child binary({"ws", url, "--binary", "--hex", "--json", "--wait", "0"});
  binary.write("AB\n");
  ASSERT_TRUE(binary.waitStdoutContains("\"message\"")) << binary.err();
  binary.closeStdin();
  ASSERT_EQ(binary.exitCode(), 0) << binary.err();
  const auto list = events(binary.out());
  ASSERT_EQ(eventNames(list), (std::vector<std::string>{"open", "message", "close"}));
  EXPECT_EQ(list[1].at("type").as_string(), "binary");
  EXPECT_EQ(list[1].at("data").as_string(), "4142");
  EXPECT_EQ(list[1].at("binary").as_bool(), true);
  EXPECT_EQ(list[2].at("code").as_int64(), 1000);
}

TEST(CliTest, WsReportsALineThatIsNotUtf8AndGoesOn) {
  Serve serve({"--ws", "0"}, 1);
  const std::string url = "ws://127.0.0.1:" + std::to_string(serve.port("ws")) + "/";
  Child ws({"ws", url, "--wait", "0"});
  ws.write("\xff\xfe\n");
  ws.write("still open\n");
  ASSERT_TRUE(ws.waitStdoutContains("still open\n")) << ws.err();
  ws.closeStdin();
  EXPECT_EQ(ws.exitCode(), 0) << ws.err();
  EXPECT_EQ(ws.out(), "still open\n");
  EXPECT_NE(ws.err().find("sendSocketMessage:fail"), std::string::npos) << ws.err();
}

TEST(CliTest, WssWorksWithTheThrowawayCertificateOfServe) {
  Serve serve({"--wss", "0"}, 1);
  ASSERT_FALSE(serve.ca().empty()) << serve.child().out();
  const std::string url = "wss://127.0.0.1:" + std::to_string(serve.port("wss")) + "/";
  Child ws({"ws", url, "--ca", serve.ca(), "--wait", "0"});
  ws.write("over tls\n");
  ASSERT_TRUE(ws.waitStdoutContains("over tls\n")) << ws.err();
  ws.closeStdin();
  EXPECT_EQ(ws.exitCode(), 0) << ws.err();

  // Without the CA the certificate is refused: a network failure, naming the cause.
  const Result untrusted = run({"ws", url});
  EXPECT_EQ(untrusted.code, 69);
  EXPECT_NE(untrusted.err.find("certificate verify failed"), std::string::npos) << untrusted.err;
  EXPECT_NE(untrusted.err.find("--ca"), std::string::npos) << untrusted.err;

  // SIGTERM ends serve cleanly, and the throwaway files go with it.
  serve.child().signal(SIGTERM);
  EXPECT_EQ(serve.child().exitCode(), 0);
  EXPECT_NE(::access(serve.ca().c_str(), F_OK), 0);
}

TEST(CliTest, WsExitsZeroWhenTheServerClosesFirstEvenWithStdinOpen) {
  FakeAutobahnServer server(7);
  Child ws({"ws", "ws://127.0.0.1:" + std::to_string(server.port()) + "/getCaseCount", "--json"});
  // stdin stays open: the server's close ends the client.
  EXPECT_EQ(ws.exitCode(), 0) << ws.err();
  const auto list = events(ws.out());
  ASSERT_EQ(eventNames(list), (std::vector<std::string>{"open", "message", "close"}));
  EXPECT_EQ(list[1].at("data").as_string(), "7");
  EXPECT_EQ(list[2].at("code").as_int64(), 1000);
}

TEST(CliTest, WsEchoSendsEveryMessageBackWithItsType) {
  FakeAutobahnServer server;
  const std::string url =
      "ws://127.0.0.1:" + std::to_string(server.port()) + "/runCase?case=5&agent=echo-test";
  const Result r = run({"ws", url, "--echo"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(server.waitForResults(1, kLimit));
  const auto results = server.results();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].caseNumber, 5);
  EXPECT_EQ(results[0].agent, "echo-test");
  EXPECT_TRUE(results[0].echoed) << results[0].problem;
}

TEST(CliTest, WsRefusedConnectionExits69) {
  minisock::testing::RefusingPort refusing;
  const Result r = run({"ws", "ws://127.0.0.1:" + std::to_string(refusing.port()) + "/"});
  EXPECT_EQ(r.code, 69);
  EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;
}

// --- autobahn -----------------------------------------------------------------------------

TEST(CliTest, AutobahnRunsEveryCaseEchoingThenUpdatesTheReports) {
  FakeAutobahnServer server(2);
  const Result r = run(
      {"autobahn", "--url", "ws://127.0.0.1:" + std::to_string(server.port()), "--agent", "cli"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("2 cases run as agent 'cli'"), std::string::npos) << r.out;
  EXPECT_EQ(server.caseCountRequests(), 1);
  const auto results = server.results();
  ASSERT_EQ(results.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(results[i].caseNumber, i + 1);
    EXPECT_EQ(results[i].agent, "cli");
    EXPECT_TRUE(results[i].echoed) << results[i].problem;
  }
  EXPECT_EQ(server.reportAgents(), (std::vector<std::string>{"cli"}));
}

TEST(CliTest, AutobahnRunsOnlyTheListedCasesAndReportsInJson) {
  FakeAutobahnServer server(3);
  const Result r = run({"autobahn", "--url", "ws://127.0.0.1:" + std::to_string(server.port()),
                        "--cases", "3,1", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto results = server.results();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].caseNumber, 3);
  EXPECT_EQ(results[1].caseNumber, 1);
  EXPECT_EQ(results[0].agent, "minisock");
  const auto list = events(r.out);
  ASSERT_EQ(eventNames(list), (std::vector<std::string>{"caseCount", "case", "case", "summary"}));
  EXPECT_EQ(list[0].at("caseCount").as_int64(), 3);
  EXPECT_EQ(list[1].at("code").as_int64(), 1000);
  EXPECT_EQ(list[3].at("cases").as_int64(), 2);
  EXPECT_EQ(list[3].at("errors").as_int64(), 0);
}

TEST(CliTest, AutobahnAgainstAServerThatIsNotAFuzzingServerExits69) {
  // The echo server answers nothing to /getCaseCount: after --timeout the client gives up.
  Serve serve({"--ws", "0"}, 1);
  const Result r = run({"autobahn", "--url", "ws://127.0.0.1:" + std::to_string(serve.port("ws")),
                        "--timeout", "0.5"});
  EXPECT_EQ(r.code, 69);
  EXPECT_NE(r.err.find("unexpected answer to /getCaseCount"), std::string::npos) << r.err;

  minisock::testing::RefusingPort refusing;
  const Result refused =
      run({"autobahn", "--url", "ws://127.0.0.1:" + std::to_string(refusing.port())});
  EXPECT_EQ(refused.code, 69);
  EXPECT_NE(refused.err.find("refused"), std::string::npos) << refused.err;
}

// --- serve and demo -----------------------------------------------------------------------

TEST(CliTest, ServeListsEveryListenerAndStopsCleanlyOnSigint) {
  Serve serve({}, 3);  // default: tcp, udp and ws on free ports
  EXPECT_GT(serve.port("tcp"), 0);
  EXPECT_GT(serve.port("udp"), 0);
  EXPECT_GT(serve.port("ws"), 0);
  serve.child().signal(SIGINT);
  EXPECT_EQ(serve.child().exitCode(), 0) << serve.child().err();
}

TEST(CliTest, ServeJsonAnnouncesListenersAsEvents) {
  Child serve({"serve", "--tcp", "0", "--json"});
  ASSERT_TRUE(serve.waitStdoutContains("\n"));
  serve.signal(SIGTERM);
  ASSERT_EQ(serve.exitCode(), 0);
  const auto list = events(serve.out());
  ASSERT_GE(list.size(), 1u);
  EXPECT_EQ(list[0].at("event").as_string(), "listen");
  EXPECT_EQ(list[0].at("proto").as_string(), "tcp");
  EXPECT_GT(list[0].at("port").as_int64(), 0);
}

TEST(CliTest, ServeOnAPortInUseExits69) {
  Serve first({"--tcp", "0"}, 1);
  const Result r = run({"serve", "--tcp", std::to_string(first.port("tcp"))});
  EXPECT_EQ(r.code, 69);
  EXPECT_NE(r.err.find("cannot start the tcp server"), std::string::npos) << r.err;
}

TEST(CliTest, DemoRunsTheSeedExamplesAndExitsZero) {
  const Result r = run({"demo"});
  EXPECT_EQ(r.code, 0) << r.err;
  for (const char* expected :
       {"[tcp] onConnect", "[tcp] onMessage \"hello, how are you\"", "[tcp] onClose",
        "[blocked-port] onError errCode=-3", "[udp] onListening", "[udp] onMessage \"hello, udp\"",
        "[udp] onClose", "[ws] onSuccess (connectSocket:ok)", "[ws] onOpen",
        "[ws] onMessage \"xxx\"", "[ws] onClose code 1000",
        "[ws-protocol] onOpen protocol \"protocol1\"", "[global] onSocketOpen",
        "[global] onSocketMessage \"via sendSocketMessage\"", "[global] onSocketClose code 1000",
        "sockets still held by the runtime: 0"})
    EXPECT_NE(r.out.find(expected), std::string::npos) << expected << "\n" << r.out;
}

TEST(CliTest, DemoJsonIsOneObjectPerEvent) {
  const Result r = run({"demo", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto list = events(r.out);
  ASSERT_FALSE(list.empty());
  EXPECT_EQ(list[0].at("event").as_string(), "servers");
  int messages = 0;
  for (const auto& e : list) {
    if (e.at("event").as_string() == "message" || e.at("event").as_string() == "socketMessage")
      ++messages;
  }
  EXPECT_EQ(messages, 4);  // tcp, udp, ws and the global calls each got their echo
}

// --- proxies and TLS extensions (--proxy and the environment; --cert, --key, --pin) -----

TEST(CliTest, TcpThroughASocks5ProxyGivenByFlag) {
  minisock::testing::Microsocks proxy(minisock::testing::Credentials{"alice", "s3cret"});
  Serve serve({"--tcp", "0"}, 1);
  const Result r = run({"tcp", "127.0.0.1", std::to_string(serve.port("tcp")), "--proxy",
                        proxy.url(), "--wait", "0.5"},
                       "through socks\n");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "through socks\n") << r.err;
  EXPECT_EQ(proxy.tunnelsTo(serve.port("tcp")), 1);
}

TEST(CliTest, TcpThroughAnHttpProxyWithCredentialsGivenByFlag) {
  minisock::testing::Tinyproxy proxy(minisock::testing::Credentials{"alice", "s3cret"});
  Serve serve({"--tcp", "0"}, 1);
  const Result r = run({"tcp", "127.0.0.1", std::to_string(serve.port("tcp")), "--proxy",
                        proxy.url(), "--wait", "0.5"},
                       "through CONNECT\n");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "through CONNECT\n") << r.err;
  EXPECT_EQ(proxy.tunnelsTo(serve.port("tcp")), 1) << proxy.log();
}

// wss through --proxy and through HTTPS_PROXY; NO_PROXY applies to --proxy too (as curl's
// -x), and --noproxy overrides NO_PROXY.
TEST(CliTest, WssThroughAProxyByFlagOrHttpsProxyWithNoProxyAsCurl) {
  minisock::testing::Tinyproxy http(minisock::testing::Credentials{"alice", "s3cret"});
  minisock::testing::Microsocks socks;
  Serve serve({"--wss", "0"}, 1);
  const int port = serve.port("wss");
  const std::string url = "wss://127.0.0.1:" + std::to_string(port) + "/";
  const Result byFlag =
      run({"ws", url, "--ca", serve.ca(), "--proxy", http.url(), "--wait", "0.5"}, "by flag\n");
  EXPECT_EQ(byFlag.code, 0) << byFlag.err;
  EXPECT_EQ(byFlag.out, "by flag\n") << byFlag.err;
  EXPECT_EQ(http.tunnelsTo(port), 1) << http.log();
  {
    ScopedEnv env("HTTPS_PROXY", socks.url());
    const Result fromEnv = run({"ws", url, "--ca", serve.ca(), "--wait", "0.5"}, "from env\n");
    EXPECT_EQ(fromEnv.code, 0) << fromEnv.err;
    EXPECT_EQ(fromEnv.out, "from env\n") << fromEnv.err;
    EXPECT_EQ(socks.tunnelsTo(port), 1);
  }
  ScopedEnv bypass("NO_PROXY", "127.0.0.1");
  const Result direct =
      run({"ws", url, "--ca", serve.ca(), "--proxy", http.url(), "--wait", "0.5"}, "direct\n");
  EXPECT_EQ(direct.code, 0) << direct.err;
  EXPECT_EQ(direct.out, "direct\n") << direct.err;
  EXPECT_EQ(http.tunnelsTo(port), 1) << "NO_PROXY was not applied to --proxy\n" << http.log();
  const Result overridden =
      run({"ws", url, "--ca", serve.ca(), "--proxy", http.url(), "--noproxy", "", "--wait", "0.5"},
          "overridden\n");
  EXPECT_EQ(overridden.code, 0) << overridden.err;
  EXPECT_EQ(overridden.out, "overridden\n") << overridden.err;
  EXPECT_EQ(http.tunnelsTo(port), 2) << http.log();
}

TEST(CliTest, WsThroughAnHttpProxyFromTheEnvironmentAndNoProxyBypassesIt) {
  minisock::testing::Tinyproxy proxy;
  Serve serve({"--ws", "0"}, 1);
  const std::string url = "ws://127.0.0.1:" + std::to_string(serve.port("ws")) + "/";
  {
    ScopedEnv env("http_proxy", proxy.url());
    const Result r = run({"ws", url, "--wait", "0.5"}, "via tinyproxy\n");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "via tinyproxy\n") << r.err;
    EXPECT_EQ(proxy.tunnelsTo(serve.port("ws")), 1) << proxy.log();
  }
  // A proxy that is not there: the connection fails naming it; NO_PROXY skips it.
  const int closed = minisock::testing::freeLoopbackPort();
  ScopedEnv env("ALL_PROXY", "socks5://127.0.0.1:" + std::to_string(closed));
  const Result refused = run({"ws", url, "--wait", "0"}, "x\n");
  EXPECT_EQ(refused.code, 69) << refused.err;
  EXPECT_NE(refused.err.find("proxy socks5://127.0.0.1:" + std::to_string(closed)),
            std::string::npos)
      << refused.err;
  ScopedEnv bypass("NO_PROXY", "example.com, 127.0.0.0/8");
  const Result direct = run({"ws", url, "--wait", "0.5"}, "direct\n");
  EXPECT_EQ(direct.code, 0) << direct.err;
  EXPECT_EQ(direct.out, "direct\n") << direct.err;
}

TEST(CliTest, ABadProxyIsAUsageErrorNamingWhereItCameFrom) {
  const Result flag = run({"tcp", "127.0.0.1", "9", "--proxy", "ftp://127.0.0.1:21"});
  EXPECT_EQ(flag.code, 64);
  EXPECT_NE(flag.err.find("--proxy"), std::string::npos) << flag.err;
  EXPECT_NE(flag.err.find("unknown scheme 'ftp'"), std::string::npos) << flag.err;
  ScopedEnv env("HTTPS_PROXY", "http://127.0.0.1:notaport");
  const Result fromEnv = run({"ws", "wss://127.0.0.1:9/"});
  EXPECT_EQ(fromEnv.code, 64);
  EXPECT_NE(fromEnv.err.find("the environment variable HTTPS_PROXY"), std::string::npos)
      << fromEnv.err;
  const Result badFlag = run({"tcp", "127.0.0.1", "9", "--proxy", "socks5://127.0.0.1:1080",
                              "--noproxy", "localhost, 10.0.0.0/33"});
  EXPECT_EQ(badFlag.code, 64);
  EXPECT_NE(badFlag.err.find("--noproxy: the no-proxy list"), std::string::npos) << badFlag.err;
  EXPECT_NE(badFlag.err.find("'10.0.0.0/33'"), std::string::npos) << badFlag.err;
}

// NO_PROXY is shared with other programs: entries in their forms that minisock cannot use are
// left out with a warning (as curl ignores them), and the usable ones still apply.
TEST(CliTest, UnusableNoProxyEntriesAreLeftOutWithAWarning) {
  minisock::testing::Tinyproxy proxy;
  Serve serve({"--tcp", "0"}, 1);
  const std::string port = std::to_string(serve.port("tcp"));
  ScopedEnv list("NO_PROXY", "*.local, localhost:8080, 10.0.0.0/33, 127.0.0.1");
  const Result r =
      run({"tcp", "127.0.0.1", port, "--proxy", proxy.url(), "--wait", "0.5"}, "direct\n");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "direct\n") << r.err;
  // One line per entry left out, naming the variable and the entry.
  std::istringstream lines(r.err);
  std::vector<std::string> ignored;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("the environment variable NO_PROXY: the no-proxy list") != std::string::npos &&
        line.ends_with("; ignored"))
      ignored.push_back(line);
  }
  ASSERT_EQ(ignored.size(), 3u) << r.err;
  EXPECT_NE(ignored[0].find("'*.local'"), std::string::npos) << ignored[0];
  EXPECT_NE(ignored[1].find("'localhost:8080'"), std::string::npos) << ignored[1];
  EXPECT_NE(ignored[2].find("'10.0.0.0/33'"), std::string::npos) << ignored[2];
  EXPECT_EQ(proxy.tunnelsTo(serve.port("tcp")), 0) << "127.0.0.1 is listed: reached directly";
  const Result json =
      run({"tcp", "127.0.0.1", port, "--proxy", proxy.url(), "--json", "--wait", "0.5"}, "x\n");
  EXPECT_EQ(json.code, 0) << json.err;
  int warnings = 0;
  for (const auto& e : events(json.out))
    if (e.at("event").as_string() == "warning") ++warnings;
  EXPECT_EQ(warnings, 3) << json.out;
}

TEST(CliTest, WssPinMismatchGivesTheServersPinWhichThenMatches) {
  Serve serve({"--wss", "0"}, 1);
  const std::string url = "wss://127.0.0.1:" + std::to_string(serve.port("wss")) + "/";
  const std::string wrong = "sha256//" + std::string(43, 'A') + "=";
  const Result mismatch = run({"ws", url, "--ca", serve.ca(), "--pin", wrong, "--wait", "0"});
  EXPECT_EQ(mismatch.code, 69) << mismatch.err;
  const std::smatch found = [&] {
    std::smatch m;
    std::regex_search(mismatch.err, m, std::regex("its pin is (sha256//[A-Za-z0-9+/]{43}=)"));
    return m;
  }();
  ASSERT_EQ(found.size(), 2u) << mismatch.err;
  const Result pinned =
      run({"ws", url, "--ca", serve.ca(), "--pin", found[1].str(), "--wait", "0.5"}, "pinned\n");
  EXPECT_EQ(pinned.code, 0) << pinned.err;
  EXPECT_EQ(pinned.out, "pinned\n") << pinned.err;
  const Result badForm = run({"ws", url, "--pin", "sha1//abc"});
  EXPECT_EQ(badForm.code, 64);
  EXPECT_NE(badForm.err.find("public-key pin 'sha1//abc' is not valid"), std::string::npos)
      << badForm.err;
}

TEST(CliTest, WssClientCertificateWithAnEncryptedKeyFromTheEnvironment) {
  using minisock::testing::MoreTlsFiles;
  const auto& tls = minisock::testing::tlsFiles();
  const auto& more = minisock::testing::moreTlsFiles();
  Serve serve({"--ws", "0"}, 1);
  minisock::testing::TlsRelay::Options options;
  options.requireClientCa = tls.caCert;
  minisock::testing::TlsRelay relay(serve.port("ws"), options);
  ScopedEnv env("MINISOCK_TEST_PASSPHRASE", MoreTlsFiles::kKeyPassphrase);
  const Result accepted = run({"ws", relay.url(), "--ca", tls.caCert, "--cert", more.clientCert,
                               "--key", more.clientKeyEncrypted, "--key-passphrase-env",
                               "MINISOCK_TEST_PASSPHRASE", "--wait", "0.5"},
                              "mutual\n");
  EXPECT_EQ(accepted.code, 0) << accepted.err;
  EXPECT_EQ(accepted.out, "mutual\n") << accepted.err;
  const Result without = run({"ws", relay.url(), "--ca", tls.caCert, "--wait", "0"});
  EXPECT_EQ(without.code, 69) << without.err;
  EXPECT_NE(without.err.find("asked for a client certificate"), std::string::npos) << without.err;
  const Result unset = run({"ws", relay.url(), "--cert", more.clientCert, "--key",
                            more.clientKeyEncrypted, "--key-passphrase-env", "MINISOCK_UNSET_VAR"});
  EXPECT_EQ(unset.code, 64);
  EXPECT_NE(unset.err.find("MINISOCK_UNSET_VAR: the variable is not set"), std::string::npos)
      << unset.err;
}

}  // namespace
