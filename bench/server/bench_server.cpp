// bench_server: the one server every benchmark client talks to (bench/README.md, "Server").
//
// One thread, one io_context: pinning the process with taskset pins all of it. It must never
// be the bottleneck, so the hot paths do little: TCP and UDP read readiness with async_wait and
// then non-blocking system calls into one shared buffer (no buffer per connection, no
// allocation per message), UDP with recvmmsg/sendmmsg batches, WebSocket echo on Beast over a
// socket that gathers the small writes of one read burst into one send (corked_socket.hpp).

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "corked_socket.hpp"

namespace bench_server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

// Read bursts per readiness event before yielding to other connections.
constexpr int kReadBurst = 16;

// The receive buffer of every TCP connection. The loop is single-threaded and each read is
// consumed (echoed or counted) before the next handler runs, so one buffer serves all.
std::array<char, 256 * 1024> g_buffer;

bool wouldBlock(const error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

// ---- tcp_echo / tcp_sink ----

class TcpEcho : public std::enable_shared_from_this<TcpEcho> {
 public:
  explicit TcpEcho(tcp::socket s) : socket_(std::move(s)) {}

  void start() {
    error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    socket_.non_blocking(true, ec);
    onReadable();
  }

 private:
  void armRead() {
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](const error_code& ec) {
      if (!ec) self->onReadable();
    });
  }

  void onReadable() {
    for (int turn = 0; turn < kReadBurst; ++turn) {
      error_code ec;
      const std::size_t n = socket_.read_some(asio::buffer(g_buffer), ec);
      if (wouldBlock(ec)) return armRead();
      if (ec) return;  // EOF or error: dropping the last reference closes the socket
      std::size_t done = 0;
      while (done < n) {
        const std::size_t w =
            socket_.write_some(asio::buffer(g_buffer.data() + done, n - done), ec);
        if (ec) break;
        done += w;
      }
      if (ec && !wouldBlock(ec)) return;
      if (done < n) {
        // The peer is not reading: keep the rest and stop reading until it has left.
        pending_.assign(g_buffer.data() + done, n - done);
        asio::async_write(socket_, asio::buffer(pending_),
                          [self = shared_from_this()](const error_code& wec, std::size_t) {
                            if (wec) return;
                            self->pending_.clear();
                            self->onReadable();
                          });
        return;
      }
      // A read shorter than the buffer emptied the receive queue: arm the wait without a read
      // that would only say EAGAIN (Asio re-registers a wait with EPOLL_CTL_MOD, which reports
      // data that arrived in between, so nothing is missed).
      if (n < g_buffer.size()) return armRead();
    }
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->onReadable(); });
  }

  tcp::socket socket_;
  std::string pending_;
};

// tcp_flood: writes as fast as TCP lets it until the client closes (the busy_flood row: what a
// client holds in memory while its application does not read).
class TcpFlood : public std::enable_shared_from_this<TcpFlood> {
 public:
  explicit TcpFlood(tcp::socket s) : socket_(std::move(s)) {}

  void start() {
    error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    for (std::size_t i = 0; i < chunk_.size(); ++i) chunk_[i] = static_cast<char>('a' + i % 26);
    write();
  }

 private:
  void write() {
    socket_.async_write_some(asio::buffer(chunk_),
                             [self = shared_from_this()](const error_code& ec, std::size_t) {
                               if (!ec) self->write();
                             });
  }

  tcp::socket socket_;
  std::array<char, 64 * 1024> chunk_{};
};

class TcpSink : public std::enable_shared_from_this<TcpSink> {
 public:
  explicit TcpSink(tcp::socket s) : socket_(std::move(s)) {}

  void start() {
    error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    socket_.non_blocking(true, ec);
    onReadable();
  }

