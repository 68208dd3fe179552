#pragma once
// The loop, the policy state and the socket registry behind minisock::Runtime, and the base
// class every socket kind derives from. Included only by src/ (Asio lives here).

#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/deadlines.hpp"
#include "core/listener_registry.hpp"
#include "core/node_pool.hpp"
#include "core/policy_check.hpp"
#include "core/proxy.hpp"
#include "core/ws_options.hpp"
#include "minisock/network.hpp"
#include "minisock/policy.hpp"
#include "minisock/socket_task.hpp"

namespace minisock::detail {

class RuntimeCore;
class Resolver;
class SocketBase;
class SocketTaskImpl;
class TlsContext;
struct WsState;

/// What a socket needs to reach its runtime from any thread. Shared by the runtime and all
/// its sockets, so it outlives the runtime: after the runtime is gone `alive` is false.
struct RuntimeLink;

/// The link of the runtime whose loop runs on this thread (inside run(), runFor(), start(),
/// step()).
inline thread_local const RuntimeLink* tl_currentLink = nullptr;

struct RuntimeLink {
  std::mutex mutex;               // orders posts against the runtime's destruction
  std::atomic<bool> alive{true};  // written under mutex
  RuntimeCore* core = nullptr;    // valid while alive
  /// Host-loop mode: the thread that drives the loop (Runtime::pollDescriptor()), which is
  /// the loop thread also between steps. A default id (no thread) otherwise.
  std::atomic<std::thread::id> hostThread{};

  bool onLoopThread() const noexcept {
    return tl_currentLink == this ||
           hostThread.load(std::memory_order_relaxed) == std::this_thread::get_id();
  }

  /// Runs fn on the loop thread: at once when called there, else posted. Returns false (fn
  /// dropped) when the runtime is gone.
  template <class F>
  bool exec(F&& fn);
  /// Posts fn to run later on the loop, never inside the current call.
  template <class F>
  bool defer(F&& fn);
  /// defer() for work that counted itself as outstanding (on_work_started) while it ran
  /// elsewhere (the resolver's thread): posts fn and ends that work in one step, while the
  /// runtime certainly lives. Dropped, with the count, when the runtime is gone.
  template <class F>
  bool deferEndingWork(F&& fn);
};

/// Sets tl_currentLink for a scope (restoring the outer value: loops can nest).
class LoopThreadScope {
 public:
  explicit LoopThreadScope(const RuntimeLink* link) noexcept : saved_(tl_currentLink) {
    tl_currentLink = link;
  }
  ~LoopThreadScope() { tl_currentLink = saved_; }
  LoopThreadScope(const LoopThreadScope&) = delete;
  LoopThreadScope& operator=(const LoopThreadScope&) = delete;

 private:
  const RuntimeLink* saved_;
};

struct UdpBatch;

class RuntimeCore : public std::enable_shared_from_this<RuntimeCore> {
 public:
  RuntimeCore(Policy policy, NetworkOptions network);
  ~RuntimeCore();

  boost::asio::io_context ioc{1};
  /// Timeouts of the sockets, on one timer (loop thread).
  Deadlines deadlines{ioc};
  const Policy policy;
  const NetworkOptions network;
  /// The proxy settings' problem (proxySettingsProblem) as found at creation: every TCP and
  /// WebSocket connection fails with it. The TLS settings' problems fail wss only (TlsContext).
  const std::string networkProblem;
  /// The proxy a TCP or WebSocket connection to `destination` (as written) goes through, or
  /// nullptr: none configured, or the no-proxy list names it.
  const ProxyUrl* proxyFor(const ParsedHost& destination) const noexcept;
  /// network.proxy parsed (when usable).
  const std::optional<ProxyUrl> proxyUrl;
  const std::shared_ptr<RuntimeLink> link;
  /// Every socket's reads land here and are dispatched before the next read (loop thread).
  std::vector<std::byte> receiveBuffer;
  /// UDP's receive batch for recvmmsg (udp_socket.cpp), made on first use.
  std::shared_ptr<UdpBatch> udpBatch;
  /// Name lookups of every socket kind (loop thread; made on first use).
  Resolver& resolver();
  /// The TCP quota's grants (loop thread).
  RateWindow tcpQuota;

