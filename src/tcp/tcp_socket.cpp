#include "minisock/tcp_socket.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <cstring>

#include "core/address.hpp"
#include "core/admission.hpp"
#include "core/asio_address.hpp"
#include "core/asio_errors.hpp"
#include "core/proxy_tunnel.hpp"
#include "core/resolver.hpp"
#include "tcp/tcp_socket_impl.hpp"

namespace minisock {
namespace detail {
namespace {

constexpr int kReadBurst = 16;   // reads per readiness before other work gets a turn
constexpr int kWriteBurst = 16;  // gathered writes per turn
constexpr std::size_t kMaxGather = 64;
constexpr auto kCloseProgressTimeout = std::chrono::seconds(10);
constexpr auto kLingerTimeout = std::chrono::seconds(2);

bool wouldBlock(const boost::system::error_code& ec) {
  return ec == boost::asio::error::would_block || ec == boost::asio::error::try_again;
}

bool validBSSID(std::string_view s) {
  if (s.size() != 17) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (i % 3 == 2 ? c != ':' : !std::isxdigit(c)) return false;
  }
  return true;
}

template <class Info>
void fillInfo(Info& info, const boost::asio::ip::tcp::endpoint& ep) {
  info.address = ep.address().to_string();
  info.family = ep.address().is_v6() ? "IPv6" : "IPv4";
  info.port = ep.port();
}

}  // namespace

TCPSocketImpl::TCPSocketImpl(std::shared_ptr<RuntimeLink> link, std::string type)
    : SocketBase(std::move(link)), type_(std::move(type)), v6_(type_ == "ipv6") {}

TCPSocketImpl::~TCPSocketImpl() { releaseIo(io_); }

void TCPSocketImpl::init() {
  exec([self = self()] {
    if (self->aborted_) return;
    // The quota counts creations (the platform: at most 20 TCPSockets created within 5
    // minutes), whether or not the socket is used; one over it refuses its first use.
    const Policy& policy = self->core().policy;
    self->overQuota_ = !self->core().tcpQuota.tryAcquire(
        policyNow(policy), policy.maxTCPSocketsPerWindow, policy.tcpSocketWindow);
    if (self->type_ == "ipv4" || self->type_ == "ipv6") return;
    self->state_ = State::closed;
    self->postError(makeError(ErrorCode::systemError,
                              invalidTypeMessage("createTCPSocket", self->type_, "ipv4", "ipv6")));
    self->postClose();
  });
}

bool TCPSocketImpl::refuseOverQuota(const char* operation) {
  if (!overQuota_ || state_ != State::idle) return false;
  const Policy& policy = core().policy;
  fail(makeError(ErrorCode::noPermission,
                 std::string(operation) + " fail: more than " +
                     std::to_string(policy.maxTCPSocketsPerWindow) + " TCPSockets created within " +
                     std::to_string(policy.tcpSocketWindow.count()) +
                     " s (rule: maxTCPSocketsPerWindow); choose another Policy "
                     "(Policy::unrestricted()) to allow it"));
  return true;
}

// ---- public entry points (any thread) ----

void TCPSocketImpl::connect(TCPSocket::ConnectOption option) {
  exec([self = self(), option = std::move(option)] { self->doConnect(option); });
}

void TCPSocketImpl::write(std::span<const std::byte> data) {
  if (canRunInline()) {
    doWriteCopy(data, false);
    return core().afterInlineCall();
  }
  buffered_ += data.size();
  std::vector<std::byte> copy(data.begin(), data.end());
  auto queued = deferCall([self = self(), copy = std::move(copy)]() mutable {
    self->doWriteOwned(std::move(copy), true);
  });
  if (!queued) buffered_ -= data.size();
}

template <class Owned>
void TCPSocketImpl::writeOwned(Owned&& data) {
  if (canRunInline()) {
    doWriteOwned(std::move(data), false);
    return core().afterInlineCall();
  }
  const std::size_t size = data.size();
  buffered_ += size;
  auto queued = deferCall(
      [self = self(), d = std::move(data)]() mutable { self->doWriteOwned(std::move(d), true); });
  if (!queued) buffered_ -= size;
}

void TCPSocketImpl::write(std::string&& data) { writeOwned(std::move(data)); }
void TCPSocketImpl::write(std::vector<std::byte>&& data) { writeOwned(std::move(data)); }

void TCPSocketImpl::close() {
  exec([self = self()] { self->doClose(); });
}

void TCPSocketImpl::resume() {
  paused_.store(false, std::memory_order_relaxed);
  exec([self = self()] {
    if (self->aborted_ || self->paused_.load(std::memory_order_relaxed)) return;
    self->holdLoop(false);
    if (self->state_ == State::open && !self->readArmed_ && !self->peerEof_) self->armRead();
  });
}

void TCPSocketImpl::bindWifi(TCPSocket::BindWifiOption option) {
  exec([self = self(), bssid = std::move(option.BSSID)] {
    if (self->aborted_ || self->refuseOverQuota("bindWifi")) return;
    if (!validBSSID(bssid)) {
      self->postError(makeError(ErrorCode::invalidBSSID,
                                "bindWifi fail: invalid BSSID " + quoted(bssid) +
                                    " (expected six hex pairs such as a4:5e:60:c2:1f:03)"));
    } else {
      self->postError(
          makeError(ErrorCode::bindWifiAndroidOnly,
                    "bindWifi fail: binding a socket to Wi-Fi is supported on Android only"));
    }
  });
}

void TCPSocketImpl::abortFromRuntime() noexcept {
  aborted_ = true;
  state_ = State::closed;
  buffered_ -=
      queue_.clear();  // not "= 0": a call on another thread may still subtract its own count
  closeIo();
  io_.reset();
  dropListeners(registries(), nullptr);
}

// ---- connect ----

void TCPSocketImpl::doConnect(const TCPSocket::ConnectOption& option) {
  if (aborted_) return;
  switch (state_) {
    case State::idle:
      break;
    case State::connecting:
      return postError(
          makeError(ErrorCode::systemError, "connect fail: socket is already connecting"));
    case State::open:
      return postError(
          makeError(ErrorCode::systemError, "connect fail: socket is already connected"));
    case State::closing:
    case State::closed:
      return postError(makeError(ErrorCode::systemError, "connect fail: socket is closed"));
  }
  if (refuseOverQuota("connect")) return;
  const Policy& policy = core().policy;
  if (option.port < 1 || option.port > 65535) {
    return fail(makeError(
        ErrorCode::invalidPort,
        "connect fail: invalid port " + std::to_string(option.port) + " (must be 1-65535)"));
  }
  if (option.timeout.count() <= 0) {
    return fail(makeError(ErrorCode::systemError, "connect fail: invalid timeout " +
                                                      std::to_string(option.timeout.count()) +
                                                      " ms (must be positive)"));
  }
  Destination destination = admitDestination(policy, option.address, v6_, type_);
  if (!destination.admitted() && destination.code == ErrorCode::invalidAddress) {
    return fail(makeError(destination.code, "connect fail: " + destination.problem));
  }
  // The port rule comes before the host's (as the platform lists them).
  if (std::string why = refuseTCPPort(policy, option.port); !why.empty()) {
    return fail(makeError(ErrorCode::noPermission, "connect fail: " + why));
  }
  if (!destination.admitted()) {
    return fail(makeError(destination.code, "connect fail: " + destination.problem));
  }
  const ParsedHost& host = destination.host;
  if (!core().networkProblem.empty())
    return fail(makeError(ErrorCode::systemError, "connect fail: " + core().networkProblem));

  state_ = State::connecting;
  connectTimeout_ = option.timeout;
  io_ = std::make_unique<Io>(core().ioc);
  // A saturating deadline: any timeout, however large, is honoured without overflow.
  const auto now = std::chrono::steady_clock::now();
  const auto left = std::chrono::steady_clock::time_point::max() - now;
  const auto timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::min<std::chrono::milliseconds>(
          option.timeout, std::chrono::duration_cast<std::chrono::milliseconds>(left)));
  armTimer(timeout, TimerPurpose::connect);