 private:
  void armRead() {
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](const error_code& ec) {
      if (!ec) self->onReadable();
    });
  }

  void onReadable() {
    for (int turn = 0; turn < kReadBurst; ++turn) {
      error_code ec;
      const std::size_t n = socket_.read_some(asio::buffer(g_buffer), ec);
      if (wouldBlock(ec)) return armRead();
      if (ec == asio::error::eof) return answer();
      if (ec) return;
      // The first 8 bytes announce the total (little-endian): the count is answered as soon
      // as it is reached, for clients that cannot shut down only their write side.
      std::size_t at = 0;
      for (; headerBytes_ < 8 && at < n; ++headerBytes_, ++at)
        expected_ |= static_cast<std::uint64_t>(static_cast<unsigned char>(g_buffer[at]))
                     << (8 * headerBytes_);
      count_ += n - at;
      if (headerBytes_ == 8 && expected_ != 0 && count_ >= expected_) return answer();
    }
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->onReadable(); });
  }

  void answer() {
    for (int i = 0; i < 8; ++i) count_le_[i] = static_cast<unsigned char>(count_ >> (8 * i));
    asio::async_write(socket_, asio::buffer(count_le_),
                      [self = shared_from_this()](const error_code&, std::size_t) {
                        error_code ec;
                        self->socket_.shutdown(tcp::socket::shutdown_send, ec);
                        self->socket_.close(ec);
                      });
  }

  tcp::socket socket_;
  std::uint64_t count_ = 0;     // payload bytes, after the 8-byte header
  std::uint64_t expected_ = 0;  // announced by the header
  int headerBytes_ = 0;
  std::array<unsigned char, 8> count_le_{};
};

// ---- WebSocket echo (ws_echo, wss_echo) ----

using WsPlain = websocket::stream<CorkedSocket>;
using WsTls = websocket::stream<ssl::stream<CorkedSocket>>;

template <class Ws>
class WsEcho : public std::enable_shared_from_this<WsEcho<Ws>> {
 public:
  template <class... Args>
  explicit WsEcho(Args&&... args) : ws_(std::forward<Args>(args)...) {}

  void start() {
    ws_.auto_fragment(false);
    ws_.read_message_max(64 * 1024 * 1024);
    if constexpr (std::is_same_v<Ws, WsTls>) {
      ws_.next_layer().async_handshake(ssl::stream_base::server,
                                       [self = this->shared_from_this()](const error_code& ec) {
                                         if (!ec) self->accept();
                                       });
    } else {
      accept();
    }
  }

 private:
  void accept() {
    ws_.async_accept([self = this->shared_from_this()](const error_code& ec) {
      if (!ec) self->read();
    });
  }

  void read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](const error_code& ec, std::size_t) {
      if (ec) return;  // closed (Beast answered the close frame) or failed
      self->ws_.text(self->ws_.got_text());
      self->ws_.async_write(self->buffer_.data(), [self](const error_code& wec, std::size_t) {
        if (wec) return;
        self->buffer_.consume(self->buffer_.size());
        self->read();
      });
    });
  }

  Ws ws_;
  beast::flat_buffer buffer_;
};

// ws_flood: the cli_ws_flood row (bench/README.md). The client's text message
// "go <ms> [size [max]]" starts a flood: binary messages of `size` bytes (default 1 MiB, 8 bytes
// to 64 MiB), each holding its sequence number in its first 8 bytes (little-endian), written
// back to back as fast as the socket takes them, for `ms` milliseconds (1 to 600000) or `max`
// messages (default 100000), whichever ends first; then the text message "end <count>" and a
// close (1000). A read stays outstanding during the flood, so a client's close is answered at
// once (the flood stops at the next message). On a plain socket: CorkedSocket would hold the
// small last writes until a read starts, and here a read waits throughout.
class WsFlood : public std::enable_shared_from_this<WsFlood> {
 public:
  explicit WsFlood(tcp::socket s) : ws_(std::move(s)) {}

  void start() {
    ws_.auto_fragment(false);
    ws_.read_message_max(64 * 1024);
    ws_.async_accept([self = shared_from_this()](const error_code& ec) {
      if (!ec) self->readGo();
    });
  }

 private:
  static constexpr std::size_t kMaxSize = 64 * 1024 * 1024;

  void readGo() {
    ws_.async_read(in_, [self = shared_from_this()](const error_code& ec, std::size_t) {
      if (ec) return;
      const std::string text = beast::buffers_to_string(self->in_.data());
      self->in_.consume(self->in_.size());
      long ms = 0;
      unsigned long long size = 1024 * 1024, max = 100000;
      const int n = std::sscanf(text.c_str(), "go %ld %llu %llu", &ms, &size, &max);
      if (!self->ws_.got_text() || n < 1 || ms <= 0 || ms > 600000 || size < 8 || size > kMaxSize ||
          max < 1)
        return self->readGo();  // not a valid "go": wait for one
      self->payload_.assign(size, 0);
      for (std::size_t i = 8; i < self->payload_.size(); ++i)
        self->payload_[i] = static_cast<char>('a' + i % 26);
      self->until_ = Clock::now() + std::chrono::milliseconds(ms);
      self->max_ = max;
      self->readOn();
      self->writeNext();
    });
  }

