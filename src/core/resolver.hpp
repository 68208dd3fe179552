#pragma once
// Name resolution for every socket kind: getaddrinfo (through Asio's synchronous resolver) on
// a thread of the Runtime's own, the result posted to the loop through the RuntimeLink.
//
// Why not Asio's async_resolve: Asio runs it on a private thread too, but hands the result to
// the io_context without waking a loop that a host drives (host-loop mode: the io_context is
// polled, never blocked in, so nothing waits on Asio's own wake-up). Posting through the link
// wakes every kind of loop. Each lookup counts as outstanding work of the io_context, as
// Asio's would, so run() and Runtime::hasWork() wait for it.

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "core/admission.hpp"

namespace minisock::detail {

struct RuntimeLink;

class Resolver {
 public:
  /// Which addresses to ask for: any family (WebSocket URLs), IPv4 only, or IPv6 with IPv4
  /// answers mapped (a TCPSocket/UDPSocket of type ipv6/udp6).
  enum class Family { any, v4, v6Mapped };
  /// Runs on the loop thread with how the lookup ended and the addresses in the resolver's
  /// order (IPv4-mapped ones as such for Family::v6Mapped).
  using Done = std::function<void(Lookup)>;

  explicit Resolver(std::shared_ptr<RuntimeLink> link);
  /// Ends the thread: queued lookups are dropped; one in progress finishes on its own (a
  /// blocked getaddrinfo cannot be interrupted) and its result is discarded.
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  /// Set to cancel a lookup: one not started yet is skipped (its `done` gets
  /// Lookup::Outcome::cancelled); one under way still ends by itself, as with Asio's.
  using Ticket = std::shared_ptr<std::atomic<bool>>;

  /// Loop thread: resolves `host` and calls `done` on the loop, unless the runtime is gone by
  /// then. `done` may be destroyed on the resolver's thread: it should hold weak references.
  Ticket resolve(std::string host, Family family, Done done);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace minisock::detail
