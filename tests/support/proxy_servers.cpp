#include "proxy_servers.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace minisock::testing {
namespace {

using Clock = std::chrono::steady_clock;

bool accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::string makeTempDir(const char* prefix) {
  std::string pattern = std::string("/tmp/") + prefix + "XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

void removeDir(const std::string& dir) {
  if (dir.empty()) return;
  const std::string command = "rm -rf '" + dir + "'";
  [[maybe_unused]] int rc = std::system(command.c_str());
}

}  // namespace

int freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

SpawnedServer::SpawnedServer(std::vector<std::string> argv, int port, std::string logFile)
    : port_(port), logFile_(std::move(logFile)) {
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, logFile_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw std::runtime_error("cannot start " + argv[0] + " (is it installed? scripts/setup.sh)");
  pid_ = pid;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!accepts(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error(argv[0] + " exited at start: " + log());
    }
    if (Clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
      throw std::runtime_error(argv[0] + " did not listen on port " + std::to_string(port_) +
                               " within 10 s: " + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

SpawnedServer::~SpawnedServer() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (::waitpid(pid_, nullptr, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string SpawnedServer::log() const {
  std::ifstream in(logFile_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

// Lines of `log` that contain `marker` followed by "host:port" and then `after` (or the end of
// the line).
int countTunnels(const std::string& log, const std::string& marker, int port,
                 const std::string& after) {
  // Appended, not ":" + to_string(…): GCC 12's -Wrestrict false positive at -O3.
  std::string end = ":";
  end += std::to_string(port);
  end += after;
  int n = 0;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    const auto at = line.find(marker);
    if (at == std::string::npos) continue;
    const std::string target = line.substr(at + marker.size());
    const auto found = target.find(end);
    if (found != std::string::npos && target.find(' ') >= found &&
        (!after.empty() || found + end.size() == target.size()))
      ++n;
  }
  return n;
}

}  // namespace

Tinyproxy::Tinyproxy(std::optional<Credentials> credentials)
    : dir_(makeTempDir("minisock-tinyproxy-")), credentials_(std::move(credentials)) {
  const int port = freeLoopbackPort();
  const std::string conf = dir_ + "/tinyproxy.conf";
  {
    std::ofstream out(conf);
    // No ConnectPort line: CONNECT to every port. No Allow line: every client.
    out << "Port " << port << "\nListen 127.0.0.1\nTimeout 30\nMaxClients 64\nLogLevel Info\n";
    if (credentials_)
      out << "BasicAuth " << credentials_->user << " " << credentials_->password << "\n";
  }
  server_.emplace(std::vector<std::string>{"tinyproxy", "-d", "-c", conf}, port, dir_ + "/log");
}

Tinyproxy::~Tinyproxy() {
  server_.reset();
  removeDir(dir_);
}

int Tinyproxy::tunnelsTo(int port) const {
  return countTunnels(log(), "): CONNECT ", port, " HTTP/");
}

std::string Tinyproxy::url() const {
  std::string auth = credentials_ ? credentials_->user + ":" + credentials_->password + "@" : "";
  return "http://" + auth + "127.0.0.1:" + std::to_string(port());
}

Microsocks::Microsocks(std::optional<Credentials> credentials)
    : dir_(makeTempDir("minisock-microsocks-")), credentials_(std::move(credentials)) {
  const int port = freeLoopbackPort();
  std::vector<std::string> argv{"microsocks", "-i", "127.0.0.1", "-p", std::to_string(port)};
  if (credentials_) {
    argv.insert(argv.end(), {"-u", credentials_->user, "-P", credentials_->password});
  }
  server_.emplace(std::move(argv), port, dir_ + "/log");
}

Microsocks::~Microsocks() {
  server_.reset();
  removeDir(dir_);
}

int Microsocks::tunnelsTo(int port) const {
  return countTunnels(server_->log(), "connected to ", port, "");
}

std::string Microsocks::url() const {
  std::string auth = credentials_ ? credentials_->user + ":" + credentials_->password + "@" : "";
  return "socks5://" + auth + "127.0.0.1:" + std::to_string(port());
}

std::string readUntil(int fd, const std::string& terminator, std::size_t limit,
                      std::chrono::milliseconds timeout) {
  std::string got;
  const auto deadline = Clock::now() + timeout;
  while (got.size() < limit && got.find(terminator) == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char c = 0;
    if (::read(fd, &c, 1) != 1) break;
    got += c;
  }
  return got;
}

std::string readExactly(int fd, std::size_t n, std::chrono::milliseconds timeout) {
  std::string got;
  const auto deadline = Clock::now() + timeout;
  while (got.size() < n) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    const ssize_t r = ::read(fd, buf, std::min(sizeof buf, n - got.size()));
    if (r <= 0) break;
    got.append(buf, static_cast<std::size_t>(r));
  }
  return got;
}

}  // namespace minisock::testing