  if (const ProxyUrl* proxy = core().proxyFor(host)) {
    proxy_ = proxy;
    tunnelTarget_ = TunnelTarget{host, static_cast<std::uint16_t>(option.port)};
    return connectToProxy();
  }
  if (host.kind != HostKind::name) {
    IPAddress ip = v6_ ? host.ip.mapped() : host.ip;
    startConnect({tcp::endpoint(fromIP(ip), static_cast<unsigned short>(option.port))},
                 option.address);
    return;
  }
  const unsigned short port = static_cast<unsigned short>(option.port);
  io_->lookup = core().resolver().resolve(
      host.name, v6_ ? Resolver::Family::v6Mapped : Resolver::Family::v4,
      [weak = weak_from_this(), name = option.address, port](Lookup lookup) {
        auto self = std::static_pointer_cast<TCPSocketImpl>(weak.lock());
        if (!self || self->aborted_ || self->state_ != State::connecting ||
            lookup.outcome == Lookup::Outcome::cancelled)
          return;
        Admitted admitted = admitResolved(self->core().policy, name, lookup);
        if (admitted.addresses.empty())
          return self->fail(makeError(admitted.code, "connect fail: " + admitted.problem));
        std::vector<tcp::endpoint> endpoints;
        for (const IPAddress& ip : admitted.addresses) endpoints.emplace_back(fromIP(ip), port);
        self->startConnect(std::move(endpoints), name);
      });
}

