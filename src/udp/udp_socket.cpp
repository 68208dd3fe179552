#include "minisock/udp_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cerrno>
#include <cstring>
#include <utility>

#include "core/admission.hpp"
#include "core/asio_address.hpp"
#include "core/asio_errors.hpp"
#include "core/resolver.hpp"
#include "minisock/runtime.hpp"
#include "udp/udp_socket_impl.hpp"

namespace minisock {
namespace detail {
namespace {

constexpr int kReadBurst = 256;  // datagrams per readiness before other work gets a turn

std::span<const std::byte> bytesOf(const UDPSocket::Message& m) {
  return std::visit([](const auto& d) { return std::as_bytes(std::span(d.data(), d.size())); }, m);
}

}  // namespace

UDPSocketImpl::UDPSocketImpl(std::shared_ptr<RuntimeLink> link, std::string type)
    : SocketBase(std::move(link)),
      type_(std::move(type)),
      v6_(type_ == "udp6"),
      validType_(type_ == "udp4" || type_ == "udp6") {}

UDPSocketImpl::~UDPSocketImpl() { releaseIo(io_); }

void UDPSocketImpl::init() {
  if (validType_) return;
  closed_ = true;
  exec([self = self()] {
    self->postError(makeError(ErrorCode::systemError,
                              invalidTypeMessage("createUDPSocket", self->type_, "udp4", "udp6")));
    self->postCloseAndRelease(self->closeListeners, UDPSocket::CloseEvent{}, self->registries(),
                              &self->errorListeners);
  });
}

void UDPSocketImpl::postError(ErrorEvent error) { postEvent(errorListeners, std::move(error)); }

// ---- bind ----

int UDPSocketImpl::openBound(int port, int& boundPort) const {
  const int fd = ::socket(v6_ ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (v6_) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_any;
    a->sin6_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_ANY);
    a->sin_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof *a;
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    const int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  boundPort = v6_ ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                  : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return fd;
}

int UDPSocketImpl::bind(int port) {
  auto refuse = [&](ErrorEvent error) {
    exec(
        [self = self(), error = std::move(error)]() mutable { self->postError(std::move(error)); });
    return 0;
  };
  if (closed_) return refuse(makeError(ErrorCode::systemError, "bind fail: task already closed"));
  if (port < 0 || port > 65535) {
    return refuse(
        makeError(ErrorCode::invalidPort, "bind fail: invalid port " + std::to_string(port) +
                                              " (must be 1-65535, or 0 for a free port)"));
  }
  if (bindClaimed_.exchange(true))
    return refuse(makeError(ErrorCode::systemError, "bind fail: socket is already bound"));
  int boundPort = 0;
  const int fd = openBound(port, boundPort);
  if (fd < 0) {
    const int e = errno;
    bindClaimed_ = false;  // a later bind() may try another port
    refuse(osError("bind socket", e));
    // Sends queued on the loop while this bind was claimed bind implicitly now.
    exec([self = self()] { self->resumeAfterFailedBind(); });
    return 0;
  }
  // The descriptor travels in a holder that closes it if the adopt never runs (the runtime
  // destroyed meanwhile).
  struct Fd {
    int fd;
    explicit Fd(int f) : fd(f) {}
    ~Fd() {
      if (fd >= 0) ::close(fd);
    }
  };
  auto holder = std::make_shared<Fd>(fd);
  if (!exec([self = self(), holder] { self->adopt(std::exchange(holder->fd, -1)); })) return 0;
  return boundPort;
}

void UDPSocketImpl::adopt(int fd) {
  if (aborted_ || closed_) {
    ::close(fd);
    return;
  }
  io_ = std::make_unique<Io>(core().ioc);
  boost::system::error_code ec;
  io_->socket.assign(v6_ ? udp::v6() : udp::v4(), fd, ec);
  if (ec) {
    ::close(fd);
    bindClaimed_ = false;
    postError(fromAsio("bind socket", ec));
    return resumeAfterFailedBind();
  }
  adopted_ = true;
  // The kernel admits a datagram while the queue holds at most SO_RCVBUF bytes, so when the
  // buffer has room for the largest datagram's memory (up to twice its size), a drop means a
  // queue of two or more, which a burst drains. A smaller buffer (a low net.core.rmem_default):
  // the drop count is read after every drain instead.
  int rcvbuf = 0;
  socklen_t rcvbufLength = sizeof rcvbuf;
  smallReceiveBuffer_ =
      ::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &rcvbufLength) != 0 ||
      static_cast<std::size_t>(rcvbuf) < 2 * core().policy.maxUDPMessageSize + 4096;
  auto local = io_->socket.local_endpoint(ec);
  message_.localInfo.address = local.address().to_string();
  message_.localInfo.family = local.address().is_v6() ? "IPv6" : "IPv4";
  message_.localInfo.port = local.port();
  applyTTL();
  defer([self = self()] {
    if (!self->aborted_ && !self->closed_) self->listeningListeners.dispatch({});
  });
  armRead();
  pump();
}

void UDPSocketImpl::resumeAfterFailedBind() {
  if (aborted_ || closed_ || adopted_ || queue_.empty()) return;
  if (ensureBound("send")) return pump();
  // Not even a free port: the queued datagrams cannot leave.
  const std::size_t dropped = queue_.size();
  while (!queue_.empty()) {
    failCallbacks(queue_.front().outcome, "the socket could not be bound");
    queue_.pop_front();
  }
  postError(makeError(ErrorCode::systemError,
                      "send fail: " + std::to_string(dropped) +
                          " queued datagram(s) not sent: the socket could not be bound"));
}

bool UDPSocketImpl::ensureBound(const char* operation) {
  if (adopted_ || bindClaimed_.exchange(true)) return true;  // bound, or its adoption is queued
  int boundPort = 0;
  const int fd = openBound(0, boundPort);
  if (fd < 0) {
    const int e = errno;
    bindClaimed_ = false;
    postError(osError(std::string(operation) + " (implicit bind)", e));
    return false;
  }
  adopt(fd);
  return adopted_;
}

// ---- send / write / connect ----

void UDPSocketImpl::send(UDPSocket::SendOption option, bool write) {
  exec([self = self(), option = std::move(option), write]() mutable {
    self->doSend(option, write);
  });
}

void UDPSocketImpl::doSend(UDPSocket::SendOption& option, bool write) {
  if (aborted_) return;
  // On a connected socket, a send without address and port (Taro's {data, success, …}) goes to
  // the peer, as write() does.
  const char* op = write ? "write" : "send";
  // A connect() still queued (a name being looked up) counts as made: what follows it in the
  // queue leaves after it.
  const bool peered = connected_ || connecting_ > 0;
  if (!write && peered && option.address.empty() && option.port == 0) write = true;
  // write() without a connect() before it is send() (WeChat's UDPSocket.write page): to the
  // address and port it names.
  if (write && !peered && !(option.address.empty() && option.port == 0)) write = false;
  Outcome outcome{op, std::move(option.success), std::move(option.fail),
                  std::move(option.complete)};
  auto fail = [&](ErrorCode code, std::string why) {
    refused(outcome, makeError(code, std::string(op) + " fail: " + why));
  };
  if (closed_) return fail(ErrorCode::systemError, "task already closed");
  if (!peered && option.address.empty() && option.port == 0) {
    return fail(ErrorCode::invalidAddress,
                "no address: the socket is not connected (give address and port, or call "
                "connect() first)");
  }
  if (write && option.address.empty() && option.port == 0) {
    // To the connected peer: nothing of the destination to check.
  } else if (option.port < 1 || option.port > 65535) {
    return fail(ErrorCode::invalidPort,
                "invalid port " + std::to_string(option.port) + " (must be 1-65535)");
  }
  const auto bytes = bytesOf(option.data ? *option.data : option.message);
  const auto size = static_cast<std::int64_t>(bytes.size());
  if (option.offset < 0 || option.offset > size) {
    return fail(ErrorCode::systemError, "invalid offset " + std::to_string(option.offset) +
                                            " (the message has " + std::to_string(size) +
                                            " bytes)");
  }
  const std::int64_t length = option.length.value_or(size - option.offset);
  if (length < 0 || length > size - option.offset) {
    return fail(ErrorCode::systemError, "invalid length " + std::to_string(length) + " (offset " +
                                            std::to_string(option.offset) + ", message of " +
                                            std::to_string(size) + " bytes)");
  }
  const bool toPeer = write && option.address.empty() && option.port == 0;
  // The last destination that passed the checks is kept: sending to it again (the usual
  // case) skips parsing and the Policy (which does not change).
  if (!toPeer && (!lastDestination_ || option.address != lastDestination_->address)) {
    Destination destination = admitDestination(core().policy, option.address, v6_, type_);
    if (!destination.admitted()) return fail(destination.code, std::move(destination.problem));
    lastDestination_ = LastDestination{option.address, std::move(destination.host)};
  }
  if (!ensureBound(op)) return failCallbacks(outcome, "the socket could not be bound");
  static const ParsedHost kPeer{};
  const ParsedHost& host = toPeer ? kPeer : lastDestination_->host;

  Pending p;
  const auto slice =
      bytes.subspan(static_cast<std::size_t>(option.offset), static_cast<std::size_t>(length));
  p.connected = write;
  p.broadcast = option.setBroadcast;
  if (toPeer) {
    // write(): the connected socket's own peer.
  } else if (host.kind == HostKind::name) {
    p.host = host.name;
  } else {
    p.endpoint = udp::endpoint(fromIP(v6_ ? host.ip.mapped() : host.ip),
                               static_cast<unsigned short>(option.port));
  }
  if (queue_.empty() && p.host.empty() && adopted_ && !writeArmed_) {
    // The common case: straight to the kernel, no copy.
    boost::system::error_code ec;
    p.bytes.clear();
    applyBroadcast(p.broadcast, ec);
    const auto buffer = boost::asio::buffer(slice.data(), slice.size());
    if (write) {
      io_->socket.send(buffer, 0, ec);
    } else {
      io_->socket.send_to(buffer, p.endpoint, 0, ec);
    }
    if (!ec) return sent(outcome);
    if (ec != boost::asio::error::would_block && ec != boost::asio::error::try_again) {
      return refused(outcome, fromAsio(std::string(op) + " socket", ec));
    }
  }
  p.bytes.assign(slice.begin(), slice.end());
  if (!toPeer) p.endpoint.port(static_cast<unsigned short>(option.port));
  p.outcome = std::move(outcome);
  queue_.push_back(std::move(p));
  pump();
}

void UDPSocketImpl::sent(Outcome& outcome) {
  if (!outcome.success && !outcome.complete) return;
  defer([self = self(), o = std::move(outcome)] {
    if (self->aborted_) return;
    const CallbackResult r{std::string(o.op) + ":ok", 0};
    invokeCallback(o.success, r);
    invokeCallback(o.complete, r);
  });
}

void UDPSocketImpl::refused(Outcome& outcome, ErrorEvent error) {
  // The callbacks get the Error's text in their own form: "send:fail <reason>".
  std::string reason = error.errMsg;
  if (const auto at = reason.find("fail: "); at != std::string::npos)
    reason = reason.substr(at + 6);
  postError(std::move(error));
  failCallbacks(outcome, std::move(reason));
}

void UDPSocketImpl::failCallbacks(Outcome& outcome, std::string reason) {
  if (!outcome.fail && !outcome.complete) return;
  defer([self = self(), o = std::move(outcome), reason = std::move(reason)] {
    if (self->aborted_) return;
    const CallbackResult r{std::string(o.op) + ":fail " + reason, 0};
    invokeCallback(o.fail, r);
    invokeCallback(o.complete, r);
  });
}

void UDPSocketImpl::applyBroadcast(bool on, boost::system::error_code& ec) {
  if (on == broadcast_) return;  // SO_BROADCAST follows each send's setBroadcast
  io_->socket.set_option(udp::socket::broadcast(on), ec);
  if (!ec) broadcast_ = on;
}

bool UDPSocketImpl::sendNow(Pending& p, boost::system::error_code& ec) {
  applyBroadcast(p.broadcast, ec);
  const auto buffer = boost::asio::buffer(p.bytes);
  if (p.connected) {
    io_->socket.send(buffer, 0, ec);
  } else {
    io_->socket.send_to(buffer, p.endpoint, 0, ec);
  }
  return !ec;
}

// Sends what is queued, in order: resolves names one at a time, waits for writability.
void UDPSocketImpl::pump() {
  while (!queue_.empty() && adopted_ && !writeArmed_ && !closed_) {
    Pending& p = queue_.front();
    if (!p.host.empty()) {
      writeArmed_ = true;  // blocks the queue until resolved
      io_->lookup = core().resolver().resolve(
          p.host, v6_ ? Resolver::Family::v6Mapped : Resolver::Family::v4,
          [weak = weak_from_this()](Lookup lookup) {
            auto self = std::static_pointer_cast<UDPSocketImpl>(weak.lock());
            if (!self) return;
            self->writeArmed_ = false;
            if (self->aborted_ || self->closed_ || lookup.outcome == Lookup::Outcome::cancelled)
              return;
            Pending& front = self->queue_.front();
            Admitted admitted = admitResolved(self->core().policy, front.host, lookup);
            if (admitted.addresses.empty()) {
              Outcome outcome = std::move(front.outcome);
              if (front.connect) --self->connecting_;
              self->queue_.pop_front();
              self->refused(outcome, makeError(admitted.code, std::string(outcome.op) +
                                                                  " fail: " + admitted.problem));
            } else {
              front.endpoint =
                  udp::endpoint(fromIP(admitted.addresses.front()), front.endpoint.port());
              front.host.clear();
            }
            self->pump();
          });
      return;
    }
    if (p.connect) {  // its name resolved: connected in its turn
      const udp::endpoint peer = p.endpoint;
      --connecting_;
      queue_.pop_front();
      connectTo(peer);
      continue;
    }
    boost::system::error_code ec;
    if (sendNow(p, ec)) {
      sent(p.outcome);
      queue_.pop_front();
      continue;
    }
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
      writeArmed_ = true;
      io_->socket.async_wait(
          udp::socket::wait_write, [self = self()](const boost::system::error_code& wec) {
            self->writeArmed_ = false;
            if (self->aborted_ || self->closed_ || wec == boost::asio::error::operation_aborted) {
              return;
            }
            if (wec) {  // report and drop the datagram that waited
              Outcome outcome = std::move(self->queue_.front().outcome);
              self->queue_.pop_front();
              self->refused(outcome, fromAsio(std::string(outcome.op) + " socket", wec));
            }
            self->pump();
          });
      return;
    }
    Outcome outcome = std::move(p.outcome);
    queue_.pop_front();
    refused(outcome, fromAsio(std::string(outcome.op) + " socket", ec));
  }
}

