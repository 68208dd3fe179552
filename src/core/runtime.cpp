#include "minisock/runtime.hpp"

#include "core/runtime_core.hpp"
#include "tcp/tcp_socket_impl.hpp"

namespace minisock {
namespace detail {

namespace {
constexpr std::size_t kReceiveBufferSize = 256 * 1024;
}

RuntimeCore::RuntimeCore(Policy p)
    : policy(std::move(p)),
      link(std::make_shared<RuntimeLink>()),
      receiveBuffer(kReceiveBufferSize) {
  link->core = this;
}

RuntimeCore::~RuntimeCore() {
  if (thread_.joinable()) thread_.detach();  // only when destroyed on its own thread
}

void RuntimeCore::adopt(const std::shared_ptr<SocketBase>& socket) {
  std::lock_guard lock(socketsMutex_);
  socketNodes_.insert(sockets_, socket.get(), Entry{socket, socket});
  ++liveCount_;
}

void RuntimeCore::release(SocketBase* socket) {
  std::shared_ptr<SocketBase> last;  // destroyed after the lock is released
  bool none = false;
  {
    std::lock_guard lock(socketsMutex_);
    auto it = sockets_.find(socket);
    if (it == sockets_.end() || !it->second.strong) return;
    last = std::move(it->second.strong);
    none = --liveCount_ == 0;
  }
  // The deadline timer stays armed after its entries are cancelled (cheaper); with no socket
  // left it must not keep run() from returning.
  if (none) deadlines.stopIfEmpty();
}

void RuntimeCore::forget(SocketBase* socket) noexcept {
  std::lock_guard lock(socketsMutex_);
  socketNodes_.recycle(sockets_.extract(socket));
}

std::size_t RuntimeCore::socketCount() const noexcept {
  std::lock_guard lock(socketsMutex_);
  return liveCount_;
}

void RuntimeCore::run(bool limited, std::chrono::milliseconds duration) {
  if (link->onLoopThread()) return;  // nested run() of the same loop: not supported
  {
    std::unique_lock lock(loopMutex_);
    if (threadActive_ || foregroundRuns_ > 0 || !link->alive) return;
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
    ioc.run_for(duration);
  } else {
    ioc.run();
  }
}

void RuntimeCore::start() {
  std::unique_lock lock(loopMutex_);
  if (!link->alive || foregroundRuns_ > 0) return;
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
    self->ioc.run();
  });
}

void RuntimeCore::stop() {
  std::thread toJoin;
  {
    std::lock_guard lock(loopMutex_);
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
  const bool onLoop = tl_currentLink == link.get();
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
  for (auto& s : all) s->abortFromRuntime();
  ws.open.clear();
  ws.message.clear();
  ws.error.clear();
  ws.close.clear();
  ws.current.reset();
  std::vector<std::shared_ptr<SocketBase>> strong;
  {
    std::lock_guard lock(socketsMutex_);
    for (auto& [ptr, entry] : sockets_) {
      if (entry.strong) strong.push_back(std::move(entry.strong));
    }
    liveCount_ = 0;
  }
  strong.clear();
  all.clear();
}

SocketBase::~SocketBase() {
  std::lock_guard lock(link_->mutex);
  if (link_->alive) link_->core->forget(this);
}

}  // namespace detail

Runtime::Runtime(Policy policy) : core_(std::make_shared<detail::RuntimeCore>(std::move(policy))) {}

Runtime::~Runtime() { core_->shutdown(); }

std::shared_ptr<TCPSocket> Runtime::createTCPSocket(CreateTCPSocketOption option) {
  auto impl = std::make_shared<detail::TCPSocketImpl>(core_->link, std::move(option.type));
  core_->adopt(impl);
  impl->init();
  return std::make_shared<TCPSocket>(std::move(impl));
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

const Policy& Runtime::policy() const noexcept { return core_->policy; }

std::size_t Runtime::socketCount() const noexcept { return core_->socketCount(); }

}  // namespace minisock