void TCPSocketImpl::connectToProxy() {
  const ProxyUrl& proxy = *proxy_;
  if (proxy.host.kind != HostKind::name) {
    startConnect({tcp::endpoint(fromIP(proxy.host.ip), proxy.port)}, proxy.display);
    return;
  }
  // The proxy's own name: looked up here, with no Policy rule (the rules are the destination's).
  io_->lookup = core().resolver().resolve(
      proxy.host.name, Resolver::Family::any, [weak = weak_from_this()](Lookup lookup) {
        auto self = std::static_pointer_cast<TCPSocketImpl>(weak.lock());
        if (!self || self->aborted_ || self->state_ != State::connecting ||
            lookup.outcome == Lookup::Outcome::cancelled)
          return;
        std::string problem;
        auto endpoints = proxyEndpoints(*self->proxy_, lookup, problem);
        if (endpoints.empty())
          return self->fail(makeError(ErrorCode::systemError, "connect fail: " + problem));
        self->startConnect(std::move(endpoints), self->proxy_->display);
      });
}

void TCPSocketImpl::openTunnelTo(const tcp::endpoint& remote) {
  openTunnel(io_->socket, *proxy_, tunnelTarget_,
             [self = self(), remote](const TunnelResult& result) {
               if (self->aborted_ || self->state_ != State::connecting || result.aborted) return;
               if (!result.problem.empty()) {
                 return self->fail(makeError(
                     result.errNo != 0 ? ErrorCode::socketInterfaceError : ErrorCode::connectFailed,
                     "connect fail: " + result.problem, result.errNo));
               }
               self->onConnected(remote);
             });
}

void TCPSocketImpl::startConnect(std::vector<tcp::endpoint> endpoints, const std::string&) {
  auto done = [self = self()](const boost::system::error_code& ec, const tcp::endpoint& remote) {
    if (self->aborted_ || self->state_ != State::connecting) return;
    if (ec && self->proxy_)
      return self->fail(fromAsio("connect to proxy " + self->proxy_->display, ec));
    if (ec) return self->fail(fromAsio("connect socket", ec));
    if (self->proxy_) return self->openTunnelTo(remote);
    self->onConnected(remote);
  };
  if (endpoints.size() == 1) {
    // Opened here so that a failure (EMFILE, …) is reported with its errno; Asio's range
    // connect reports any failed open as "Operation canceled".
    boost::system::error_code ec;
    io_->socket.open(endpoints.front().protocol(), ec);
    if (ec) return fail(fromAsio("connect socket", ec));
    io_->socket.async_connect(
        endpoints.front(), [done, remote = endpoints.front()](const boost::system::error_code& e) {
          done(e, remote);
        });
    return;
  }
  boost::asio::async_connect(io_->socket, std::move(endpoints), std::move(done));
}