void UDPSocketImpl::connect(UDPSocket::ConnectOption option) {
  exec([self = self(), option = std::move(option)]() mutable { self->doConnect(option); });
}

void UDPSocketImpl::doConnect(UDPSocket::ConnectOption& option) {
  if (aborted_) return;
  auto fail = [&](ErrorCode code, std::string why) {
    postError(makeError(code, "connect fail: " + why));
  };
  if (closed_) return fail(ErrorCode::systemError, "task already closed");
  if (option.port < 1 || option.port > 65535) {
    return fail(ErrorCode::invalidPort,
                "invalid port " + std::to_string(option.port) + " (must be 1-65535)");
  }
  ParsedHost host = parseHost(option.address);
  if (host.kind == HostKind::invalid) {
    return fail(ErrorCode::invalidAddress,
                "invalid address " + quoted(option.address) + ": " + host.problem);
  }
  if (host.kind == HostKind::name) {
    // Looked up as send() does (the Policy checks every address it gives), then connected in
    // the queue's order: what is written after this connect() leaves after it.
    if (std::string why = refuseHost(core().policy, host); !why.empty())
      return fail(ErrorCode::noPermission, why);
    if (!ensureBound("connect")) return;
    return queueConnect(udp::endpoint(udp::v4(), static_cast<unsigned short>(option.port)),
                        host.name);
  }
  if (host.kind == HostKind::ipv6 && !v6_) {
    if (host.ip.unmapped().v6) {
      return fail(ErrorCode::invalidAddress, "invalid address " + quoted(option.address) +
                                                 ": an IPv6 address on a \"udp4\" socket");
    }
    host.ip = host.ip.unmapped();
  }
  if (std::string why = refuseHost(core().policy, host); !why.empty())
    return fail(ErrorCode::noPermission, why);
  if (!ensureBound("connect")) return;
  if (!adopted_) {  // an explicit bind() is still being handed to the loop: connect after it
    return (void)deferCall([self = self(), option]() mutable { self->doConnect(option); });
  }
  const udp::endpoint peer(fromIP(v6_ ? host.ip.mapped() : host.ip),
                           static_cast<unsigned short>(option.port));
  // Behind datagrams (or a connect by name) still waiting: in order.
  if (!queue_.empty()) return queueConnect(peer, {});
  connectTo(peer);
}

