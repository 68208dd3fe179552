#include "core/write_queue.hpp"

#include <algorithm>

namespace minisock::detail {

std::span<const std::byte> WriteQueue::Segment::remaining() const noexcept {
  if (isText) return std::as_bytes(std::span(text)).subspan(offset);
  return std::span<const std::byte>(bytes).subspan(offset);
}

void WriteQueue::appendCopy(std::span<const std::byte> data) {
  if (data.empty()) return;
  size_ += data.size();
  if (!segments_.empty()) {
    Segment& tail = segments_.back();
    if (tail.isCopy && tail.bytes.size() + data.size() <= kCoalesceLimit) {
      tail.bytes.insert(tail.bytes.end(), data.begin(), data.end());
      return;
    }
  }
  Segment s;
  s.isCopy = true;
  if (data.size() <= kCoalesceLimit) {
    s.bytes = std::move(spare_);
    s.bytes.clear();
  }
  s.bytes.assign(data.begin(), data.end());
  segments_.push_back(std::move(s));
}

void WriteQueue::appendOwned(std::string&& text) {
  if (text.size() < kCoalesceLimit) return appendCopy(std::as_bytes(std::span(text)));
  size_ += text.size();
  Segment s;
  s.isText = true;
  s.text = std::move(text);
  segments_.push_back(std::move(s));
}

void WriteQueue::appendOwned(std::vector<std::byte>&& bytes) {
  if (bytes.size() < kCoalesceLimit) return appendCopy(bytes);
  size_ += bytes.size();
  Segment s;
  s.bytes = std::move(bytes);
  segments_.push_back(std::move(s));
}

std::size_t WriteQueue::gather(std::span<std::span<const std::byte>> out) const noexcept {
  std::size_t n = 0;
  for (const auto& s : segments_) {
    if (n == out.size()) break;
    out[n++] = s.remaining();
  }
  return n;
}

void WriteQueue::consume(std::size_t n) noexcept {
  n = std::min(n, size_);
  size_ -= n;
  while (n > 0 && !segments_.empty()) {
    Segment& s = segments_.front();
    const std::size_t left = s.remaining().size();
    if (n < left) {
      s.offset += n;
      return;
    }
    n -= left;
    recycle(s);
    segments_.pop_front();
  }
}

std::size_t WriteQueue::clear() noexcept {
  const std::size_t dropped = size_;
  for (auto& s : segments_) recycle(s);
  segments_.clear();
  size_ = 0;
  return dropped;
}

void WriteQueue::recycle(Segment& s) noexcept {
  if (s.isCopy && s.bytes.capacity() <= kCoalesceLimit && s.bytes.capacity() > spare_.capacity()) {
    spare_ = std::move(s.bytes);
  }
}

}  // namespace minisock::detail
