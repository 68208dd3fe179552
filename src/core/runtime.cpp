#include "minisock/runtime.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <boost/asio/detail/reactor.hpp>
#include <cerrno>

#include "core/error_events.hpp"
#include "core/listener_registry.hpp"
#include "core/resolver.hpp"
#include "core/runtime_core.hpp"
#include "tcp/tcp_socket_impl.hpp"
#include "tls/tls_context.hpp"
#include "ws/ws_state.hpp"

#if !defined(BOOST_ASIO_HAS_EPOLL) || defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#error "host-loop mode needs Asio's epoll reactor (Linux)"
#endif

namespace minisock {
namespace detail {

namespace {

// Runs `run` (a call of the io_context's) once: false when a handler threw out of it. The
// exception is reported and never ends the loop's thread (std::terminate) nor reaches the
// caller of run() or step(); Asio lets the same call be made again after a handler threw.
template <class Run>
bool runGuarded(Run&& run) noexcept {
  try {
    run();
    return true;
  } catch (const std::exception& e) {
    reportLoopException(e.what());
  } catch (...) {
    reportLoopException("an exception not derived from std::exception");
  }
  return false;
}
constexpr std::size_t kReceiveBufferSize = 256 * 1024;
/// Handlers one step() runs at most before it lets the host's other work have a turn (the
/// descriptor then stays readable). A handler is one I/O completion, timer or posted call.
constexpr std::size_t kStepBudget = 64;

// Host-loop mode needs the descriptor of Asio's reactor, which Asio keeps private
// (chriskohlhoff/asio#557 asks to expose it). An explicit instantiation may name a private
// member ([temp.spec.general]/6): the one access of that kind minisock takes, on a member
// that has kept its name and meaning since epoll_reactor exists.
template <int boost::asio::detail::epoll_reactor::*Member>
struct EpollFdAccess {
  friend int reactorEpollFd(boost::asio::detail::epoll_reactor& reactor) { return reactor.*Member; }
};
template struct EpollFdAccess<&boost::asio::detail::epoll_reactor::epoll_fd_>;
int reactorEpollFd(boost::asio::detail::epoll_reactor& reactor);

void closeFd(int& fd) noexcept {
  if (fd >= 0) ::close(fd);
  fd = -1;
}
}  // namespace

RuntimeCore::RuntimeCore(Policy p, NetworkOptions n)
    : policy(std::move(p)),
      network(std::move(n)),
      networkProblem(proxySettingsProblem(network)),
      proxyUrl(network.proxy.empty() ? std::nullopt : parseProxyUrl(network.proxy).url),
      link(std::make_shared<RuntimeLink>()),
      receiveBuffer(kReceiveBufferSize) {
  link->core = this;
}

const ProxyUrl* RuntimeCore::proxyFor(const ParsedHost& destination) const noexcept {
  if (!proxyUrl || bypassesProxy(network.noProxy, destination)) return nullptr;
  return &*proxyUrl;
}

RuntimeCore::~RuntimeCore() {
  if (thread_.joinable()) thread_.detach();  // only when destroyed on its own thread
  closeFd(hostEpoll_);
  closeFd(wakeFd_);
}

WsState& RuntimeCore::ws() {
  if (!ws_) ws_ = std::make_unique<WsState>();
  return *ws_;
}

Resolver& RuntimeCore::resolver() {
  if (!resolver_) resolver_ = std::make_unique<Resolver>(link);
  return *resolver_;
}

// ---- host-loop mode ----
//
// The host watches one descriptor: an epoll set holding Asio's reactor descriptor (readable
// when a socket is ready or a timer expired: Asio's timers are a timerfd in that set) and an
// eventfd. The eventfd covers what Asio's descriptor cannot tell: work posted from another
// thread, and work queued by calls the host thread makes between steps. Asio signals such
// work only to a thread blocked inside run(), and here no thread ever is. step() polls the
// io_context (poll_one: never blocks) for a bounded number of handlers.

int RuntimeCore::attachHost() {
  std::lock_guard lock(loopMutex_);
  const auto me = std::this_thread::get_id();
  if (hostMode_) return link->hostThread.load() == me ? hostEpoll_ : -1;
  if (threadActive_ || foregroundRuns_ > 0 || thread_.joinable() || !link->alive) return -1;
  auto& reactor = boost::asio::use_service<boost::asio::detail::reactor>(ioc);
  reactor.init_task();  // the io_context polls the reactor from now on, even with no socket yet
  const int inner = reactorEpollFd(reactor);
  wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  hostEpoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  bool ok = inner >= 0 && wakeFd_ >= 0 && hostEpoll_ >= 0;
  ok = ok && ::epoll_ctl(hostEpoll_, EPOLL_CTL_ADD, inner, &ev) == 0;
  ok = ok && ::epoll_ctl(hostEpoll_, EPOLL_CTL_ADD, wakeFd_, &ev) == 0;
  if (!ok) {
    const int saved = errno;
    closeFd(hostEpoll_);
    closeFd(wakeFd_);
    errno = saved;
    return -1;
  }
  link->hostThread.store(me);
  hostMode_.store(true, std::memory_order_release);
  if (ioc.stopped()) ioc.restart();
  wakeHost();  // the first step runs whatever was posted before
  return hostEpoll_;
}

void RuntimeCore::wakeHost() noexcept {
  hasWork_.store(true, std::memory_order_release);
  if (wakePending_.exchange(true, std::memory_order_acq_rel)) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wakeFd_, &one, sizeof one);  // EAGAIN: already readable
}

bool RuntimeCore::step() {
  if (!hostMode_.load(std::memory_order_acquire) ||
      link->hostThread.load(std::memory_order_relaxed) != std::this_thread::get_id()) {
    return hasWork();
  }
  if (stepping_) return true;      // step() from inside a listener of this runtime: nothing to do
  auto keep = shared_from_this();  // a listener may destroy the Runtime
  {
    std::lock_guard lock(loopMutex_);
    if (!link->alive) {
      hasWork_ = false;
      return false;
    }
    ++foregroundRuns_;  // ~Runtime on another thread waits for the step to end
  }
  if (wakePending_.load(std::memory_order_acquire)) {
    std::uint64_t value = 0;
    [[maybe_unused]] const auto n = ::read(wakeFd_, &value, sizeof value);
    // Cleared before polling: a post from now on signals again; one before is polled below.
    wakePending_.store(false, std::memory_order_release);
  }
  struct Done {  // also when a handler throws out of poll_one
    RuntimeCore* self;
    ~Done() {
      self->stepping_ = false;
      std::lock_guard lock(self->loopMutex_);
      --self->foregroundRuns_;
      self->loopCv_.notify_all();
    }
  } done{this};
  stepping_ = true;
  LoopThreadScope scope(link.get());
  if (ioc.stopped() && link->alive) ioc.restart();
  std::size_t handlers = 0;
  while (handlers < kStepBudget) {
    bool ran = true;  // stays true when the handler threw: it ran
    runGuarded([&] { ran = ioc.poll_one() > 0; });
    if (!ran) break;
    ++handlers;
  }
  const bool more = handlers == kStepBudget && link->alive;
  if (more) wakeHost();  // the rest in the next step, after the host's other work
  hasWork_.store(more || (!ioc.stopped() && link->alive), std::memory_order_release);
  return hasWork();
}

void RuntimeCore::adopt(const std::shared_ptr<SocketBase>& socket, bool held) {
  std::lock_guard lock(socketsMutex_);
  socketNodes_.insert(sockets_, socket.get(),
                      Entry{socket, held ? socket : std::shared_ptr<SocketBase>{}, true});
  ++liveCount_;
}

void RuntimeCore::hold(SocketBase* socket) {
  std::lock_guard lock(socketsMutex_);
  auto it = sockets_.find(socket);
  if (it != sockets_.end() && it->second.live && !it->second.strong)
    it->second.strong = it->second.weak.lock();
}

void RuntimeCore::release(SocketBase* socket) {
  std::shared_ptr<SocketBase> last;  // destroyed after the lock is released
  bool none = false;
  {
    std::lock_guard lock(socketsMutex_);
    auto it = sockets_.find(socket);
    if (it == sockets_.end() || !it->second.live) return;
    it->second.live = false;
    last = std::move(it->second.strong);
    none = --liveCount_ == 0;
  }
  // The deadline timer stays armed after its entries are cancelled (cheaper); with no socket
  // left it must not keep run() from returning.
  if (none) deadlines.stopIfEmpty();
}

void RuntimeCore::forget(SocketBase* socket) noexcept {
  std::lock_guard lock(socketsMutex_);
  auto node = sockets_.extract(socket);
  if (!node.empty() && node.mapped().live) --liveCount_;  // never used, its last handle dropped
  socketNodes_.recycle(std::move(node));
}

std::size_t RuntimeCore::socketCount() const noexcept {
  std::lock_guard lock(socketsMutex_);
  return liveCount_;
}

void RuntimeCore::run(bool limited, std::chrono::milliseconds duration) {
  if (link->onLoopThread()) return;  // nested run() of the same loop: not supported
  {
    std::unique_lock lock(loopMutex_);
    if (hostMode_ || threadActive_ || foregroundRuns_ > 0 || !link->alive) return;
    ++foregroundRuns_;
    // A background thread that stopped itself may still be finishing its last handler:
    // wait for it, so that two threads never run this loop at once.
    if (thread_.joinable()) {
      std::thread previous = std::move(thread_);
      lock.unlock();
      previous.join();
      lock.lock();
    }
    if (ioc.stopped()) ioc.restart();
  }
  struct Done {  // also when a listener throws out of run()
    RuntimeCore* self;
    ~Done() {
      std::lock_guard lock(self->loopMutex_);
      --self->foregroundRuns_;
      self->loopCv_.notify_all();
    }
  } done{this};
  LoopThreadScope scope(link.get());
  if (limited) {
    const auto until = std::chrono::steady_clock::now() + duration;
    while (!runGuarded([&] { ioc.run_until(until); })) {
    }
  } else {
    while (!runGuarded([&] { ioc.run(); })) {
    }
  }
}

void RuntimeCore::start() {
  std::unique_lock lock(loopMutex_);
  if (!link->alive || foregroundRuns_ > 0 || hostMode_) return;
  if (thread_.joinable() && thread_.get_id() == std::this_thread::get_id()) {
    // start() after stop() on the loop thread itself: undo the stop; the loop goes on.
    ioc.restart();
    guard_.emplace(ioc.get_executor());
    threadActive_ = true;
    return;
  }
  if (threadActive_) return;
  threadActive_ = true;  // claimed before unlocking: a concurrent start() or run() backs off
  std::thread previous = std::move(thread_);
  if (previous.joinable()) {
    lock.unlock();
    previous.join();  // a thread that stopped itself from inside
    lock.lock();
  }
  if (!threadActive_) return;  // stop() came in meanwhile
  ioc.restart();
  guard_.emplace(ioc.get_executor());
  thread_ = std::thread([self = shared_from_this()] {
    LoopThreadScope scope(self->link.get());
    while (!runGuarded([&] { self->ioc.run(); })) {
    }
  });
}

void RuntimeCore::stop() {
  std::thread toJoin;
  {
    std::lock_guard lock(loopMutex_);
    if (hostMode_) return;  // the host stops calling step(); nothing to stop here
    guard_.reset();
    threadActive_ = false;
    ioc.stop();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id())
      toJoin = std::move(thread_);
  }
  if (toJoin.joinable()) toJoin.join();
}

