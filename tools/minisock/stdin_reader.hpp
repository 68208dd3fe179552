#pragma once
/// @file Reads stdin line by line on its own thread, so the event loop never blocks on input.

#include <functional>
#include <string>
#include <thread>

namespace minisock::cli {

/// Reads standard input on a thread of its own and hands over each line. stop() (or the
/// destructor) ends the thread even while it waits for input: it polls stdin together with a
/// wake-up pipe, so a connection that ends first never leaves the process stuck in read().
class StdinReader {
 public:
  /// `line` gets each line without its '\n', and whether it had one (only the last line of
  /// the input may lack it); `end` runs once at end of input or on a read error. Both run on
  /// the reader's thread.
  using LineHandler = std::function<void(std::string line, bool newline)>;
  using EndHandler = std::function<void()>;

  StdinReader(LineHandler line, EndHandler end);
  /// Stops and joins the thread.
  ~StdinReader();
  StdinReader(const StdinReader&) = delete;
  StdinReader& operator=(const StdinReader&) = delete;

  /// Starts reading.
  void start();
  /// Stops reading (no handler runs after it returns) and joins the thread. Idempotent.
  void stop();

 private:
  void run();

  LineHandler line_;
  EndHandler end_;
  int wake_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace minisock::cli