  /// WebSocket tasks' state (src/ws/ws_state.hpp; loop thread, made on first use).
  WsState& ws();
  std::atomic<std::uint64_t> nextSocketTaskId{0};

  /// Registers a new socket. `held`: the runtime keeps it alive until its Close (the
  /// platform's strong reference); otherwise only weakly until hold(): a TCP or UDP socket
  /// until its first call, so that one never used is destroyed with its owner's last handle
  /// (and forgotten by its destructor), as it can never fire an event.
  void adopt(const std::shared_ptr<SocketBase>& socket, bool held = true);
  /// The socket's first call: kept alive from now on until its Close.
  void hold(SocketBase* socket);
  /// Drops the strong reference (at Close).
  void release(SocketBase* socket);
  /// Forgets a socket entirely (its destructor).
  void forget(SocketBase* socket) noexcept;
  std::size_t socketCount() const noexcept;

  void run(bool limited, std::chrono::milliseconds duration);
  void start();
  void stop();

  /// Host-loop mode (Runtime::pollDescriptor, step, hasWork; runtime.cpp).
  int attachHost();
  bool step();
  bool hasWork() const noexcept { return hasWork_.load(std::memory_order_acquire); }
  bool hostMode() const noexcept { return hostMode_.load(std::memory_order_acquire); }
  /// After a post to the io_context: in host-loop mode, wakes the host unless the post comes
  /// from its own step (which runs it before returning).
  void afterPost() noexcept {
    if (!hostMode_.load(std::memory_order_acquire)) return;
    if (link->hostThread.load(std::memory_order_relaxed) == std::this_thread::get_id() && stepping_)
      return;
    wakeHost();
  }
  /// After a user's call ran at once on the host thread: it may have started I/O whose
  /// completion Asio queued without waking anyone, so the host steps again soon.
  void afterInlineCall() noexcept {
    if (hostMode_.load(std::memory_order_relaxed) && !stepping_) wakeHost();
  }
  /// Stops the loop, waits for it, and aborts every socket without events (~Runtime).
  void shutdown() noexcept;

 private:
  struct Entry {
    std::weak_ptr<SocketBase> weak;
    std::shared_ptr<SocketBase> strong;  // null once closed, and before hold() if adopted so
    bool live = true;                    // counted in liveCount_: not closed
  };
  mutable std::mutex socketsMutex_;
  std::unordered_map<SocketBase*, Entry> sockets_;
  /// Nodes of forgotten sockets kept for the next adopt (no allocation per socket).
  NodePool<std::unordered_map<SocketBase*, Entry>, 64> socketNodes_;
  std::size_t liveCount_ = 0;

  void wakeHost() noexcept;

  std::unique_ptr<Resolver> resolver_;
  std::unique_ptr<WsState> ws_;

  // Host-loop mode. The descriptor the host watches is an epoll set of Asio's own epoll
  // descriptor (sockets and timers) and an eventfd (posts from other threads, work queued
  // by calls made between steps); see runtime.cpp.
  std::atomic<bool> hostMode_{false};
  int hostEpoll_ = -1;
  int wakeFd_ = -1;
  std::atomic<bool> wakePending_{false};
  std::atomic<bool> hasWork_{false};
  bool stepping_ = false;  // host thread only

  std::mutex loopMutex_;
  std::condition_variable loopCv_;
  std::thread thread_;
  bool threadActive_ = false;
  int foregroundRuns_ = 0;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
};

/// Base of every socket kind: the link to the runtime, listener ids, and running work on the
/// loop thread.
class SocketBase : public std::enable_shared_from_this<SocketBase> {
 public:
  explicit SocketBase(std::shared_ptr<RuntimeLink> link) noexcept : link_(std::move(link)) {}
  virtual ~SocketBase();