  // The client sends nothing more but may close: Beast answers its close frame here, and the
  // write in flight then fails.
  void readOn() {
    ws_.async_read(in_, [self = shared_from_this()](const error_code& ec, std::size_t) {
      if (ec) {
        self->stopped_ = true;
        return;
      }
      self->in_.consume(self->in_.size());
      self->readOn();
    });
  }

  void writeNext() {
    if (stopped_) return;
    if (sent_ >= max_ || Clock::now() >= until_) return finish();
    for (int i = 0; i < 8; ++i) payload_[i] = static_cast<char>(sent_ >> (8 * i));
    ws_.binary(true);
    ws_.async_write(asio::buffer(payload_),
                    [self = shared_from_this()](const error_code& ec, std::size_t) {
                      if (ec) return;
                      ++self->sent_;
                      self->writeNext();
                    });
  }

  void finish() {
    end_ = "end " + std::to_string(sent_);
    ws_.text(true);
    ws_.async_write(
        asio::buffer(end_), [self = shared_from_this()](const error_code& ec, std::size_t) {
          if (ec) return;
          self->ws_.async_close(websocket::close_code::normal, [self](const error_code&) {});
        });
  }

  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer in_;
  std::string payload_, end_;
  Clock::time_point until_{};
  std::uint64_t sent_ = 0, max_ = 0;
  bool stopped_ = false;
};

// ---- UDP ----

// recvmmsg/sendmmsg batch of up to kBatch datagrams of up to 64 KiB each.
struct MsgBatch {
  static constexpr int kBatch = 64;
  static constexpr std::size_t kMaxDatagram = 65536;

  MsgBatch() : data(kBatch * kMaxDatagram) {}

  void prepareReceive() {
    for (int i = 0; i < kBatch; ++i) {
      iov[i] = {data.data() + i * kMaxDatagram, kMaxDatagram};
      std::memset(&msgs[i], 0, sizeof msgs[i]);
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &names[i];
      msgs[i].msg_hdr.msg_namelen = sizeof names[i];
    }
  }

  std::vector<char> data;
  std::array<iovec, kBatch> iov{};
  std::array<mmsghdr, kBatch> msgs{};
  std::array<sockaddr_storage, kBatch> names{};
};

class UdpEcho {
 public:
  UdpEcho(asio::io_context& io, const udp::endpoint& at) : socket_(io, at) {
    socket_.non_blocking(true);
  }
  udp::socket& socket() { return socket_; }

  void start() { armRead(); }

 private:
  void armRead() {
    socket_.async_wait(udp::socket::wait_read, [this](const error_code& ec) {
      if (!ec) onReadable();
    });
  }

  void onReadable() {
    const int fd = socket_.native_handle();
    for (int turn = 0; turn < kReadBurst; ++turn) {
      batch_.prepareReceive();
      const int n = ::recvmmsg(fd, batch_.msgs.data(), MsgBatch::kBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) return armRead();  // EAGAIN (or a transient error): wait for more
      for (int i = 0; i < n; ++i) batch_.iov[i].iov_len = batch_.msgs[i].msg_len;
      // Echo all of them back in one call; a datagram the kernel refuses is lost, as UDP is.
      int sent = 0;
      for (int tries = 0; sent < n && tries < 4; ++tries) {
        const int r = ::sendmmsg(fd, batch_.msgs.data() + sent, n - sent, MSG_DONTWAIT);
        if (r <= 0) break;
        sent += r;
      }
      if (n < MsgBatch::kBatch) return armRead();
    }
    asio::post(socket_.get_executor(), [this] { onReadable(); });
  }

  udp::socket socket_;
  MsgBatch batch_;
};

// udp_blast: "go <ms>" from a client starts a stream of 64 B datagrams to it for that long,
// followed by 10 datagrams "end" (bench/README.md, udp_oneway).
class UdpBlast {
 public:
  UdpBlast(asio::io_context& io, const udp::endpoint& at) : socket_(io, at) {
    socket_.non_blocking(true);
    payload_.fill('b');
    // UDP segmentation offload: one send of kSegments × 64 B leaves as kSegments datagrams of
    // 64 B, split late in the kernel. Without it a single-threaded sender, which pays for the
    // whole loopback path of every datagram, is slower than a receiver and would set the rate.
    const int segment = kDatagram;
    gso_ =
        ::setsockopt(socket_.native_handle(), SOL_UDP, UDP_SEGMENT, &segment, sizeof segment) == 0;
  }
  udp::socket& socket() { return socket_; }

  void start() { armRead(); }

