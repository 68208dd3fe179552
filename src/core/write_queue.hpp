#pragma once
// Bytes written by the user and not yet accepted by the OS (sans-I/O). Small writes are
// coalesced into reusable copy buffers, large owned ones are kept as they are (no copy), and
// the front is handed out as a gather list so that one system call sends many writes.

#include <cstddef>
#include <deque>
#include <span>
#include <string>
#include <vector>

namespace minisock::detail {

class WriteQueue {
 public:
  /// Copies below this size are appended to the last copy buffer.
  static constexpr std::size_t kCoalesceLimit = 64 * 1024;

  void appendCopy(std::span<const std::byte> data);
  void appendOwned(std::string&& text);
  void appendOwned(std::vector<std::byte>&& bytes);

  /// Fills `out` with the front of the queue, in order; returns how many spans it filled.
  std::size_t gather(std::span<std::span<const std::byte>> out) const noexcept;
  /// Drops the first n bytes (n <= size()).
  void consume(std::size_t n) noexcept;
  /// Drops everything; returns how many bytes were dropped.
  std::size_t clear() noexcept;

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

 private:
  struct Segment {
    std::vector<std::byte> bytes;  // a copy buffer, or owned binary data
    std::string text;              // owned text
    bool isText = false;
    bool isCopy = false;
    std::size_t offset = 0;  // bytes already sent
    std::span<const std::byte> remaining() const noexcept;
  };

  void recycle(Segment& s) noexcept;

  std::deque<Segment> segments_;
  std::vector<std::byte> spare_;  // one emptied copy buffer kept for reuse
  std::size_t size_ = 0;
};

}  // namespace minisock::detail
