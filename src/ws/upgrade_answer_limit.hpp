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
    headBytes_ = 0;
    state_ = limit > 0 ? State::counting : State::idle;
  }
  State state() const noexcept { return state_; }
  bool counting() const noexcept { return state_ == State::counting; }
  /// Bytes counted: the header's length once ended.
  std::size_t bytes() const noexcept { return bytes_; }
  /// The status code of the answer's status line ("HTTP/1.x NNN"), once its first 12 bytes
  /// were counted; 0 before, or when they are not such a line. Known even when the rest of the
  /// answer (its body) cannot be read.
  int status() const noexcept {
    if (headBytes_ < sizeof head_) return 0;
    static constexpr char kHttp[] = "HTTP/1.";
    for (std::size_t i = 0; i + 1 < sizeof kHttp; ++i)
      if (head_[i] != kHttp[i]) return 0;
    if (head_[8] != ' ') return 0;
    int code = 0;
    for (std::size_t i = 9; i < 12; ++i) {
      if (head_[i] < '0' || head_[i] > '9') return 0;
      code = code * 10 + (head_[i] - '0');
    }
    return code;
  }

  /// Counts the received bytes [p, p + n) while counting; returns the state after them.
  State count(const char* p, std::size_t n) noexcept {
    static constexpr char kEnd[] = "\r\n\r\n";
    for (std::size_t i = 0; i < n && state_ == State::counting; ++i) {
      if (++bytes_ > limit_) {
        --bytes_;
        state_ = State::exceeded;
        break;
      }
      if (headBytes_ < sizeof head_) head_[headBytes_++] = p[i];
      match_ = p[i] == kEnd[match_] ? match_ + 1 : (p[i] == '\r' ? 1 : 0);
      if (match_ == 4) state_ = State::ended;
    }
    return state_;
  }

 private:
  std::size_t limit_ = 0;
  std::size_t bytes_ = 0;
  unsigned match_ = 0;  // how much of "\r\n\r\n" the last bytes matched
  char head_[12] = {};  // the first bytes: "HTTP/1.1 101"
  std::size_t headBytes_ = 0;
  State state_ = State::idle;
};

}  // namespace minisock::detail
