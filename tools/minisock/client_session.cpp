#include "client_session.hpp"

#include "stdin_reader.hpp"

namespace minisock::cli {

void ClientSession::markOpen() {
  std::lock_guard lock(mutex_);
  open_ = true;
  lastReceived_ = Clock::now();
  changed_.notify_all();
}

void ClientSession::markReceived() {
  std::lock_guard lock(mutex_);
  lastReceived_ = Clock::now();
  changed_.notify_all();
}

void ClientSession::markInputEnded() {
  std::lock_guard lock(mutex_);
  inputEnded_ = true;
  changed_.notify_all();
}

void ClientSession::markClosed() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

bool ClientSession::setError(const ErrorEvent& error) {
  std::lock_guard lock(mutex_);
  if (closed_) return false;
  if (!error_) error_ = error;
  return true;
}

std::optional<ErrorEvent> ClientSession::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

template <class Predicate>
void ClientSession::waitFor(Predicate predicate) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, predicate);
}

bool ClientSession::waitOpenOrClosed() {
  waitFor([this] { return open_ || closed_; });
  std::lock_guard lock(mutex_);
  return open_ && !closed_;
}

bool ClientSession::waitInputEndedOrClosed() {
  waitFor([this] { return inputEnded_ || closed_; });
  std::lock_guard lock(mutex_);
  return closed_;
}

bool ClientSession::waitIdleOrClosed(std::chrono::milliseconds idle) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (closed_) return true;
    const auto deadline = lastReceived_ + idle;
    if (Clock::now() >= deadline) return false;
    changed_.wait_until(lock, deadline);
  }
}

bool ClientSession::waitClosed(std::chrono::milliseconds limit) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, limit, [this] { return closed_; });
}

void ClientSession::waitClosed() {
  waitFor([this] { return closed_; });
}

void finishClient(ClientSession& session, StdinReader& reader, std::chrono::milliseconds idle,
                  const std::function<void()>& close) {
  if (!session.waitInputEndedOrClosed() && !session.waitIdleOrClosed(idle)) {
    close();
    // The library bounds a polite close (TCP: 10 s to flush + 2 s for the peer's FIN;
    // WebSocket: 5 s for the close frame); this only guards against a lost Close.
    session.waitClosed(std::chrono::seconds(30));
  }
  reader.stop();
}

}  // namespace minisock::cli
