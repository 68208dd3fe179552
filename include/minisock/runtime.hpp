#pragma once
/// @file minisock::Runtime: one event loop, one Policy, and every live socket.

#include <chrono>
#include <cstddef>
#include <memory>

#include "minisock/policy.hpp"
#include "minisock/tcp_socket.hpp"

namespace minisock {

namespace detail {
class RuntimeCore;
}

/// Owns one event loop, the connection policy and every live socket. Every listener of its
/// sockets runs on the loop thread: the thread inside run()/runFor(), or the background
/// thread of start().
///
/// Lifetime: destroying the Runtime closes every socket at once, without events; later calls
/// on their handles do nothing. It also drops every listener, so listeners that captured
/// their own socket's handle do not keep it alive past the Runtime.
class Runtime {
 public:
  /// A Runtime enforcing `policy` (default: Policy::development(), see the README).
  explicit Runtime(Policy policy = Policy::development());
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// The platform's createTCPSocket. Thread-safe.
  std::shared_ptr<TCPSocket> createTCPSocket(CreateTCPSocketOption option = {});

  /// Runs the loop on the calling thread until no work is left or stop() is called.
  /// Can be called again later to run what was posted since. Does nothing while start()'s
  /// background thread runs the loop.
  void run();
  /// Like run(), returning after `duration` at the latest.
  void runFor(std::chrono::milliseconds duration);
  /// Runs the loop on a background thread until stop(); idle sockets do not end it.
  void start();
  /// Makes run()/runFor() return, or ends start()'s thread (joining it, unless called on the
  /// loop thread itself). Safe from any thread and from inside a listener.
  void stop();

  /// The Policy this Runtime enforces.
  const Policy& policy() const noexcept;
  /// Sockets the Runtime still holds (created and not yet closed). 0 means drained.
  std::size_t socketCount() const noexcept;

 private:
  std::shared_ptr<detail::RuntimeCore> core_;
};

}  // namespace minisock
