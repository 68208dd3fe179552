#pragma once
// Listeners of one event of one socket. Touched only on the loop thread, so no locks.
// Dispatch walks the listeners present when it starts: one removed during dispatch is not
// called again; one added during dispatch runs from the next event. Entries are list nodes,
// stable in memory, so a listener that adds others while running is never moved (and one
// listener costs one allocation).

#include <algorithm>
#include <exception>
#include <list>

#include "minisock/listener.hpp"

namespace minisock::detail {

/// Writes "minisock: a listener threw: <what>" to stderr.
void reportListenerException(const char* what) noexcept;
/// Writes "minisock: a success/fail/complete callback threw: <what>" to stderr.
void reportCallbackException(const char* what) noexcept;
/// An exception that left an I/O handler (from Beast, Asio or OpenSSL: listeners' and
/// callbacks' own are caught where they are called): reported, and the loop goes on.
void reportLoopException(const char* what) noexcept;

/// Calls a success/fail/complete callback, when there is one. Its exception is reported as
/// a listener's is, never let out into the loop (it would leave run() or end start()'s
/// thread with std::terminate).
template <class Fn, class Arg>
void invokeCallback(const Fn& fn, const Arg& arg) noexcept {
  if (!fn) return;
  try {
    fn(arg);
  } catch (const std::exception& ex) {
    reportCallbackException(ex.what());
  } catch (...) {
    reportCallbackException("an exception not derived from std::exception");
  }
}

/// What every registry does without knowing its event type: drop its listeners (the shared
/// lifecycle of SocketBase: after Close, at the Runtime's shutdown).
class ListenerRegistryBase {
 public:
  virtual void clear() = 0;

 protected:
  ~ListenerRegistryBase() = default;
};

template <class Event>
class ListenerRegistry final : public ListenerRegistryBase {
 public:
  void add(ListenerId id, Listener<Event> fn) {
    if (fn) entries_.push_back(Entry{id, std::move(fn), false});
  }

  void remove(ListenerId id) {
    for (auto& e : entries_) {
      if (e.id == id) e.removed = true;
    }
    compact();
  }

  void clear() override {
    for (auto& e : entries_) e.removed = true;
    compact();
  }

  bool empty() const noexcept { return entries_.empty(); }

  void dispatch(const Event& event) {
    const std::size_t n = entries_.size();
    if (n == 0) return;
    ++depth_;
    struct Guard {
      ListenerRegistry* self;
      ~Guard() {
        --self->depth_;
        self->compact();
      }
    } guard{this};
    // Entries are erased only outside dispatch, so the first n are those present at the start.
    auto it = entries_.begin();
    for (std::size_t i = 0; i < n; ++i, ++it) {
      Entry* e = &*it;
      if (e->removed) continue;
      // A listener's exception must not leave a socket half-way through an I/O step (a read
      // not re-armed, a Close not released): it is reported and the loop goes on.
      try {
        e->fn(event);
      } catch (const std::exception& ex) {
        reportListenerException(ex.what());
      } catch (...) {
        reportListenerException("an exception not derived from std::exception");
      }
    }
  }

 private:
  struct Entry {
    ListenerId id;
    Listener<Event> fn;
    bool removed;
  };

  // Removed entries are freed only outside dispatch, so a running listener is never destroyed.
  void compact() {
    if (depth_ != 0) return;
    std::erase_if(entries_, [](const Entry& e) { return e.removed; });
  }

  std::list<Entry> entries_;
  int depth_ = 0;
};

}  // namespace minisock::detail