void UDPSocketImpl::queueConnect(const udp::endpoint& peer, std::string name) {
  Pending p;
  p.connect = true;
  p.host = std::move(name);  // empty: `peer` is the address already
  p.endpoint = peer;
  p.outcome = Outcome{"connect", {}, {}, {}};
  ++connecting_;
  queue_.push_back(std::move(p));
  pump();
}

void UDPSocketImpl::connectTo(const udp::endpoint& peer) {
  boost::system::error_code ec;
  io_->socket.connect(peer, ec);
  if (ec) return postError(fromAsio("connect socket", ec));
  connected_ = true;
  // From here the kernel delivers only the peer's datagrams, but some from others may still be
  // queued: the sender's address is read with each datagram until a receive finds the queue
  // empty (onReadable), then taken from the peer.
  peerLength_ = sizeof peer_;
  if (::getpeername(io_->socket.native_handle(), reinterpret_cast<sockaddr*>(&peer_),
                    &peerLength_) != 0)
    peerLength_ = 0;
  senderIsPeer_ = false;
  ++connects_;
}

// ---- TTL, close ----

void UDPSocketImpl::setTTL(int ttl) {
  exec([self = self(), ttl] {
    if (self->aborted_) return;
    if (self->closed_)
      return self->postError(makeError(ErrorCode::systemError, "setTTL fail: task already closed"));
    if (ttl < 0 || ttl > 255) {
      return self->postError(
          makeError(ErrorCode::systemError,
                    "setTTL fail: invalid TTL " + std::to_string(ttl) + " (must be 0-255)"));
    }
    self->ttl_ = ttl;
    self->applyTTL();
  });
}