  /// A public call of a kind adopted weakly (TCP, UDP; not adding or removing listeners): the
  /// first makes the runtime hold the socket until its Close (RuntimeCore::hold). Any thread.
  void markUsed() {
    if (used_.exchange(true, std::memory_order_acq_rel)) return;
    std::lock_guard lock(link_->mutex);
    if (link_->alive) link_->core->hold(this);
  }
  SocketBase(const SocketBase&) = delete;
  SocketBase& operator=(const SocketBase&) = delete;

  /// Releases OS resources and listeners, without events. Called by the runtime's shutdown
  /// when no handler of this runtime can run concurrently.
  virtual void abortFromRuntime() noexcept = 0;

  // ---- the lifecycle every kind shares ----

  /// Drops listeners: after Close, all but `keep` (the Error registry of a kind whose later
  /// calls still report, or nullptr: none can fire), which breaks cycles of listeners that
  /// captured their own socket's handle; at the Runtime's shutdown, all (`keep` nullptr).
  template <std::size_t N>
  static void dropListeners(const std::array<ListenerRegistryBase*, N>& all,
                            const ListenerRegistryBase* keep) noexcept {
    for (ListenerRegistryBase* r : all) {
      if (r != keep) r->clear();
    }
  }

  /// Posts `event` to `registry`, dispatched later on the loop unless the socket was aborted
  /// by then (the one way an Error, or any event made by a call, is reported).
  template <class E>
  void postEvent(ListenerRegistry<E>& registry, E event) {
    defer([self = shared_from_this(), &registry, event = std::move(event)] {
      if (!self->aborted_) registry.dispatch(event);
    });
  }

  /// Posts the Close event: dispatched later on the loop (unless aborted), then the listeners
  /// that can never fire again are dropped (dropListeners) and the runtime lets go of the
  /// socket (its strong reference ends with Close).
  template <class E, std::size_t N>
  void postCloseAndRelease(ListenerRegistry<E>& close, E event,
                           const std::array<ListenerRegistryBase*, N>& all,
                           const ListenerRegistryBase* keep) {
    defer([self = shared_from_this(), &close, event = std::move(event), all, keep] {
      if (self->aborted_) return;
      close.dispatch(event);
      if (self->aborted_) return;
      dropListeners(all, keep);
      self->core().release(self.get());
    });
  }

  /// The errMsg of a type the platform does not know, reported at creation:
  /// `<api> fail: invalid type 'x' (expected "a" or "b")`.
  static std::string invalidTypeMessage(std::string_view api, std::string_view type,
                                        std::string_view expectedA, std::string_view expectedB);

  template <class E>
  ListenerId addListener(ListenerRegistry<E>& registry, Listener<E> fn) {
    const ListenerId id{++listenerIds_};
    exec([self = shared_from_this(), &registry, id, fn = std::move(fn)]() mutable {
      registry.add(id, std::move(fn));
    });
    return id;
  }
  /// Registers a listener given at creation, before the socket is adopted by the runtime (no
  /// other thread can reach its registries yet).
  template <class E>
  void addInitialListener(ListenerRegistry<E>& registry, Listener<E> fn) {
    if (fn) registry.add(ListenerId{++listenerIds_}, std::move(fn));
  }
  template <class E>
  void removeListener(ListenerRegistry<E>& registry, ListenerId id) {
    exec([self = shared_from_this(), &registry, id] { registry.remove(id); });
  }
  template <class E>
  void removeListeners(ListenerRegistry<E>& registry) {
    exec([self = shared_from_this(), &registry] { registry.clear(); });
  }

 protected:
  bool onLoopThread() const noexcept { return link_->onLoopThread(); }