void TCPSocketImpl::onConnected(const tcp::endpoint& remote) {
  ++timerGeneration_;
  io_->timer.cancel();
  // The connection is up. A reset that arrived meanwhile makes these calls fail; it is then
  // reported by the first read (Connect, Error ECONNRESET, Close), not as a failed connect.
  boost::system::error_code ignored;
  io_->socket.set_option(tcp::no_delay(true), ignored);  // writes are coalesced here, not by Nagle
  io_->socket.non_blocking(true, ignored);
  const auto local = io_->socket.local_endpoint(ignored);
  fillInfo(message_.remoteInfo, remote);
  fillInfo(message_.localInfo, local);
  state_ = State::open;
  connectListeners.dispatch({});
  if (aborted_ || state_ == State::closed) return;
  armRead();
  if (state_ == State::open && !writeArmed_) flush(true);
}

// ---- write ----

bool TCPSocketImpl::refuseWrite(std::size_t size, bool counted) {
  const char* why = nullptr;
  switch (state_) {
    case State::idle:
      if (counted) buffered_ -= size;
      if (!aborted_ && refuseOverQuota("write")) return true;
      if (counted) buffered_ += size;
      why = "write fail: socket is not connected (call connect() first)";
      break;
    case State::closing:
      why = userClosed_ ? "write fail: socket is closed"
                        : "write fail: the peer closed the connection";
      break;
    case State::closed:
      why = "write fail: socket is closed";
      break;
    case State::connecting:
    case State::open:
      return false;
  }
  if (counted) buffered_ -= size;
  if (!aborted_) postError(makeError(ErrorCode::systemError, why));
  return true;
}

void TCPSocketImpl::doWriteCopy(std::span<const std::byte> data, bool counted) {
  if (refuseWrite(data.size(), counted) || data.empty()) return;
  if (state_ == State::open && queue_.empty() && !writeArmed_) {
    // Nothing queued: hand the bytes straight to the OS, copying only what it does not take.
    boost::system::error_code ec;
    std::size_t n = io_->socket.write_some(boost::asio::buffer(data.data(), data.size()), ec);
    if (ec && !wouldBlock(ec)) return fail(fromAsio("write socket", ec));
    if (ec) n = 0;
    bytesSent_ += n;
    if (n == data.size()) return;
    data = data.subspan(n);
    queue_.appendCopy(data);
    buffered_ += data.size();
    drainDue_ = true;
    return armWrite();
  }
  queue_.appendCopy(data);
  buffered_ += data.size();
  drainDue_ = true;
}

template <class Owned>
void TCPSocketImpl::doWriteOwned(Owned&& data, bool counted) {
  const std::size_t size = data.size();
  if (refuseWrite(size, counted) || size == 0) return;
  if (!counted) buffered_ += size;
  queue_.appendOwned(std::move(data));
  drainDue_ = true;  // cleared without an event if the flush below sends it all at once
  if (state_ == State::open && !writeArmed_) flush();
}

void TCPSocketImpl::flush(bool fromIo) {
  if (!io_ || writeArmed_) return;
  std::array<std::span<const std::byte>, kMaxGather> spans;
  std::array<boost::asio::const_buffer, kMaxGather> buffers;
  for (int turn = 0; turn < kWriteBurst && !queue_.empty(); ++turn) {
    const std::size_t count = queue_.gather(spans);
    for (std::size_t i = 0; i < count; ++i)
      buffers[i] = boost::asio::buffer(spans[i].data(), spans[i].size());
    boost::system::error_code ec;
    const std::size_t n = io_->socket.write_some(
        std::span<const boost::asio::const_buffer>(buffers.data(), count), ec);
    if (wouldBlock(ec)) return armWrite();
    if (ec) return fail(fromAsio("write socket", ec));
    queue_.consume(n);
    buffered_ -= n;
    bytesSent_ += n;
  }
  if (!queue_.empty()) {
    // Still more after a full burst: let other sockets run, then continue.
    writeArmed_ = true;
    defer([self = self()] {
      self->writeArmed_ = false;
      if (!self->aborted_ && (self->state_ == State::open || self->state_ == State::closing))
        self->flush(true);
    });
    return;
  }
  if (state_ == State::closing) return onFlushedWhileClosing();
  if (drainDue_) {
    drainDue_ = false;
    // Only from an I/O completion: inside a user's write() the caller sees bufferedAmount()
    // itself, and no event fires inside a call.
    if (fromIo && state_ == State::open) drainListeners.dispatch({});
  }
}

