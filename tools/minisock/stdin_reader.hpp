#pragma once
/// @file Reads stdin line by line on its own thread, so the event loop never blocks on input.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace minisock::cli {

/// Reads standard input on a thread of its own and hands over each line. stop() (or the
/// destructor) ends the thread even while it waits for input: it polls stdin together with a
/// wake-up pipe, so a connection that ends first never leaves the process stuck in read().
///
/// Backpressure: with a `mayRead` gate, no read of stdin starts while the gate says no (the
/// socket holds more than kMaxBufferedBytes not yet sent): the pipe or terminal then fills and
/// the writer waits, so a peer that does not read keeps the process's memory bounded. The gate
/// is asked again on wake() (the socket's Drain) and every kGatePoll.
class StdinReader {
 public:
  /// `line` gets each line without its '\n', and whether it had one (only the last line of
  /// the input may lack it); `end` runs once at end of input or on a read error. Both run on
  /// the reader's thread.
  using LineHandler = std::function<void(std::string line, bool newline)>;
  using EndHandler = std::function<void()>;
  /// Whether stdin may be read now; asked on the reader's thread.
  using Gate = std::function<bool()>;

  /// The bytes a socket may hold unsent before stdin stops being read (its bufferedAmount).
  static constexpr std::size_t kMaxBufferedBytes = std::size_t{1} << 20;
  /// How often a closed gate is asked again without a wake().
  static constexpr std::chrono::milliseconds kGatePoll{50};

  StdinReader(LineHandler line, EndHandler end, Gate mayRead = {});
  /// Stops and joins the thread.
  ~StdinReader();
  StdinReader(const StdinReader&) = delete;
  StdinReader& operator=(const StdinReader&) = delete;

  /// Starts reading.
  void start();
  /// Stops reading (no handler runs after it returns) and joins the thread. Idempotent.
  void stop();
  /// The gate may have opened (from any thread).
  void wake();

 private:
  void run();
  /// Waits while the gate is closed; false when stop() came meanwhile.
  bool waitForGate();

  LineHandler line_;
  EndHandler end_;
  Gate mayRead_;
  int wake_[2] = {-1, -1};
  std::mutex mutex_;
  std::condition_variable gateChanged_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace minisock::cli
