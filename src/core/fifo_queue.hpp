#pragma once
// FifoQueue: a first-in-first-out queue on one vector, allocating nothing until the first
// push (std::deque allocates a map and a block at construction: ~600 bytes per idle socket).

#include <cstddef>
#include <utility>
#include <vector>

namespace minisock::detail {

template <class T>
class FifoQueue {
 public:
  bool empty() const noexcept { return head_ == items_.size(); }
  std::size_t size() const noexcept { return items_.size() - head_; }
  T& front() noexcept { return items_[head_]; }
  void push_back(T&& value) { items_.push_back(std::move(value)); }
  void pop_front() {
    items_[head_] = T{};
    if (++head_ == items_.size()) {
      clear();
    } else if (head_ >= 32 && head_ * 2 >= items_.size()) {
      // Reclaims the consumed front when a producer keeps the queue from ever emptying.
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  void clear() noexcept {
    items_.clear();
    head_ = 0;
  }
  auto begin() noexcept { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  auto end() noexcept { return items_.end(); }

 private:
  std::vector<T> items_{};
  std::size_t head_ = 0;
};

}  // namespace minisock::detail