void TCPSocketImpl::armWrite() {
  writeArmed_ = true;
  io_->socket.async_wait(tcp::socket::wait_write,
                         [self = self()](const boost::system::error_code& ec) {
                           self->writeArmed_ = false;
                           if (self->aborted_ || self->state_ == State::closed ||
                               ec == boost::asio::error::operation_aborted)
                             return;
                           if (ec) return self->fail(fromAsio("write socket", ec));
                           self->flush(true);
                         });
}

// ---- read ----

void TCPSocketImpl::armRead() {
  // The pending read fills a small buffer of this socket's own. A short read tells Asio's
  // reactor that the socket is drained, so the next read waits without a system call; a full
  // one means more is queued, read at once into the Runtime's large buffer (onReadable).
  if (readPaused()) return holdLoop(true);  // resume() arms the read again
  readArmed_ = true;
  io_->socket.async_read_some(boost::asio::buffer(head_),
                              [self = self()](const boost::system::error_code& ec, std::size_t n) {
                                self->readArmed_ = false;
                                if (self->aborted_ || self->state_ == State::closed ||
                                    ec == boost::asio::error::operation_aborted)
                                  return;
                                if (ec == boost::asio::error::eof) return self->onPeerEof();
                                if (ec) return self->fail(fromAsio("read socket", ec));
                                if (n < self->head_.size()) {
                                  self->deliver(self->head_.data(), n);
                                  if (!self->aborted_ && self->state_ != State::closed)
                                    self->armRead();
                                  return;
                                }
                                auto& buffer = self->core().receiveBuffer;
                                std::memcpy(buffer.data(), self->head_.data(), n);
                                self->onReadable(n);
                              });
}

void TCPSocketImpl::deliver(const std::byte* data, std::size_t n) {
  if (state_ != State::open) return;  // while closing, data is read only to let the peer finish
  message_.message = std::span<const std::byte>(data, n);
  message_.remoteInfo.size = n;
  messageListeners.dispatch(message_);
}

void TCPSocketImpl::onReadable(std::size_t have) {
  // `have` bytes already sit at the start of the Runtime's buffer.
  auto& buffer = core().receiveBuffer;
  for (int turn = 0; turn < kReadBurst; ++turn) {
    if (readPaused()) {  // paused (before or in a listener): deliver what was read, stop
      if (have > 0) deliver(buffer.data(), have);
      if (aborted_ || state_ == State::closed) return;
      return armRead();  // holds the loop while paused; reads again if a listener closed
    }
    const std::size_t room = buffer.size() - have;
    boost::system::error_code ec;
    const std::size_t n =
        io_->socket.read_some(boost::asio::buffer(buffer.data() + have, room), ec);
    if (!ec) have += n;
    const bool shortRead = ec || n < room;  // nothing more queued right now
    if (have > 0 && (shortRead || have == buffer.size())) {
      deliver(buffer.data(), have);
      have = 0;
      if (aborted_ || state_ == State::closed) return;
    }
    if (ec == boost::asio::error::eof) return onPeerEof();
    if (ec && !wouldBlock(ec)) return fail(fromAsio("read socket", ec));
    if (shortRead) return armRead();
  }
  readArmed_ = true;
  defer([self = self()] {
    self->readArmed_ = false;
    if (!self->aborted_ && self->state_ != State::closed) self->onReadable(0);
  });
}

void TCPSocketImpl::onPeerEof() {
  peerEof_ = true;
  if (state_ == State::open)
    state_ = State::closing;  // the peer ended: deliver what we owe, then Close
  if (queue_.empty() && !writeArmed_) return finish();
  bytesSentAtCheck_ = bytesSent_;
  armTimer(kCloseProgressTimeout, TimerPurpose::closeProgress);
}

