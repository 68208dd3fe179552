#pragma once
// Sans-I/O: the byte count of a server's upgrade answer, from its status line to the blank line
// that ends its header fields, against a limit (SocketTask::kMaxUpgradeAnswerHeaderBytes).
// CorkStream feeds it what the opening handshake reads; fuzz/upgrade_answer.cpp checks it
// against a reference and against Beast's parser.

#include <cstddef>

namespace minisock::detail {

class UpgradeAnswerLimit {
 public:
  enum class State {
    idle,      ///< not counting (no start(), or the count ended)
    counting,  ///< the blank line has not come yet
    ended,     ///< the header ended within the limit; what follows is WebSocket data
    exceeded,  ///< the limit was passed before the blank line
  };

  /// Counts from now on, at most `limit` bytes (limit > 0).
  void start(std::size_t limit) noexcept {
    limit_ = limit;
    bytes_ = 0;
    match_ = 0;
    state_ = limit > 0 ? State::counting : State::idle;
  }
  State state() const noexcept { return state_; }
  bool counting() const noexcept { return state_ == State::counting; }
  /// Bytes counted: the header's length once ended.
  std::size_t bytes() const noexcept { return bytes_; }

  /// Counts the received bytes [p, p + n) while counting; returns the state after them.
  State count(const char* p, std::size_t n) noexcept {
    static constexpr char kEnd[] = "\r\n\r\n";
    for (std::size_t i = 0; i < n && state_ == State::counting; ++i) {
      if (++bytes_ > limit_) {
        --bytes_;
        state_ = State::exceeded;
        break;
      }
      match_ = p[i] == kEnd[match_] ? match_ + 1 : (p[i] == '\r' ? 1 : 0);
      if (match_ == 4) state_ = State::ended;
    }
    return state_;
  }

 private:
  std::size_t limit_ = 0;
  std::size_t bytes_ = 0;
  unsigned match_ = 0;  // how much of "\r\n\r\n" the last bytes matched
  State state_ = State::idle;
};

}  // namespace minisock::detail
