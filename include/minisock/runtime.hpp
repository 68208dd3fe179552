#pragma once
/// @file
/// minisock::Runtime: one event loop, one Policy, and every live socket.

#include <chrono>
#include <cstddef>
#include <memory>

#include "minisock/export.hpp"
#include "minisock/policy.hpp"
#include "minisock/socket_task.hpp"
#include "minisock/tcp_socket.hpp"
#include "minisock/udp_socket.hpp"

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
class MINISOCK_API Runtime {
 public:
  /// A Runtime enforcing `policy` (default: Policy::development(), see the README).
  explicit Runtime(Policy policy = Policy::development());
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// The platform's createTCPSocket. Thread-safe.
  std::shared_ptr<TCPSocket> createTCPSocket(CreateTCPSocketOption option = {});

  /// The platform's createUDPSocket: "udp4" (default) or "udp6". Any other type: the socket
  /// is created, then gets one Error (errCode -1) and one Close. Thread-safe.
  std::shared_ptr<UDPSocket> createUDPSocket(const std::string& type = "udp4");

  /// The platform's connectSocket: returns the task at once. `success`/`complete` (or
  /// `fail`/`complete`) run on the loop before any task event. Thread-safe.
  std::shared_ptr<SocketTask> connectSocket(ConnectSocketOption option);

  /// @name The older global calls
  /// They act on the most recent task of connectSocket(); onSocketX listeners receive the
  /// events of whichever task is the most recent.
  ///@{

  /// The platform's onSocketOpen: Open of the most recent task.
  ListenerId onSocketOpen(Listener<SocketTask::OpenEvent> listener);
  /// The platform's onSocketMessage: Message of the most recent task.
  ListenerId onSocketMessage(Listener<SocketTask::MessageEvent> listener);
  /// The platform's onSocketError: Error of the most recent task.
  ListenerId onSocketError(Listener<ErrorEvent> listener);
  /// The platform's onSocketClose: Close of the most recent task.
  ListenerId onSocketClose(Listener<SocketTask::CloseEvent> listener);
  /// Extension (the platform has none): removes a global Open listener.
  void offSocketOpen(ListenerId id);
  /// Extension: removes a global Message listener.
  void offSocketMessage(ListenerId id);
  /// Extension: removes a global Error listener.
  void offSocketError(ListenerId id);
  /// Extension: removes a global Close listener.
  void offSocketClose(ListenerId id);
  /// SocketTask::send on the most recent task; `fail` when there is none.
  void sendSocketMessage(SocketTask::SendOption option);
  /// SocketTask::close on the most recent task. As documented, closing before that task has
  /// opened does not close it: `fail` says so.
  void closeSocket(SocketTask::CloseOption option = {});
  ///@}

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
  std::shared_ptr<detail::RuntimeCore> core_{};
};

}  // namespace minisock