void UDPSocketImpl::applyTTL() {
  if (!ttl_ || !adopted_) return;
  const int value = *ttl_;
  const int fd = io_->socket.native_handle();
  const int r = v6_ ? ::setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &value, sizeof value)
                    : ::setsockopt(fd, IPPROTO_IP, IP_TTL, &value, sizeof value);
  if (r != 0) postError(osError("setTTL", errno));
}

void UDPSocketImpl::close() {
  exec([self = self()] {
    if (self->aborted_) return;
    if (self->closed_.exchange(true)) {
      return self->postError(makeError(ErrorCode::systemError, "close fail: task already closed"));
    }
    boost::system::error_code ec;
    if (self->io_) {
      if (self->io_->lookup) self->io_->lookup->store(true, std::memory_order_release);
      self->io_->socket.close(ec);
    }
    if (!self->queue_.empty()) {
      self->postError(makeError(
          ErrorCode::systemError,
          "close: " + std::to_string(self->queue_.size()) + " queued datagram(s) were not sent"));
      while (!self->queue_.empty()) {
        self->failCallbacks(self->queue_.front().outcome,
                            "the socket was closed before it was sent");
        self->queue_.pop_front();
      }
    }
    // Only Error can fire after Close (for later calls).
    self->postCloseAndRelease(self->closeListeners, UDPSocket::CloseEvent{}, self->registries(),
                              &self->errorListeners);
  });
}