 private:
  struct Target {
    sockaddr_storage addr;
    socklen_t len;
    Clock::time_point until;
  };

  static constexpr int kDatagram = 64;
  static constexpr int kSegments = 64;  // UDP_MAX_SEGMENTS of older kernels
  static constexpr int kBatch = 16;
  static constexpr int kBatchesPerTurn = 4;

  void armRead() {
    socket_.async_wait(udp::socket::wait_read, [this](const error_code& ec) {
      if (!ec) onReadable();
    });
  }

  void onReadable() {
    const int fd = socket_.native_handle();
    for (int i = 0; i < 64; ++i) {
      char buf[64];
      sockaddr_storage from{};
      socklen_t len = sizeof from;
      const ssize_t n = ::recvfrom(fd, buf, sizeof buf - 1, MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) break;
      buf[n] = '\0';
      long ms = 0;
      if (std::sscanf(buf, "go %ld", &ms) != 1 || ms <= 0 || ms > 600000) continue;
      Target t{from, len, Clock::now() + std::chrono::milliseconds(ms)};
      bool known = false;
      for (auto& old : targets_) {
        if (old.len == len && std::memcmp(&old.addr, &from, len) == 0) {
          old.until = t.until;
          known = true;
        }
      }
      if (!known) targets_.push_back(t);
    }
    armRead();
    if (!blasting_ && !targets_.empty()) {
      blasting_ = true;
      blast();
    }
  }

  void sendEnd(const Target& t) {
    static const char end[] = "end";
    for (int i = 0; i < 10; ++i)
      ::sendto(socket_.native_handle(), end, 3, MSG_DONTWAIT,
               reinterpret_cast<const sockaddr*>(&t.addr), t.len);
  }

  void blast() {
    const int fd = socket_.native_handle();
    bool full = false;
    const auto now = Clock::now();
    for (std::size_t k = 0; k < targets_.size();) {
      if (now >= targets_[k].until) {
        sendEnd(targets_[k]);
        targets_.erase(targets_.begin() + static_cast<std::ptrdiff_t>(k));
        continue;
      }
      Target& t = targets_[k];
      const std::size_t perSend = gso_ ? payload_.size() : kDatagram;
      std::array<iovec, kBatch> iov;
      std::array<mmsghdr, kBatch> msgs{};
      for (int i = 0; i < kBatch; ++i) {
        iov[i] = {payload_.data(), perSend};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &t.addr;
        msgs[i].msg_hdr.msg_namelen = t.len;
      }
      for (int b = 0; b < kBatchesPerTurn; ++b) {
        const int r = ::sendmmsg(fd, msgs.data(), kBatch, MSG_DONTWAIT);
        if (r < kBatch) {
          if (r < 0 && gso_ && (errno == EIO || errno == EINVAL || errno == EOPNOTSUPP)) {
            gso_ = false;  // the path cannot segment: one datagram per message from now on
            const int off = 0;
            ::setsockopt(fd, SOL_UDP, UDP_SEGMENT, &off, sizeof off);
          }
          full = r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS);
          break;
        }
      }
      ++k;
    }
    if (targets_.empty()) {
      blasting_ = false;
      return;
    }
    if (full) {
      socket_.async_wait(udp::socket::wait_write, [this](const error_code& ec) {
        if (!ec) blast();
      });
    } else {
      asio::post(socket_.get_executor(), [this] { blast(); });  // let other work run
    }
  }

  udp::socket socket_;
  std::array<char, kDatagram * kSegments> payload_{};
  std::vector<Target> targets_;
  bool blasting_ = false;
  bool gso_ = false;
};

// ---- listeners ----

class Acceptor {
 public:
  using OnSocket = std::function<void(tcp::socket)>;

  Acceptor(asio::io_context& io, const tcp::endpoint& at, OnSocket onSocket)
      : acceptor_(io), retry_(io), onSocket_(std::move(onSocket)) {
    acceptor_.open(at.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(at);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }

  void start() {
    acceptor_.async_accept([this](const error_code& ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        // Out of descriptors (EMFILE) or similar: try again a little later, not in a spin.
        std::fprintf(stderr, "bench_server: accept: %s\n", ec.message().c_str());
        retry_.expires_after(std::chrono::milliseconds(50));
        retry_.async_wait([this](const error_code& wec) {
          if (!wec) start();
        });
        return;
      }
      onSocket_(std::move(s));
      start();
    });
  }

 private:
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  OnSocket onSocket_;
};

struct Options {
  std::string host = "127.0.0.1";
  std::string cert, key;
};