  /// True when a call may run at once: on the loop thread, with no earlier call of this
  /// socket still queued from another thread (which it would otherwise overtake).
  bool canRunInline() const noexcept {
    return onLoopThread() && pendingCalls_.load(std::memory_order_acquire) == 0 &&
           link_->alive.load(std::memory_order_acquire);
  }

  /// Runs a user call on the loop thread: at once when canRunInline(), else queued behind
  /// the calls before it. Returns false (fn dropped) when the runtime is gone.
  template <class F>
  bool exec(F&& fn) {
    if (canRunInline()) {
      fn();
      if (link_->alive.load(std::memory_order_acquire)) core().afterInlineCall();
      return true;
    }
    return deferCall(std::forward<F>(fn));
  }

  /// Queues a user call (counted, so that later calls from the loop thread wait for it).
  /// fn must keep the socket alive (capture shared_from_this()).
  template <class F>
  bool deferCall(F&& fn) {
    pendingCalls_.fetch_add(1, std::memory_order_acq_rel);
    const bool queued = link_->defer([this, fn = std::forward<F>(fn)]() mutable {
      pendingCalls_.fetch_sub(1, std::memory_order_acq_rel);
      fn();
    });
    if (!queued) pendingCalls_.fetch_sub(1, std::memory_order_acq_rel);
    return queued;
  }

  /// Posts an event to run later on the loop, never inside the current call.
  template <class F>
  bool defer(F&& fn) {
    return link_->defer(std::forward<F>(fn));
  }

  /// Destroys Asio members while the runtime (and so its io_context) is certainly alive;
  /// when it is already gone and did not abort this socket, they are leaked, not destroyed
  /// against a dead io_context.
  template <class... Members>
  void releaseIo(Members&... members) noexcept {
    std::lock_guard lock(link_->mutex);
    if (link_->alive.load(std::memory_order_relaxed)) {
      (members.reset(), ...);
    } else {
      ((void)(members ? new auto(std::move(members)) : nullptr), ...);
    }
  }

  /// The runtime; only on the loop thread while it is alive.
  RuntimeCore& core() const noexcept { return *link_->core; }

  /// A paused socket has no operation pending; while `hold`, it counts as the loop's work so
  /// that run() does not return under it (resume() may come from another thread). Loop thread
  /// only, while the runtime is alive; released on resume and at every end (abort included).
  void holdLoop(bool hold) noexcept {
    if (hold == holdingLoop_) return;
    holdingLoop_ = hold;
    auto executor = core().ioc.get_executor();
    if (hold) {
      executor.on_work_started();
    } else {
      executor.on_work_finished();
    }
  }

  const std::shared_ptr<RuntimeLink> link_;
  /// Set by abortFromRuntime: the socket is gone for the runtime; nothing is dispatched.
  bool aborted_ = false;

 private:
  bool holdingLoop_ = false;
  std::atomic<bool> used_{false};  // markUsed()
  std::atomic<std::uint64_t> listenerIds_{0};
  std::atomic<int> pendingCalls_{0};
};

template <class F>
bool RuntimeLink::exec(F&& fn) {
  if (onLoopThread()) {
    if (!alive.load(std::memory_order_acquire)) return false;
    fn();
    if (alive.load(std::memory_order_acquire)) core->afterInlineCall();
    return true;
  }
  return defer(std::forward<F>(fn));
}

template <class F>
bool RuntimeLink::defer(F&& fn) {
  std::lock_guard lock(mutex);
  if (!alive.load(std::memory_order_relaxed)) return false;
  boost::asio::post(core->ioc, std::forward<F>(fn));
  core->afterPost();
  return true;
}

template <class F>
bool RuntimeLink::deferEndingWork(F&& fn) {
  std::lock_guard lock(mutex);
  if (!alive.load(std::memory_order_relaxed)) return false;
  boost::asio::post(core->ioc, std::forward<F>(fn));
  core->ioc.get_executor().on_work_finished();
  core->afterPost();
  return true;
}

}  // namespace minisock::detail