void UDPSocketImpl::abortFromRuntime() noexcept {
  aborted_ = true;
  closed_ = true;
  boost::system::error_code ec;
  if (io_) io_->socket.close(ec);
  io_.reset();
  queue_.clear();
  dropListeners(registries(), nullptr);
}

// ---- receive ----

void UDPSocketImpl::armRead() {
  io_->socket.async_wait(udp::socket::wait_read,
                         [self = self()](const boost::system::error_code& ec) {
                           if (self->aborted_ || self->closed_ || ec) return;
                           self->onReadable(false);
                         });
}

void UDPSocketImpl::fillRemote(const sockaddr_storage& from, socklen_t length) {
  if (length == lastFromLength_ && std::memcmp(&from, &lastFrom_, length) == 0)
    return;  // same sender: reuse
  lastFrom_ = from;
  lastFromLength_ = length;
  char text[INET6_ADDRSTRLEN] = {};
  if (from.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&from);
    ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    message_.remoteInfo.family = "IPv6";
    message_.remoteInfo.port = ntohs(a->sin6_port);
  } else {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&from);
    ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    message_.remoteInfo.family = "IPv4";
    message_.remoteInfo.port = ntohs(a->sin_port);
  }
  message_.remoteInfo.address = text;
}

void UDPSocketImpl::readKernelDrops(int fd) {
  std::uint32_t info[SK_MEMINFO_VARS] = {};
  socklen_t len = sizeof info;
  if (::getsockopt(fd, SOL_SOCKET, SO_MEMINFO, info, &len) == 0 &&
      len > SK_MEMINFO_DROPS * sizeof(std::uint32_t)) {
    // A 32-bit running count: add what it grew by (modulo 2^32) since the last look.
    const std::uint32_t now = info[SK_MEMINFO_DROPS];
    kernelDrops_ += static_cast<std::uint32_t>(now - lastKernelDrops_);
    lastKernelDrops_ = now;
  }
}