// ---- close ----

void TCPSocketImpl::doClose() {
  if (aborted_) return;
  switch (state_) {
    case State::idle:
      userClosed_ = true;
      state_ = State::closed;
      return postClose();
    case State::connecting: {
      userClosed_ = true;
      const std::size_t dropped = queue_.clear();
      buffered_ -= dropped;
      state_ = State::closed;
      closeIo();
      if (dropped > 0) {
        postError(makeError(ErrorCode::systemError,
                            "close: " + std::to_string(dropped) +
                                " written bytes were not sent: close() was called "
                                "before the connection was established"));
      }
      return postClose();
    }
    case State::open:
      userClosed_ = true;
      state_ = State::closing;
      holdLoop(false);
      if (!readArmed_ && !peerEof_ && io_) armRead();  // paused: read again to let the peer end
      if (!writeArmed_) flush();  // ends in onFlushedWhileClosing() when all is sent
      if (state_ == State::closing && !queue_.empty()) {
        bytesSentAtCheck_ = bytesSent_;
        armTimer(kCloseProgressTimeout, TimerPurpose::closeProgress);
      }
      return;
    case State::closing:
      if (!userClosed_) {
        userClosed_ = true;
        return;
      }
      [[fallthrough]];
    case State::closed:
      return postError(makeError(ErrorCode::systemError, "close fail: socket is already closed"));
  }
}

void TCPSocketImpl::onFlushedWhileClosing() {
  if (peerEof_) return finish();
  if (shutdownSent_) return;
  // Send FIN, then read (and discard) until the peer's FIN, so that unread data on our side
  // does not turn the close into a reset that could destroy data still in flight to the peer.
  shutdownSent_ = true;
  boost::system::error_code ec;
  io_->socket.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return fail(fromAsio("close socket", ec));
  armTimer(kLingerTimeout, TimerPurpose::linger);
}

void TCPSocketImpl::armTimer(std::chrono::steady_clock::duration after, TimerPurpose purpose) {
  const std::uint64_t generation = ++timerGeneration_;
  io_->timer.expires_after(after);
  io_->timer.async_wait([self = self(), generation, purpose](const boost::system::error_code& ec) {
    if (ec || self->aborted_ || generation != self->timerGeneration_) return;
    self->onTimer(purpose);
  });
}

void TCPSocketImpl::onTimer(TimerPurpose purpose) {
  switch (purpose) {
    case TimerPurpose::connect:
      if (state_ == State::connecting) {
        fail(makeError(ErrorCode::connectFailed,
                       "connect fail: timeout after " + std::to_string(connectTimeout_.count()) +
                           " ms" + (proxy_ ? " (through proxy " + proxy_->display + ")" : "")));
      }
      return;
    case TimerPurpose::closeProgress:
      if (state_ != State::closing || queue_.empty()) return;
      if (bytesSent_ == bytesSentAtCheck_) {
        fail(makeError(ErrorCode::systemError, "close fail: the peer accepted no data for 10 s; " +
                                                   std::to_string(queue_.size()) +
                                                   " written bytes were not sent"));
        return;
      }
      bytesSentAtCheck_ = bytesSent_;
      armTimer(kCloseProgressTimeout, TimerPurpose::closeProgress);
      return;
    case TimerPurpose::linger:
      if (state_ == State::closing) finish();
      return;
  }
}

void TCPSocketImpl::fail(ErrorEvent error) {
  if (state_ == State::closed) return;
  state_ = State::closed;
  buffered_ -= queue_.clear();
  closeIo();
  postError(std::move(error));
  postClose();
}

void TCPSocketImpl::finish() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  buffered_ -= queue_.clear();
  closeIo();
  postClose();
}

void TCPSocketImpl::closeIo() noexcept {
  ++timerGeneration_;
  holdLoop(false);
  if (!io_) return;
  boost::system::error_code ec;
  io_->timer.cancel();
  if (io_->lookup) io_->lookup->store(true, std::memory_order_release);
  io_->socket.close(ec);
}