Options parseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) throw std::runtime_error("missing value after " + k);
    const std::string v = argv[++i];
    if (k == "--host")
      o.host = v;
    else if (k == "--cert")
      o.cert = v;
    else if (k == "--key")
      o.key = v;
    else
      throw std::runtime_error("unknown option " + k);
  }
  if (o.cert.empty() != o.key.empty()) throw std::runtime_error("--cert and --key go together");
  return o;
}

void raiseFileLimit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
}

int run(int argc, char** argv) {
  const Options opt = parseOptions(argc, argv);
  raiseFileLimit();
  std::signal(SIGPIPE, SIG_IGN);

  asio::io_context io(1);
  const auto address = asio::ip::make_address(opt.host);

  Acceptor tcpEcho(io, {address, 0},
                   [](tcp::socket s) { std::make_shared<TcpEcho>(std::move(s))->start(); });
  Acceptor tcpSink(io, {address, 0},
                   [](tcp::socket s) { std::make_shared<TcpSink>(std::move(s))->start(); });
  Acceptor tcpFlood(io, {address, 0},
                    [](tcp::socket s) { std::make_shared<TcpFlood>(std::move(s))->start(); });
  UdpEcho udpEcho(io, {address, 0});
  UdpBlast udpBlast(io, {address, 0});
  Acceptor wsEcho(io, {address, 0}, [](tcp::socket s) {
    error_code ec;
    s.set_option(tcp::no_delay(true), ec);
    std::make_shared<WsEcho<WsPlain>>(CorkedSocket(std::move(s)))->start();
  });
  Acceptor wsFlood(io, {address, 0}, [](tcp::socket s) {
    error_code ec;
    s.set_option(tcp::no_delay(true), ec);
    std::make_shared<WsFlood>(std::move(s))->start();
  });

  std::optional<ssl::context> tls;
  std::optional<Acceptor> wssEcho;
  if (!opt.cert.empty()) {
    tls.emplace(ssl::context::tls_server);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    tls->use_certificate_chain_file(opt.cert);
    tls->use_private_key_file(opt.key, ssl::context::pem);
    wssEcho.emplace(io, tcp::endpoint{address, 0}, [&tls](tcp::socket s) {
      error_code ec;
      s.set_option(tcp::no_delay(true), ec);
      std::make_shared<WsEcho<WsTls>>(CorkedSocket(std::move(s)), *tls)->start();
    });
  }

  std::printf("LISTEN tcp_echo %u\n", tcpEcho.port());
  std::printf("LISTEN tcp_sink %u\n", tcpSink.port());
  std::printf("LISTEN tcp_flood %u\n", tcpFlood.port());
  std::printf("LISTEN udp_echo %u\n", udpEcho.socket().local_endpoint().port());
  std::printf("LISTEN udp_blast %u\n", udpBlast.socket().local_endpoint().port());
  std::printf("LISTEN ws_echo %u\n", wsEcho.port());
  std::printf("LISTEN ws_flood %u\n", wsFlood.port());
  if (wssEcho) std::printf("LISTEN wss_echo %u\n", wssEcho->port());
  std::printf("READY\n");
  std::fflush(stdout);

  tcpEcho.start();
  tcpSink.start();
  tcpFlood.start();
  udpEcho.start();
  udpBlast.start();
  wsEcho.start();
  wsFlood.start();
  if (wssEcho) wssEcho->start();

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const error_code& ec, int) {
    if (!ec) io.stop();
  });

  // Stop when stdin reaches EOF. A stdin that epoll cannot watch (a regular file, /dev/null)
  // is ignored: then only a signal stops the server.
  asio::posix::stream_descriptor in(io);
  std::array<char, 256> inBuf{};
  std::function<void()> readStdin = [&] {
    in.async_read_some(asio::buffer(inBuf), [&](const error_code& ec, std::size_t) {
      if (ec) return io.stop();
      readStdin();
    });
  };
  {
    error_code ec;
    const int fd = ::dup(STDIN_FILENO);
    struct stat st {};
    const bool pollable =
        fd >= 0 && ::fstat(fd, &st) == 0 &&
        (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || (S_ISCHR(st.st_mode) && ::isatty(fd)));
    if (pollable) {
      in.assign(fd, ec);
      if (!ec) readStdin();
    } else if (fd >= 0) {
      ::close(fd);
    }
  }

  io.run();
  return 0;
}

}  // namespace
}  // namespace bench_server

int main(int argc, char** argv) {
  try {
    return bench_server::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_server: %s\n", e.what());
    return 1;
  }
}