// recvmmsg's arrays, set up once per Runtime: kSlots slots of Policy::maxUDPMessageSize bytes
// (left uninitialised: untouched pages cost no memory) and their headers.
struct UdpBatch {
  static constexpr std::size_t kSlots = 64;
  explicit UdpBatch(std::size_t slotSize)
      : slot(std::max<std::size_t>(slotSize, 1)), bytes(new std::byte[kSlots * slot]) {
    for (std::size_t i = 0; i < kSlots; ++i) {
      iov[i] = iovec{bytes.get() + i * slot, slot};
      msgs[i] = mmsghdr{};
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    reset(kSlots);
  }
  /// Asks the kernel for each datagram's sender address, or not (a connected socket's senders
  /// are its peer: the copy is 6% of a 64-byte datagram's receive).
  void wantNames(bool yes) {
    if (named == yes) return;
    named = yes;
    for (std::size_t i = 0; i < kSlots; ++i) msgs[i].msg_hdr.msg_name = yes ? &from[i] : nullptr;
  }
  /// Restores the in/out fields of the first `n` headers (those the last call filled).
  void reset(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
      msgs[i].msg_hdr.msg_flags = 0;
    }
  }
  const std::size_t slot;
  std::unique_ptr<std::byte[]> bytes;
  bool named = true;
  sockaddr_storage from[kSlots];
  iovec iov[kSlots];
  mmsghdr msgs[kSlots];
};

void UDPSocketImpl::queueFoundEmpty(int fd, bool burst, std::uint64_t connects) {
  // Empty after the last connect(), unless a listener connected while the batch was delivered:
  // what is queued now came from the peer.
  if (connected_ && peerLength_ > 0 && connects_ == connects) senderIsPeer_ = true;
  // The kernel drops a datagram only when the socket's queue is full, and a full queue holds
  // more than one (see adopt()): after a burst (or a continued pass), ask for its drop count.
  if (burst || smallReceiveBuffer_) readKernelDrops(fd);
  armRead();
}

void UDPSocketImpl::onReadable(bool continued) {
  // recvmmsg takes up to kSlots datagrams per system call; a batch that comes back short
  // means the queue is empty (no extra call to see EAGAIN).
  auto& core = this->core();
  const std::size_t limit = core.policy.maxUDPMessageSize;
  if (!core.udpBatch) core.udpBatch = std::make_shared<UdpBatch>(limit);
  auto& b = *core.udpBatch;
  constexpr std::size_t kSlots = UdpBatch::kSlots;
  const int fd = io_->socket.native_handle();
  for (int received = 0; received < kReadBurst;) {
    const bool fromPeer = senderIsPeer_;
    b.wantNames(!fromPeer);
    // The peer as of this call: a listener may connect() elsewhere while the batch is delivered.
    sockaddr_storage peer;
    const socklen_t peerLength = peerLength_;
    if (fromPeer) std::memcpy(&peer, &peer_, peerLength);
    const std::uint64_t connects = connects_;
    const int n = ::recvmmsg(fd, b.msgs, kSlots, MSG_TRUNC | MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return queueFoundEmpty(fd, received > 1 || continued, connects);
      if (errno == EINTR) continue;
      // e.g. ECONNREFUSED from an ICMP error on a connected socket: reported, reading goes on.
      postError(osError("receive socket", errno));
      ++received;
      continue;
    }
    const auto used = static_cast<std::size_t>(n);
    for (int i = 0; i < n; ++i) {
      auto& msg = b.msgs[i].msg_hdr;
      const std::size_t size = b.msgs[i].msg_len;
      if (size > limit || (msg.msg_flags & MSG_TRUNC) != 0) {
        ++oversizeDrops_;
        postError(makeError(ErrorCode::systemError,
                            "receive: a datagram of " + std::to_string(size) +
                                " bytes exceeds Policy::maxUDPMessageSize (" +
                                std::to_string(limit) + " bytes) and was dropped"));
        continue;
      }
      if (fromPeer)
        fillRemote(peer, peerLength);
      else
        fillRemote(b.from[i], msg.msg_namelen);
      message_.message = std::span<const std::byte>(b.bytes.get() + i * b.slot, size);
      message_.remoteInfo.size = size;
      messageListeners.dispatch(message_);
      if (aborted_ || closed_) return b.reset(used);
    }
    b.reset(used);
    received += n;
    if (used < kSlots) return queueFoundEmpty(fd, received > 1 || continued, connects);
  }
  defer([self = self()] {
    if (!self->aborted_ && !self->closed_) self->onReadable(true);
  });
}

}  // namespace detail

