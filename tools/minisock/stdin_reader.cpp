#include "stdin_reader.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace minisock::cli {

StdinReader::StdinReader(LineHandler line, EndHandler end, Gate mayRead)
    : line_(std::move(line)), end_(std::move(end)), mayRead_(std::move(mayRead)) {
  if (::pipe2(wake_, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category());
}

StdinReader::~StdinReader() {
  stop();
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void StdinReader::start() {
  thread_ = std::thread([this] { run(); });
}

void StdinReader::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  gateChanged_.notify_all();
  const char byte = 0;
  while (::write(wake_[1], &byte, 1) < 0 && errno == EINTR) {
  }
  thread_.join();
}

void StdinReader::wake() {
  // Under the lock: a waiter that has just found the gate closed is already waiting.
  std::lock_guard lock(mutex_);
  gateChanged_.notify_all();
}

bool StdinReader::waitForGate() {
  std::unique_lock lock(mutex_);
  while (!stopping_ && mayRead_ && !mayRead_()) gateChanged_.wait_for(lock, kGatePoll);
  return !stopping_;
}

void StdinReader::run() {
  std::string pending;
  std::size_t scanned = 0;  // pending[0, scanned) holds no '\n': each byte is searched once
  char buffer[16384];
  for (;;) {
    if (!waitForGate()) return;  // stop(): no handler runs any more
    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) return;  // stop(): no handler runs any more
    const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<std::size_t>(n));
    std::size_t begin = 0;
    for (std::size_t nl; (nl = pending.find('\n', scanned)) != std::string::npos;
         begin = scanned = nl + 1)
      line_(pending.substr(begin, nl - begin), true);
    pending.erase(0, begin);
    scanned = pending.size();
  }
  if (!pending.empty()) line_(std::move(pending), false);
  end_();
}

}  // namespace minisock::cli
