// The asio client: Boost.Asio and Beast 1.81 written directly, as a careful user would
// (bench/README.md): one io_context on one thread, completion handlers, TCP_NODELAY; for
// WebSocket a beast::websocket::stream with auto_fragment(false) and write_buffer_bytes(65536)
// (with the defaults, 1 MiB messages go out as 4 KiB frames); wss over asio::ssl::stream,
// verifying the server's certificate against --ca and its IP address.
//
// Every row; wss_<x> is ws_<x> over TLS.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using error_code = boost::system::error_code;
using bench::Args;
using bench::Clock;

Clock::duration toDuration(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

void check(const error_code& ec, const char* what) {
  if (ec) bench::die(std::string(what) + ": " + ec.message());
}

// Counts units of work in the measured window: `warmup` seconds after start(), then `seconds`.
struct Window {
  explicit Window(const Args& a) : warmup(toDuration(a.warmup)), length(toDuration(a.seconds)) {}
  void start() { open = Clock::now() + warmup; }
  /// One unit done; false once the window has closed.
  bool tick(std::uint64_t units = 1) {
    const auto now = Clock::now();
    if (now < open) return true;
    if (!measuring) {
      measuring = true;
      open = now;  // the first unit completed inside the window starts it
      return true;
    }
    count += units;
    if (now - open < length) return true;
    elapsed = std::chrono::duration<double>(now - open).count();
    done = true;
    return false;
  }
  double rate() const { return static_cast<double>(count) / elapsed; }

  Clock::duration warmup, length;
  Clock::time_point open{};
  bool measuring = false, done = false;
  std::uint64_t count = 0;
  double elapsed = 0;
};

tcp::endpoint tcpEndpoint(const Args& a) {
  return {asio::ip::make_address(a.host), static_cast<unsigned short>(a.port)};
}

// ---- TCP ----

int tcpPingPong(const Args& a) {
  asio::io_context io(1);
  tcp::socket s(io);
  s.connect(tcpEndpoint(a));
  s.set_option(tcp::no_delay(true));
  const std::string msg = bench::payload(a.size);
  std::vector<char> in(a.size);
  Window w(a);
  std::function<void()> step = [&] {
    asio::async_write(s, asio::buffer(msg), [&](const error_code& ec, std::size_t) {
      check(ec, "write");
      asio::async_read(s, asio::buffer(in), [&](const error_code& rec, std::size_t) {
        check(rec, "read");
        if (w.tick()) step();
      });
    });
  };
  w.start();
  step();
  io.run();
  if (std::memcmp(in.data(), msg.data(), msg.size()) != 0) bench::die("tcp_pingpong: echo differs");
  bench::report(w.rate(), "round trips/s");
  return 0;
}

int tcpStream(const Args& a) {
  asio::io_context io(1);
  tcp::socket s(io);
  s.connect(tcpEndpoint(a));
  s.set_option(tcp::no_delay(true));
  const std::string chunk = bench::payload(64 * 1024);
  std::uint64_t left = a.bytes;
  std::array<unsigned char, 8> le{};
  const auto start = Clock::now();
  std::array<unsigned char, 8> total{};
  for (int i = 0; i < 8; ++i) total[i] = static_cast<unsigned char>(a.bytes >> (8 * i));
  asio::write(s, asio::buffer(total));
  auto readCount = [&] {
    s.shutdown(tcp::socket::shutdown_send);
    asio::async_read(s, asio::buffer(le),
                     [](const error_code& ec, std::size_t) { check(ec, "read count"); });
  };
  std::function<void()> writeMore = [&] {
    if (left == 0) return readCount();
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
    asio::async_write(s, asio::buffer(chunk.data(), n), [&, n](const error_code& ec, std::size_t) {
      check(ec, "write");
      left -= n;
      writeMore();
    });
  };
  writeMore();
  io.run();
  const double elapsed = bench::secondsSince(start);
  std::uint64_t count = 0;
  for (int i = 7; i >= 0; --i) count = (count << 8) | le[i];
  if (count != a.bytes)
    bench::die("tcp_stream: the server counted " + std::to_string(count) + " bytes, not " +
               std::to_string(a.bytes));
  bench::report(static_cast<double>(a.bytes) / elapsed / 1e9, "GB/s",
                "\"seconds\":" + std::to_string(elapsed));
  return 0;
}

// ---- UDP ----

int udpPingPong(const Args& a) {
  asio::io_context io(1);
  const udp::endpoint server{asio::ip::make_address(a.host), static_cast<unsigned short>(a.port)};
  udp::socket s(io, server.protocol());
  s.connect(server);
  asio::steady_timer resend(io);
  // Each datagram carries a sequence number, so a late echo of a resent one is not counted.
  std::string msg = bench::payload(std::max<std::size_t>(a.size, 8));
  std::vector<char> in(msg.size() + 1);
  std::uint64_t seq = 0, lost = 0;
  Window w(a);
  std::function<void()> send, receive;
  send = [&] {
    s.async_send(asio::buffer(msg), [](const error_code& ec, std::size_t) { check(ec, "send"); });
    resend.expires_after(std::chrono::milliseconds(200));
    resend.async_wait([&](const error_code& ec) {
      if (ec) return;  // cancelled: the echo came
      ++lost;
      send();
    });
  };
  receive = [&] {
    s.async_receive(asio::buffer(in), [&](const error_code& ec, std::size_t n) {
      if (ec == asio::error::connection_refused) return receive();
      check(ec, "receive");
      if (n != msg.size() || std::memcmp(in.data(), &seq, sizeof seq) != 0) return receive();
      if (!w.tick()) {
        resend.cancel();
        return;
      }
      ++seq;
      std::memcpy(msg.data(), &seq, sizeof seq);
      send();
      receive();
    });
  };
  std::memcpy(msg.data(), &seq, sizeof seq);
  w.start();
  send();
  receive();
  io.run();
  bench::report(w.rate(), "round trips/s", "\"lost\":" + std::to_string(lost));
  return 0;
}

// udp_oneway: asks udp_blast for a stream lasting the warmup, the window and a margin, counts
// 64 B datagrams in the window, then reads on until "end" so that the server has stopped
// sending when this client exits.
int udpOneway(const Args& a) {
  asio::io_context io(1);
  const udp::endpoint server{asio::ip::make_address(a.host), static_cast<unsigned short>(a.port)};
  udp::socket s(io, udp::endpoint(server.protocol(), 0));
  const long ms = std::lround((a.warmup + a.seconds) * 1000.0) + 100;
  const std::string go = "go " + std::to_string(ms);
  std::array<char, 2048> in{};
  bool started = false, over = false;
  Clock::time_point open{}, close{}, lastGo{}, lastDatagram{};
  std::uint64_t count = 0;
  asio::steady_timer tick(io);

  auto sendGo = [&] {
    s.async_send_to(asio::buffer(go), server,
                    [](const error_code& ec, std::size_t) { check(ec, "send go"); });
    lastGo = Clock::now();
  };
  auto finish = [&](Clock::time_point at) {
    if (at < close) close = at;  // the blast ended early: shorter window
    over = true;
    s.cancel();
    tick.cancel();
  };
  std::function<void()> receive = [&] {
    s.async_receive(asio::buffer(in), [&](const error_code& ec, std::size_t n) {
      if (over) return;
      check(ec, "receive");
      const auto now = Clock::now();
      lastDatagram = now;
      if (n == 64) {
        if (!started) {
          started = true;
          open = now + toDuration(a.warmup);
          close = open + toDuration(a.seconds);
        }
        if (now >= open && now < close) ++count;
      } else if (n == 3 && std::memcmp(in.data(), "end", 3) == 0 && started) {
        return finish(now);
      }
      receive();
    });
  };
  // Every 100 ms: resend a lost "go"; stop when the window is over and the blast is silent.
  std::function<void()> watch = [&] {
    tick.expires_after(std::chrono::milliseconds(100));
    tick.async_wait([&](const error_code& ec) {
      if (ec || over) return;
      const auto now = Clock::now();
      if (!started && now - lastGo > std::chrono::seconds(1)) sendGo();
      if (started && now >= close && now - lastDatagram > std::chrono::milliseconds(100))
        return finish(now);
      watch();
    });
  };
  sendGo();
  receive();
  watch();
  io.run();
  if (!started) bench::die("udp_oneway: no datagram from udp_blast");
  const double window = std::chrono::duration<double>(close - open).count();
  if (window <= 0) bench::die("udp_oneway: the blast ended before the window opened");
  bench::report(static_cast<double>(count) / window, "datagrams/s",
                "\"received\":" + std::to_string(count));
  return 0;
}

// ---- WebSocket ----

template <bool Tls>
class WsClient : public std::enable_shared_from_this<WsClient<Tls>> {
 public:
  using Next = std::conditional_t<Tls, ssl::stream<tcp::socket>, tcp::socket>;
  using Done = std::function<void(const error_code&)>;

  WsClient(asio::io_context& io, ssl::context* tls) : ws_(makeNext(io, tls)) {
    ws_.auto_fragment(false);
    ws_.write_buffer_bytes(65536);
    ws_.read_message_max(64 * 1024 * 1024);
  }

  websocket::stream<Next>& ws() { return ws_; }
  beast::flat_buffer& buffer() { return buffer_; }

  /// TCP connect, TLS handshake (wss), WebSocket handshake; then `done`.
  void open(const tcp::endpoint& at, Done done) {
    auto& sock = beast::get_lowest_layer(ws_);
    sock.async_connect(at, [self = this->shared_from_this(), at, done](const error_code& ec) {
      if (ec) return done(ec);
      error_code ignored;
      beast::get_lowest_layer(self->ws_).set_option(tcp::no_delay(true), ignored);
      const std::string host = at.address().to_string() + ":" + std::to_string(at.port());
      if constexpr (Tls) {
        self->ws_.next_layer().set_verify_callback(
            ssl::host_name_verification(at.address().to_string()));
        self->ws_.next_layer().async_handshake(ssl::stream_base::client,
                                               [self, host, done](const error_code& hec) {
                                                 if (hec) return done(hec);
                                                 self->ws_.async_handshake(host, "/", done);
                                               });
      } else {
        self->ws_.async_handshake(host, "/", done);
      }
    });
  }

 private:
  static Next makeNext(asio::io_context& io, ssl::context* tls) {
    if constexpr (Tls)
      return Next(io, *tls);
    else
      return Next(io);
  }

  websocket::stream<Next> ws_;
  beast::flat_buffer buffer_;
};

std::optional<ssl::context> clientTls(const Args& a) {
  ssl::context tls(ssl::context::tls_client);
  if (a.ca.empty()) bench::die("wss rows need --ca");
  tls.load_verify_file(a.ca);
  tls.set_verify_mode(ssl::verify_peer);
  return tls;
}

// ws_pingpong: one 64 B text message in flight.
template <bool Tls>
int wsPingPong(const Args& a, asio::io_context& io, ssl::context* tls) {
  auto c = std::make_shared<WsClient<Tls>>(io, tls);
  const std::string msg = bench::payload(a.size);
  Window w(a);
  std::function<void()> step = [&] {
    c->ws().async_write(asio::buffer(msg), [&](const error_code& ec, std::size_t) {
      check(ec, "ws write");
      c->ws().async_read(c->buffer(), [&](const error_code& rec, std::size_t n) {
        check(rec, "ws read");
        if (n != msg.size()) bench::die("ws_pingpong: echo of a different size");
        c->buffer().consume(n);
        if (w.tick()) step();
      });
    });
  };
  c->open(tcpEndpoint(a), [&](const error_code& ec) {
    check(ec, "ws open");
    c->ws().text(true);
    w.start();
    step();
  });
  io.run();
  bench::report(w.rate(), "round trips/s");
  return 0;
}

// ws_pipelined / ws_1mib: binary messages, --inflight in flight. Beast allows one async_write at
// a time, so the sends wait in a queue (a count: every message is the same) and the completion
// of one write starts the next.
template <bool Tls>
int wsWindowed(const Args& a, asio::io_context& io, ssl::context* tls, std::size_t size,
               int inflight, bool megabytes) {
  auto c = std::make_shared<WsClient<Tls>>(io, tls);
  const std::string msg = bench::payload(size);
  Window w(a);
  int queued = 0;
  bool writing = false, over = false;
  std::function<void()> pump = [&] {
    if (writing || queued == 0 || over) return;
    writing = true;
    --queued;
    c->ws().async_write(asio::buffer(msg), [&](const error_code& ec, std::size_t) {
      if (over) return;
      check(ec, "ws write");
      writing = false;
      pump();
    });
  };
  std::function<void()> read = [&] {
    c->ws().async_read(c->buffer(), [&](const error_code& ec, std::size_t n) {
      if (over) return;
      check(ec, "ws read");
      if (n != size) bench::die(a.row + ": echo of a different size");
      c->buffer().consume(n);
      if (!w.tick()) {
        over = true;
        beast::get_lowest_layer(c->ws()).cancel();
        return;
      }
      ++queued;
      pump();
      read();
    });
  };
  c->open(tcpEndpoint(a), [&](const error_code& ec) {
    check(ec, "ws open");
    c->ws().binary(true);
    w.start();
    queued = inflight;
    pump();
    read();
  });
  io.run();
  if (megabytes)
    bench::report(w.rate() * static_cast<double>(size) / 1e6, "MB/s");
  else
    bench::report(w.rate(), "messages/s");
  return 0;
}

// ws_handshakes: one after the other: connect, open, close (code 1000) and wait for the
// server's close frame and the end of the TCP connection (Beast's async_close does both).
template <bool Tls>
int wsHandshakes(const Args& a, asio::io_context& io, ssl::context* tls) {
  Window w(a);
  std::function<void()> once = [&] {
    auto c = std::make_shared<WsClient<Tls>>(io, tls);
    c->open(tcpEndpoint(a), [&, c](const error_code& ec) {
      check(ec, "ws open");
      c->ws().async_close(websocket::close_code::normal, [&, c](const error_code& cec) {
        check(cec, "ws close");
        if (w.tick()) once();
      });
    });
  };
  w.start();
  once();
  io.run();
  bench::report(w.rate(), "handshakes/s");
  return 0;
}

// ws_idle: opens connections up to each checkpoint of --conns (at most 64 handshakes at once),
// waits 1 s, reads VmRSS. Each idle connection keeps one read pending, as a real client would.
template <bool Tls>
int wsIdle(const Args& a, asio::io_context& io, ssl::context* tls) {
  bench::raiseFileLimit();
  if (a.conns.size() < 2) bench::die("ws_idle: --conns needs at least two checkpoints");
  std::vector<std::shared_ptr<WsClient<Tls>>> conns;
  conns.reserve(static_cast<std::size_t>(a.conns.back()));
  std::vector<long> rss;
  std::size_t checkpoint = 0;
  int started = 0, opened = 0, pending = 0;
  asio::steady_timer settle(io);
  const auto at = tcpEndpoint(a);

  std::function<void()> fill;
  std::function<void()> reached = [&] {
    settle.expires_after(std::chrono::seconds(1));
    settle.async_wait([&](const error_code&) {
      rss.push_back(bench::rssKiB());
      if (++checkpoint < a.conns.size()) fill();
    });
  };
  fill = [&] {
    const int target = a.conns[checkpoint];  // handlers below read a.conns[checkpoint] again
    while (started < target && pending < 64) {
      ++started;
      ++pending;
      auto c = std::make_shared<WsClient<Tls>>(io, tls);
      conns.push_back(c);
      c->open(at, [&, c](const error_code& ec) {
        check(ec, "ws open");
        --pending;
        ++opened;
        c->ws().async_read(c->buffer(), [](const error_code&, std::size_t) {});
        if (opened == a.conns[checkpoint])
          reached();
        else
          fill();
      });
    }
  };
  fill();
  // The connections stay open and idle: run until every checkpoint has been measured.
  while (checkpoint < a.conns.size()) io.run_one();
  const double perConn = static_cast<double>(rss.back() - rss.front()) /
                         static_cast<double>(a.conns.back() - a.conns.front());
  std::string extra;
  for (std::size_t i = 0; i < rss.size(); ++i) {
    if (i) extra += ",";
    extra += "\"rss_kib_" + std::to_string(a.conns[i]) + "\":" + std::to_string(rss[i]);
  }
  bench::report(perConn, "KiB/conn", extra);
  std::fflush(nullptr);
  std::_Exit(0);  // 10,000 connections: let the kernel close them
}

template <bool Tls>
int wsRow(const Args& a, const std::string& row) {
  asio::io_context io(1);
  std::optional<ssl::context> tls;
  if (Tls) tls = clientTls(a);
  ssl::context* ctx = tls ? &*tls : nullptr;
  if (row == "pingpong") return wsPingPong<Tls>(a, io, ctx);
  if (row == "pipelined") return wsWindowed<Tls>(a, io, ctx, a.size, a.inflight, false);
  if (row == "1mib") return wsWindowed<Tls>(a, io, ctx, a.size, a.inflight, true);
  if (row == "handshakes") return wsHandshakes<Tls>(a, io, ctx);
  if (row == "idle") return wsIdle<Tls>(a, io, ctx);
  bench::unsupportedRow();
}

int run(const Args& a) {
  if (a.row == "tcp_pingpong") return tcpPingPong(a);
  if (a.row == "tcp_stream") return tcpStream(a);
  if (a.row == "udp_pingpong") return udpPingPong(a);
  if (a.row == "udp_oneway") return udpOneway(a);
  if (a.row.rfind("ws_", 0) == 0) return wsRow<false>(a, a.row.substr(3));
  if (a.row.rfind("wss_", 0) == 0) return wsRow<true>(a, a.row.substr(4));
  bench::unsupportedRow();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Args a = Args::parse(argc, argv);
    bench::applyRowDefaults(a, argc, argv);
    bench::giveUpAfterLimit(a);
    return run(a);
  } catch (const std::exception& e) {
    bench::die(e.what());
  }
}