// ---- the public handle ----

UDPSocket::UDPSocket(std::shared_ptr<detail::UDPSocketImpl> impl) noexcept
    : impl_(std::move(impl)) {}
UDPSocket::~UDPSocket() = default;

int UDPSocket::bind() {
  impl_->markUsed();
  return impl_->bind(0);
}
int UDPSocket::bind(int port) {
  impl_->markUsed();
  return impl_->bind(port);
}
void UDPSocket::send(SendOption option) {
  impl_->markUsed();
  impl_->send(std::move(option), false);
}
void UDPSocket::connect(ConnectOption option) {
  impl_->markUsed();
  impl_->connect(std::move(option));
}
void UDPSocket::write(SendOption option) {
  impl_->markUsed();
  impl_->send(std::move(option), true);
}
void UDPSocket::setTTL(int ttl) {
  impl_->markUsed();
  impl_->setTTL(ttl);
}
void UDPSocket::close() {
  impl_->markUsed();
  impl_->close();
}
std::uint64_t UDPSocket::droppedCount() const noexcept { return impl_->droppedCount(); }

ListenerId UDPSocket::onListening(Listener<ListeningEvent> l) {
  return impl_->addListener(impl_->listeningListeners, std::move(l));
}
void UDPSocket::offListening(ListenerId id) {
  impl_->removeListener(impl_->listeningListeners, id);
}
void UDPSocket::offListening() { impl_->removeListeners(impl_->listeningListeners); }
ListenerId UDPSocket::onMessage(Listener<MessageEvent> l) {
  return impl_->addListener(impl_->messageListeners, std::move(l));
}
void UDPSocket::offMessage(ListenerId id) { impl_->removeListener(impl_->messageListeners, id); }
void UDPSocket::offMessage() { impl_->removeListeners(impl_->messageListeners); }
ListenerId UDPSocket::onError(Listener<ErrorEvent> l) {
  return impl_->addListener(impl_->errorListeners, std::move(l));
}
void UDPSocket::offError(ListenerId id) { impl_->removeListener(impl_->errorListeners, id); }
void UDPSocket::offError() { impl_->removeListeners(impl_->errorListeners); }
ListenerId UDPSocket::onClose(Listener<CloseEvent> l) {
  return impl_->addListener(impl_->closeListeners, std::move(l));
}
void UDPSocket::offClose(ListenerId id) { impl_->removeListener(impl_->closeListeners, id); }
void UDPSocket::offClose() { impl_->removeListeners(impl_->closeListeners); }

std::shared_ptr<UDPSocket> Runtime::createUDPSocket(const std::string& type) {
  return createUDPSocket(type, UDPSocket::Listeners{});
}

std::shared_ptr<UDPSocket> Runtime::createUDPSocket(const std::string& type,
                                                    UDPSocket::Listeners listeners) {
  auto impl = std::make_shared<detail::UDPSocketImpl>(core_->link, type);
  impl->addInitialListener(impl->listeningListeners, std::move(listeners.onListening));
  impl->addInitialListener(impl->messageListeners, std::move(listeners.onMessage));
  impl->addInitialListener(impl->errorListeners, std::move(listeners.onError));
  impl->addInitialListener(impl->closeListeners, std::move(listeners.onClose));
  core_->adopt(impl, /*held=*/false);  // held from its first call (markUsed)
  impl->init();
  UDPSocket* handle = &impl->handle;
  return std::shared_ptr<UDPSocket>(std::move(impl), handle);
}

}  // namespace minisock
