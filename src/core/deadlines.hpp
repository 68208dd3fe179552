#pragma once
// Deadlines: many timeouts on one Asio timer (loop thread only).
//
// A socket's own timer would re-arm the kernel timer (timerfd_settime) each time it became the
// earliest and each time it was cancelled: four system calls per WebSocket connection for its
// opening and closing timeouts. Here the one timer is re-armed only when a deadline comes
// earlier than the armed one; cancelling just forgets the entry, and an early wake-up with
// nothing due re-arms for the next entry. When the Runtime's last socket is released with no
// deadline left, stopIfEmpty() disarms it, so that run() returns once no work is left.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>

#include "core/asio_types.hpp"
#include "core/node_pool.hpp"

namespace minisock::detail {

class Deadlines {
 public:
  using Clock = std::chrono::steady_clock;
  /// Identifies one added deadline; a default one identifies nothing.
  struct Handle {
    Clock::time_point when{};
    std::uint64_t id = 0;
    explicit operator bool() const noexcept { return id != 0; }
  };

  explicit Deadlines(boost::asio::io_context& ioc) : timer_(ioc) {}

  /// Calls `fn` on the loop once `after` has passed, unless cancelled first.
  Handle add(Clock::duration after, std::function<void()> fn) {
    return add(after, Entry{{}, nullptr, std::move(fn)});
  }

  /// Calls `(owner->*Method)()` once `after` has passed, unless cancelled first or `owner` is
  /// gone by then (only a weak reference is kept). No allocation beyond the entry's own.
  template <auto Method, class T>
  Handle add(Clock::duration after, const std::shared_ptr<T>& owner) {
    return add(after, Entry{owner, [](void* p) { (static_cast<T*>(p)->*Method)(); }, {}});
  }

  /// Forgets a deadline (nothing happens if it already fired); resets `h`.
  void cancel(Handle& h) {
    if (h) nodes_.recycle(entries_.extract(std::make_pair(h.when, h.id)));
    h = {};
  }

  /// With no deadline left, disarms the timer, which would otherwise keep the io_context's
  /// run() going until its (cancelled) time.
  void stopIfEmpty() {
    if (!entries_.empty() || !armed_) return;
    armed_ = false;
    timer_.cancel();
  }

  std::size_t size() const noexcept { return entries_.size(); }

 private:
  void arm(Clock::time_point when) {
    armed_ = true;
    armedAt_ = when;
    timer_.expires_at(when);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;  // re-armed (cancelled) or shutting down
      armed_ = false;
      fire();
    });
  }

  struct Entry {
    std::weak_ptr<void> owner;  // with `call`
    void (*call)(void* owner);
    std::function<void()> fn;  // without `call`
  };

  using Map = std::map<std::pair<Clock::time_point, std::uint64_t>, Entry>;

  Handle add(Clock::duration after, Entry entry) {
    const Handle h{Clock::now() + after, ++nextId_};
    nodes_.insert(entries_, std::make_pair(h.when, h.id), std::move(entry));
    if (!armed_ || h.when < armedAt_) arm(h.when);
    return h;
  }

  void fire() {
    const auto now = Clock::now();
    while (!entries_.empty() && entries_.begin()->first.first <= now) {
      Map::node_type node = entries_.extract(entries_.begin());
      Entry entry = std::move(node.mapped());
      nodes_.recycle(std::move(node));
      // Either may add or cancel deadlines.
      if (!entry.call) {
        entry.fn();
      } else if (auto owner = entry.owner.lock()) {
        entry.call(owner.get());
      }
    }
    if (!entries_.empty() && (!armed_ || entries_.begin()->first.first < armedAt_))
      arm(entries_.begin()->first.first);
  }

  SteadyTimer timer_;
  Map entries_;
  // A task adds three deadlines and cancels them: with their nodes kept, a steady stream of
  // tasks allocates none.
  NodePool<Map, 64> nodes_;
  std::uint64_t nextId_ = 0;
  Clock::time_point armedAt_{};
  bool armed_ = false;
};

}  // namespace minisock::detail
