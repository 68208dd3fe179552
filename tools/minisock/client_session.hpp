#pragma once
/// @file The state a client subcommand (tcp, udp, ws) shares between the loop thread, the
/// stdin thread and the main thread, and the common end of such a session.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <minisock/errors.hpp>
#include <mutex>
#include <optional>

namespace minisock::cli {

class StdinReader;

/// Records what happened to one connection; every method is thread-safe. The main thread
/// waits on it; listeners (loop thread) and the stdin reader report to it.
class ClientSession {
 public:
  using Clock = std::chrono::steady_clock;

  void markOpen();
  void markReceived();
  void markInputEnded();
  void markClosed();
  /// Keeps the first Error for the exit status. Returns false for an Error after Close (a line
  /// of stdin written while the connection was ending): not worth printing.
  bool setError(const ErrorEvent& error);
  /// The first Error, if any.
  std::optional<ErrorEvent> error() const;

  /// Waits until the connection is open or closed; true when open.
  bool waitOpenOrClosed();
  /// Waits until input ended or the connection closed; true when it closed.
  bool waitInputEndedOrClosed();
  /// Waits until the connection closed or nothing was received for `idle`; true when closed.
  bool waitIdleOrClosed(std::chrono::milliseconds idle);
  /// Waits until closed, at most `limit`; true when closed.
  bool waitClosed(std::chrono::milliseconds limit);
  /// Waits until closed, however long the peer takes (ws --echo: the peer ends it).
  void waitClosed();

 private:
  template <class Predicate>
  void waitFor(Predicate predicate);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
  bool inputEnded_ = false;
  bool closed_ = false;
  Clock::time_point lastReceived_ = Clock::now();
  std::optional<ErrorEvent> error_;
};

/// The common end of a client: once stdin has ended, keep receiving until `idle` passes with
/// nothing new (--wait), then `close()` politely and wait for the Close event (the library
/// bounds the closing handshake). Returns early when the peer or an error closed first.
/// Stops `reader` in every case.
void finishClient(ClientSession& session, StdinReader& reader, std::chrono::milliseconds idle,
                  const std::function<void()>& close);

}  // namespace minisock::cli