void TCPSocketImpl::postError(ErrorEvent error) { postEvent(errorListeners, std::move(error)); }

void TCPSocketImpl::postClose() {
  // Only Error can fire after Close (for later calls).
  postCloseAndRelease(closeListeners, TCPSocket::CloseEvent{}, registries(), &errorListeners);
}

}  // namespace detail

// ---- the public handle: forwards to the implementation ----

TCPSocket::TCPSocket(std::shared_ptr<detail::TCPSocketImpl> impl) noexcept
    : impl_(std::move(impl)) {}
TCPSocket::~TCPSocket() = default;

void TCPSocket::connect(ConnectOption option) {
  impl_->markUsed();
  impl_->connect(std::move(option));
}
void TCPSocket::write(std::string_view data) {
  impl_->markUsed();
  impl_->write(std::as_bytes(std::span(data.data(), data.size())));
}
void TCPSocket::write(const char* data) { write(std::string_view(data == nullptr ? "" : data)); }
void TCPSocket::write(std::span<const std::byte> data) {
  impl_->markUsed();
  impl_->write(data);
}
void TCPSocket::write(std::string&& data) {
  impl_->markUsed();
  impl_->write(std::move(data));
}
void TCPSocket::write(std::vector<std::byte>&& data) {
  impl_->markUsed();
  impl_->write(std::move(data));
}
std::size_t TCPSocket::bufferedAmount() const noexcept { return impl_->bufferedAmount(); }
void TCPSocket::close() {
  impl_->markUsed();
  impl_->close();
}
void TCPSocket::pause() {
  impl_->markUsed();
  impl_->pause();
}
void TCPSocket::resume() {
  impl_->markUsed();
  impl_->resume();
}
bool TCPSocket::isPaused() const noexcept { return impl_->isPaused(); }
void TCPSocket::bindWifi(BindWifiOption option) {
  impl_->markUsed();
  impl_->bindWifi(std::move(option));
}

ListenerId TCPSocket::onConnect(Listener<ConnectEvent> l) {
  return impl_->addListener(impl_->connectListeners, std::move(l));
}
void TCPSocket::offConnect(ListenerId id) { impl_->removeListener(impl_->connectListeners, id); }
void TCPSocket::offConnect() { impl_->removeListeners(impl_->connectListeners); }
ListenerId TCPSocket::onMessage(Listener<MessageEvent> l) {
  return impl_->addListener(impl_->messageListeners, std::move(l));
}
void TCPSocket::offMessage(ListenerId id) { impl_->removeListener(impl_->messageListeners, id); }
void TCPSocket::offMessage() { impl_->removeListeners(impl_->messageListeners); }
ListenerId TCPSocket::onError(Listener<ErrorEvent> l) {
  return impl_->addListener(impl_->errorListeners, std::move(l));
}
void TCPSocket::offError(ListenerId id) { impl_->removeListener(impl_->errorListeners, id); }
void TCPSocket::offError() { impl_->removeListeners(impl_->errorListeners); }
ListenerId TCPSocket::onClose(Listener<CloseEvent> l) {
  return impl_->addListener(impl_->closeListeners, std::move(l));
}
void TCPSocket::offClose(ListenerId id) { impl_->removeListener(impl_->closeListeners, id); }
void TCPSocket::offClose() { impl_->removeListeners(impl_->closeListeners); }
ListenerId TCPSocket::onBindWifi(Listener<BindWifiEvent> l) {
  return impl_->addListener(impl_->bindWifiListeners, std::move(l));
}
void TCPSocket::offBindWifi(ListenerId id) { impl_->removeListener(impl_->bindWifiListeners, id); }
void TCPSocket::offBindWifi() { impl_->removeListeners(impl_->bindWifiListeners); }
ListenerId TCPSocket::onDrain(Listener<DrainEvent> l) {
  return impl_->addListener(impl_->drainListeners, std::move(l));
}
void TCPSocket::offDrain(ListenerId id) { impl_->removeListener(impl_->drainListeners, id); }
void TCPSocket::offDrain() { impl_->removeListeners(impl_->drainListeners); }

}  // namespace minisock