void RuntimeCore::shutdown() noexcept {
  {
    std::lock_guard lock(link->mutex);
    link->alive = false;
  }
  const bool onLoop = link->onLoopThread();
  std::thread toJoin;
  {
    std::unique_lock lock(loopMutex_);
    guard_.reset();
    threadActive_ = false;
    ioc.stop();
    if (thread_.joinable()) {
      if (thread_.get_id() == std::this_thread::get_id()) {
        thread_.detach();  // this thread ends by itself; it holds the core until then
      } else {
        toJoin = std::move(thread_);
      }
    }
    if (!onLoop) loopCv_.wait(lock, [&] { return foregroundRuns_ == 0; });
  }
  if (toJoin.joinable()) toJoin.join();

  // No handler of this runtime runs now (or we are inside the only one): abort every socket.
  std::vector<std::shared_ptr<SocketBase>> all;
  {
    std::lock_guard lock(socketsMutex_);
    for (auto& [ptr, entry] : sockets_) {
      if (auto s = entry.weak.lock()) all.push_back(std::move(s));
    }
  }
  resolver_.reset();  // queued lookups dropped; one in progress is discarded when it ends
  for (auto& s : all) s->abortFromRuntime();
  if (ws_) {
    // The global calls' listeners and target go; the state itself stays until the core goes
    // (a Close being dispatched when a listener destroyed the Runtime still reaches it).
    for (ListenerRegistryBase* r : ws_->registries()) r->clear();
    ws_->current.reset();
  }
  std::vector<std::shared_ptr<SocketBase>> strong;
  {
    std::lock_guard lock(socketsMutex_);
    for (auto& [ptr, entry] : sockets_) {
      if (entry.strong) strong.push_back(std::move(entry.strong));
      entry.live = false;
    }
    liveCount_ = 0;
  }
  strong.clear();
  all.clear();
}

