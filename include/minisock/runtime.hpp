#pragma once
/// @file
/// minisock::Runtime: one event loop, one Policy, and every live socket.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "minisock/export.hpp"
#include "minisock/network.hpp"
#include "minisock/policy.hpp"
#include "minisock/socket_task.hpp"
#include "minisock/tcp_socket.hpp"
#include "minisock/udp_socket.hpp"

namespace minisock {

namespace detail {
class RuntimeCore;
}

/// Owns one event loop, the connection policy and every live socket. Every listener of its
/// sockets runs on the loop thread: the thread inside run()/runFor(), the background thread
/// of start(), or, in host-loop mode, the thread of the event loop that drives the Runtime
/// (pollDescriptor(), step()).
///
/// Lifetime: destroying the Runtime closes every socket at once, without events; later calls
/// on their handles do nothing. It also drops every listener, so listeners that captured
/// their own socket's handle do not keep it alive past the Runtime.
class MINISOCK_API Runtime {
 public:
  /// A Runtime enforcing `policy` (default: Policy::development(), see the README).
  explicit Runtime(Policy policy = Policy::development());
  /// Extension: a Runtime enforcing `policy` that reaches the network as `network` says (a
  /// proxy; see NetworkOptions). Settings that cannot be used (NetworkOptions::check()) do
  /// not throw: every connection that would use them fails through its Error event.
  Runtime(Policy policy, NetworkOptions network);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// The platform's createTCPSocket. Thread-safe.
  ///
  /// When listeners must be attached: a TCPSocket or UDPSocket reports nothing before the
  /// first call on it, except an invalid type, reported at creation; a SocketTask starts at
  /// creation. With run()/runFor() and in host-loop mode nothing runs before the creating
  /// code returns to the loop, so listeners attached right after creation see every event.
  /// With start(), the loop runs on another thread at the same time: give the listeners at
  /// creation (the overloads taking Listeners), or attach them on the loop thread.
  std::shared_ptr<TCPSocket> createTCPSocket(CreateTCPSocketOption option = {});
  /// createTCPSocket() with `listeners` registered before the socket can report anything.
  std::shared_ptr<TCPSocket> createTCPSocket(CreateTCPSocketOption option,
                                             TCPSocket::Listeners listeners);

  /// The platform's createUDPSocket: "udp4" (default) or "udp6". Any other type: the socket
  /// is created, then gets one Error (errCode -1) and one Close. Thread-safe.
  std::shared_ptr<UDPSocket> createUDPSocket(const std::string& type = "udp4");
  /// createUDPSocket() with `listeners` registered before the socket can report anything.
  std::shared_ptr<UDPSocket> createUDPSocket(const std::string& type,
                                             UDPSocket::Listeners listeners);

  /// The platform's connectSocket: returns the task at once. `success`/`complete` (or
  /// `fail`/`complete`) run on the loop before any task event. Thread-safe.
  std::shared_ptr<SocketTask> connectSocket(ConnectSocketOption option);
  /// connectSocket() with `listeners` registered before the task can report anything (its
  /// success/fail/complete run first, as always).
  std::shared_ptr<SocketTask> connectSocket(ConnectSocketOption option,
                                            SocketTask::Listeners listeners);

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
  /// background thread runs the loop, or in host-loop mode.
  void run();
  /// Like run(), returning after `duration` at the latest.
  void runFor(std::chrono::milliseconds duration);
  /// Runs the loop on a background thread until stop(); idle sockets do not end it. Does
  /// nothing in host-loop mode.
  void start();
  /// Makes run()/runFor() return, or ends start()'s thread (joining it, unless called on the
  /// loop thread itself). Safe from any thread and from inside a listener. In host-loop mode
  /// it does nothing: the host stops calling step().
  void stop();

  /// @name Host-loop mode: driven by an event loop the Runtime does not own
  /// Instead of run(), runFor() or start(), an event loop the program already has (libuv
  /// under Node.js, glib, a JavaScript engine's run loop, a plain epoll loop) drives the
  /// Runtime on its own thread, with no thread of minisock's: it watches pollDescriptor() for
  /// readability and calls step() whenever it is readable; hasWork() says whether the Runtime
  /// has anything left to wait for, so the host can let its process exit. Every listener and
  /// callback runs inside step(). Every public method stays safe from any thread; calls from
  /// the host thread run at once, between steps too. See the README ("Runtime and threads").
  ///@{

  /// Puts the Runtime into host-loop mode, with the calling thread as its loop thread from
  /// now on, and returns a descriptor that is readable (level-triggered) whenever step() has
  /// something to do: a socket ready, a timer due, a call or event posted from another thread,
  /// work queued by a call made between steps. The Runtime owns it: stop watching it before
  /// destroying the Runtime. Calling it again on the same thread returns the same descriptor.
  /// Returns -1 (errno set when a system call failed) when the Runtime runs on run(), runFor()
  /// or start(), or is already driven from another thread.
  int pollDescriptor();
  /// Runs what is ready, without blocking: at most a bounded batch of handlers (I/O
  /// completions, timers, posted calls), after which the descriptor stays readable for the
  /// rest. Only on the thread of pollDescriptor(); elsewhere, and when called from inside one
  /// of this Runtime's listeners, it does nothing. Returns hasWork().
  bool step();
  /// Whether the Runtime has work outstanding: a connecting or open TCPSocket, a bound
  /// UDPSocket, a SocketTask before its Close, a pending callback, name lookup or posted call,
  /// a timer. As of the last step(), or true when a call or post came since. False: the host
  /// may end (nothing will make the descriptor readable until a new call).
  bool hasWork() const noexcept;
  /// Runs `fn` on the loop thread, later (never inside this call), in order with the other
  /// work posted to the loop. Thread-safe. An exception from `fn` is reported to stderr, as a
  /// listener's is. Nothing runs once the Runtime is destroyed.
  void post(std::function<void()> fn);
  ///@}

  /// The Policy this Runtime enforces.
  const Policy& policy() const noexcept;
  /// Extension: the NetworkOptions this Runtime uses.
  const NetworkOptions& network() const noexcept;
  /// Sockets the Runtime still holds (created and not yet closed; a TCP or UDP socket never
  /// used counts until its last handle is dropped). 0 means drained.
  std::size_t socketCount() const noexcept;

 private:
  std::shared_ptr<detail::RuntimeCore> core_{};
};

}  // namespace minisock
