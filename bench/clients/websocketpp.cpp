// The websocketpp client (bench/README.md): websocketpp 0.8 (Debian libwebsocketpp-dev) on
// Boost 1.81's Asio, its asio_client config for ws:// and asio_tls_client for wss://, used as its
// examples use it: handlers on the endpoint, one io_service on one thread, logging off,
// TCP_NODELAY set once connected. wss verifies the certificate against --ca and the IP address.
//
// WebSocket rows only (ws_* and wss_*); TCP and UDP rows exit with status 3.

#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_client.hpp>

#include "common.hpp"

namespace {

using bench::Args;
using bench::Clock;
using websocketpp::connection_hdl;
namespace asio = boost::asio;

Clock::duration toDuration(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
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
      open = now;
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

template <class Config>
class Peer {
 public:
  using Client = websocketpp::client<Config>;
  using MessagePtr = typename Config::message_type::ptr;
  using ConnectionPtr = typename Client::connection_ptr;

  Peer(const Args& a, bool tls) : a_(a), w_(a) {
    client_.clear_access_channels(websocketpp::log::alevel::all);
    client_.clear_error_channels(websocketpp::log::elevel::all);
    client_.init_asio(&io_);
    uri_ = std::string(tls ? "wss://" : "ws://") + a.host + ":" + std::to_string(a.port) + "/";
    client_.set_tcp_post_init_handler([this](connection_hdl h) {
      websocketpp::lib::asio::error_code ec;
      client_.get_con_from_hdl(h)->get_raw_socket().set_option(asio::ip::tcp::no_delay(true), ec);
    });
    client_.set_fail_handler([this](connection_hdl h) {
      bench::die(a_.row +
                 ": connection failed: " + client_.get_con_from_hdl(h)->get_ec().message());
    });
    if constexpr (std::is_same_v<Config, websocketpp::config::asio_tls_client>) {
      if (a.ca.empty()) bench::die("wss rows need --ca");
      tls_ = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
      tls_->load_verify_file(a.ca);
      tls_->set_verify_mode(asio::ssl::verify_peer);
      client_.set_tls_init_handler([this](connection_hdl) { return tls_; });
      client_.set_socket_init_handler(
          [host = a.host](connection_hdl, asio::ssl::stream<asio::ip::tcp::socket>& s) {
            s.set_verify_callback(asio::ssl::host_name_verification(host));
          });
    }
  }

  int run(const std::string& row) {
    if (row == "pingpong") return pingPong();
    if (row == "pipelined") return windowed(false);
    if (row == "1mib") return windowed(true);
    if (row == "handshakes") return handshakes();
    if (row == "idle") return idle();
    bench::unsupportedRow();
  }

 private:
  ConnectionPtr connect() {
    websocketpp::lib::error_code ec;
    ConnectionPtr con = client_.get_connection(uri_, ec);
    if (ec) bench::die("get_connection: " + ec.message());
    client_.connect(con);
    return con;
  }

  void send(connection_hdl h, const std::string& msg, websocketpp::frame::opcode::value op) {
    websocketpp::lib::error_code ec;
    client_.send(h, msg.data(), msg.size(), op, ec);
    if (ec) bench::die(a_.row + ": send: " + ec.message());
  }

  // One 64 B text message in flight.
  int pingPong() {
    const std::string msg = bench::payload(a_.size);
    client_.set_open_handler([&](connection_hdl h) {
      w_.start();
      send(h, msg, websocketpp::frame::opcode::text);
    });
    client_.set_message_handler([&](connection_hdl h, MessagePtr m) {
      if (m->get_payload().size() != msg.size())
        bench::die("ws_pingpong: echo of a different size");
      if (!w_.tick()) return io_.stop();
      send(h, msg, websocketpp::frame::opcode::text);
    });
    connect();
    io_.run();
    bench::report(w_.rate(), "round trips/s");
    return 0;
  }

  // Binary messages, --inflight in flight: one more sent per echo received. websocketpp queues
  // sends itself (and writes what has queued up in one gathered write).
  int windowed(bool megabytes) {
    const std::string msg = bench::payload(a_.size);
    client_.set_open_handler([&](connection_hdl h) {
      w_.start();
      for (int i = 0; i < a_.inflight; ++i) send(h, msg, websocketpp::frame::opcode::binary);
    });
    client_.set_message_handler([&](connection_hdl h, MessagePtr m) {
      if (m->get_payload().size() != msg.size()) bench::die(a_.row + ": echo of a different size");
      if (!w_.tick()) return io_.stop();
      send(h, msg, websocketpp::frame::opcode::binary);
    });
    connect();
    io_.run();
    if (megabytes)
      bench::report(w_.rate() * static_cast<double>(a_.size) / 1e6, "MB/s");
    else
      bench::report(w_.rate(), "messages/s");
    return 0;
  }

  // One after the other: connect, open, close (1000); the close handler runs once the closing
  // handshake is over and the connection has ended.
  int handshakes() {
    client_.set_open_handler([&](connection_hdl h) {
      websocketpp::lib::error_code ec;
      client_.close(h, websocketpp::close::status::normal, "", ec);
      if (ec) bench::die("close: " + ec.message());
    });
    client_.set_close_handler([&](connection_hdl h) {
      const auto con = client_.get_con_from_hdl(h);
      if (con->get_remote_close_code() != websocketpp::close::status::normal)
        bench::die("ws_handshakes: the server did not answer the close frame");
      if (w_.tick()) connect();
    });
    w_.start();
    connect();
    io_.run();
    bench::report(w_.rate(), "handshakes/s");
    return 0;
  }

  // Opens connections up to each checkpoint of --conns (at most 64 handshakes at once), waits
  // 1 s, reads VmRSS. The connections stay open and idle.
  int idle() {
    bench::raiseFileLimit();
    if (a_.conns.size() < 2) bench::die("ws_idle: --conns needs at least two checkpoints");
    std::vector<ConnectionPtr> conns;
    conns.reserve(static_cast<std::size_t>(a_.conns.back()));
    std::vector<long> rss;
    std::size_t checkpoint = 0;
    int started = 0, opened = 0, pending = 0;
    asio::steady_timer settle(io_);
    std::function<void()> fill = [&] {
      while (started < a_.conns[checkpoint] && pending < 64) {
        ++started;
        ++pending;
        conns.push_back(connect());
      }
    };
    client_.set_open_handler([&](connection_hdl) {
      --pending;
      if (++opened < a_.conns[checkpoint]) return fill();
      settle.expires_after(std::chrono::seconds(1));
      settle.async_wait([&](const boost::system::error_code&) {
        rss.push_back(bench::rssKiB());
        if (++checkpoint < a_.conns.size())
          fill();
        else
          io_.stop();
      });
    });
    client_.set_close_handler([&](connection_hdl) { bench::die("ws_idle: a connection closed"); });
    fill();
    io_.run();
    if (rss.size() != a_.conns.size()) bench::die("ws_idle: did not reach every checkpoint");
    const double perConn = static_cast<double>(rss.back() - rss.front()) /
                           static_cast<double>(a_.conns.back() - a_.conns.front());
    std::string extra;
    for (std::size_t i = 0; i < rss.size(); ++i) {
      if (i) extra += ",";
      extra += "\"rss_kib_" + std::to_string(a_.conns[i]) + "\":" + std::to_string(rss[i]);
    }
    bench::report(perConn, "KiB/conn", extra);
    std::fflush(nullptr);
    std::_Exit(0);  // 10,000 connections: let the kernel close them
  }

  const Args& a_;
  Window w_;
  asio::io_service io_{1};
  Client client_;
  std::string uri_;
  std::shared_ptr<asio::ssl::context> tls_;
};

int run(const Args& a) {
  if (a.row.rfind("ws_", 0) == 0)
    return Peer<websocketpp::config::asio_client>(a, false).run(a.row.substr(3));
  if (a.row.rfind("wss_", 0) == 0)
    return Peer<websocketpp::config::asio_tls_client>(a, true).run(a.row.substr(4));
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