std::string SocketBase::invalidTypeMessage(std::string_view api, std::string_view type,
                                           std::string_view expectedA, std::string_view expectedB) {
  return std::string(api) + " fail: invalid type " + quoted(type) + " (expected \"" +
         std::string(expectedA) + "\" or \"" + std::string(expectedB) + "\")";
}

SocketBase::~SocketBase() {
  std::lock_guard lock(link_->mutex);
  if (link_->alive) link_->core->forget(this);
}

}  // namespace detail

Runtime::Runtime(Policy policy)
    : core_(std::make_shared<detail::RuntimeCore>(std::move(policy), NetworkOptions{})) {}

Runtime::Runtime(Policy policy, NetworkOptions network)
    : core_(std::make_shared<detail::RuntimeCore>(std::move(policy), std::move(network))) {}

Runtime::~Runtime() { core_->shutdown(); }

std::shared_ptr<TCPSocket> Runtime::createTCPSocket(CreateTCPSocketOption option) {
  return createTCPSocket(std::move(option), TCPSocket::Listeners{});
}

std::shared_ptr<TCPSocket> Runtime::createTCPSocket(CreateTCPSocketOption option,
                                                    TCPSocket::Listeners listeners) {
  auto impl = std::make_shared<detail::TCPSocketImpl>(core_->link, std::move(option.type));
  impl->addInitialListener(impl->connectListeners, std::move(listeners.onConnect));
  impl->addInitialListener(impl->messageListeners, std::move(listeners.onMessage));
  impl->addInitialListener(impl->errorListeners, std::move(listeners.onError));
  impl->addInitialListener(impl->closeListeners, std::move(listeners.onClose));
  impl->addInitialListener(impl->bindWifiListeners, std::move(listeners.onBindWifi));
  impl->addInitialListener(impl->drainListeners, std::move(listeners.onDrain));
  core_->adopt(impl, /*held=*/false);  // held from its first call (markUsed)
  impl->init();
  TCPSocket* handle = &impl->handle;
  return std::shared_ptr<TCPSocket>(std::move(impl), handle);
}

void Runtime::run() {
  auto keep = core_;  // a listener may destroy this Runtime; the loop finishes first
  keep->run(false, {});
}

void Runtime::runFor(std::chrono::milliseconds duration) {
  auto keep = core_;
  keep->run(true, duration);
}

void Runtime::start() { core_->start(); }

void Runtime::stop() { core_->stop(); }

int Runtime::pollDescriptor() { return core_->attachHost(); }

bool Runtime::step() {
  auto keep = core_;  // a listener may destroy this Runtime
  return keep->step();
}

bool Runtime::hasWork() const noexcept { return core_->hasWork(); }

void Runtime::post(std::function<void()> fn) {
  if (!fn) return;
  core_->link->defer([fn = std::move(fn)] {
    // As a listener's: an exception is reported and the loop goes on.
    try {
      fn();
    } catch (const std::exception& e) {
      detail::reportListenerException(e.what());
    } catch (...) {
      detail::reportListenerException("an exception not derived from std::exception");
    }
  });
}

const Policy& Runtime::policy() const noexcept { return core_->policy; }

const NetworkOptions& Runtime::network() const noexcept { return core_->network; }

std::size_t Runtime::socketCount() const noexcept { return core_->socketCount(); }

}  // namespace minisock
