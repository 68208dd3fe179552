#pragma once
// A tcp::socket for Beast (and Asio's ssl::stream) whose small writes are gathered ("corked")
// and sent in one system call: when the connection is about to wait for the peer (a read found
// the receive queue empty), or as soon as the write already in flight completes. An echo server
// that answers 100 pipelined messages then makes a handful of send() calls instead of 100 — the
// server of the benchmark must not be the bottleneck of ws_pipelined (uWebSockets does the same,
// "corking").
//
// Writes of kDirectBytes or more with nothing gathered go straight to the socket (no copy).
// Gathering stops at kCorkBytes: a larger write waits until the gathered bytes are sent, so a
// peer that does not read pushes back as with a plain socket.
//
// Single-threaded: every operation must be started from the io_context's one thread. All
// state lives in a shared State held by the operations in flight, so destroying the stream
// with a write pending is safe.

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_prefix.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <cassert>
#include <memory>
#include <string>
#include <utility>

namespace bench_server {

class CorkedSocket {
 public:
  using socket_type = boost::asio::ip::tcp::socket;
  using executor_type = socket_type::executor_type;
  using next_layer_type = socket_type;
  using lowest_layer_type = socket_type::lowest_layer_type;
  using error_code = boost::system::error_code;

  static constexpr std::size_t kDirectBytes = 16 * 1024;
  static constexpr std::size_t kCorkBytes = 64 * 1024;
  static constexpr std::size_t kMaxWrite = 64 * 1024;

  explicit CorkedSocket(socket_type socket) : st_(std::make_shared<State>(std::move(socket))) {
    error_code ec;
    st_->socket.non_blocking(true, ec);  // read_some below must not block
  }

  executor_type get_executor() noexcept { return st_->socket.get_executor(); }
  socket_type& next_layer() noexcept { return st_->socket; }
  lowest_layer_type& lowest_layer() noexcept { return st_->socket.lowest_layer(); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(error_code, std::size_t)>(
        [st = st_](auto handler, const MutableBuffers& b) { startRead(st, b, std::move(handler)); },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(error_code, std::size_t)>(
        [st = st_](auto handler, const ConstBuffers& b) { startWrite(st, b, std::move(handler)); },
        token, buffers);
  }

  /// Sends what is gathered, then calls `handler(ec)`. Used by the WebSocket teardown.
  template <class Handler>
  void async_flush(Handler&& handler) {
    auto st = st_;
    if (st->error || (!st->writing && st->out.empty())) {
      boost::asio::post(
          st->socket.get_executor(),
          [h = std::forward<Handler>(handler), ec = st->error]() mutable { std::move(h)(ec); });
      return;
    }
    setWaiter(st, [st, h = std::forward<Handler>(handler)](error_code) mutable {
      CorkedSocket(st).async_flush(std::move(h));
    });
    flush(st);
  }

 private:
  // Type-erased move-only continuation (rare: teardown, or a write finding too much gathered).
  struct Waiter {
    virtual ~Waiter() = default;
    virtual void run(const error_code& ec) = 0;
  };
  template <class Fn>
  struct WaiterOf final : Waiter {
    explicit WaiterOf(Fn f) : fn(std::move(f)) {}
    void run(const error_code& ec) override { std::move(fn)(ec); }
    Fn fn;
  };

  struct State {
    explicit State(socket_type s) : socket(std::move(s)) {}
    socket_type socket;
    std::string out;       // gathered, not yet handed to the socket
    std::string inflight;  // being written by the one write in flight
    bool writing = false;
    bool drained = true;  // the last read returned less than asked: the receive queue was empty
    error_code error;
    // Resumes a write (or flush) that had to wait for the write in flight to complete.
    std::unique_ptr<Waiter> waiter;
  };

  explicit CorkedSocket(std::shared_ptr<State> st) : st_(std::move(st)) {}

  template <class Fn>
  static void setWaiter(const std::shared_ptr<State>& st, Fn&& fn) {
    assert(!st->waiter);  // Beast has at most one write in flight, and so do we
    st->waiter = std::make_unique<WaiterOf<std::decay_t<Fn>>>(std::forward<Fn>(fn));
  }

  static void afterWrite(const std::shared_ptr<State>& st, const error_code& ec) {
    st->writing = false;
    if (ec && !st->error) st->error = ec;
    if (st->waiter) {
      const std::unique_ptr<Waiter> w = std::move(st->waiter);
      w->run(st->error);
    }
    if (!st->writing && !st->out.empty()) flush(st);
  }

  static void flush(const std::shared_ptr<State>& st) {
    if (st->writing || st->out.empty() || st->error) return;
    st->inflight.swap(st->out);  // both keep their capacity: no allocation once warm
    st->writing = true;
    boost::asio::async_write(st->socket, boost::asio::buffer(st->inflight),
                             [st](const error_code& ec, std::size_t) {
                               st->inflight.clear();
                               if (st->inflight.capacity() > 4 * kCorkBytes)
                                 std::string().swap(st->inflight);
                               afterWrite(st, ec);
                             });
  }

  // While the peer keeps the receive queue full, reads come straight from it and what was
  // gathered stays gathered; once a read finds the queue drained, the gathered bytes leave
  // before the connection waits.
  template <class MutableBuffers, class Handler>
  static void startRead(const std::shared_ptr<State>& st, const MutableBuffers& buffers,
                        Handler handler) {
    const std::size_t want = boost::asio::buffer_size(buffers);
    if (!st->drained) {
      error_code ec;
      const std::size_t n = st->socket.read_some(buffers, ec);
      if (ec != boost::asio::error::would_block && ec != boost::asio::error::try_again) {
        st->drained = n < want;
        boost::asio::post(st->socket.get_executor(),
                          [h = std::move(handler), ec, n]() mutable { std::move(h)(ec, n); });
        return;
      }
    }
    flush(st);
    st->socket.async_read_some(
        buffers, [st, want, h = std::move(handler)](const error_code& ec, std::size_t n) mutable {
          st->drained = n < want;
          std::move(h)(ec, n);
        });
  }

  template <class ConstBuffers, class Handler>
  static void startWrite(const std::shared_ptr<State>& st, const ConstBuffers& buffers,
                         Handler handler) {
    const std::size_t n = boost::asio::buffer_size(buffers);
    if (st->error || n == 0) {
      boost::asio::post(
          st->socket.get_executor(),
          [h = std::move(handler), ec = st->error]() mutable { std::move(h)(ec, std::size_t{0}); });
      return;
    }
    if (!st->writing && st->out.empty() && n >= kDirectBytes) {
      st->writing = true;
      st->socket.async_write_some(
          boost::beast::buffers_prefix(kMaxWrite, buffers),
          [st, h = std::move(handler)](const error_code& ec, std::size_t w) mutable {
            afterWrite(st, ec);
            std::move(h)(ec, w);
          });
      return;
    }
    if (st->out.size() + n <= kCorkBytes) {
      const std::size_t at = st->out.size();
      st->out.resize(at + n);
      boost::asio::buffer_copy(boost::asio::buffer(st->out.data() + at, n), buffers);
      boost::asio::post(st->socket.get_executor(),
                        [h = std::move(handler), n]() mutable { std::move(h)(error_code{}, n); });
      return;
    }
    // Too much gathered: wait until the write in flight (or the one started here) is done.
    setWaiter(st, [st, buffers, h = std::move(handler)](error_code) mutable {
      startWrite(st, buffers, std::move(h));
    });
    flush(st);
  }

  std::shared_ptr<State> st_;
};

/// WebSocket teardown (found by argument-dependent lookup from Beast): send what is gathered,
/// then Beast's own TCP teardown.
template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, CorkedSocket& socket, TeardownHandler&& handler) {
  socket.async_flush([role, &s = socket.next_layer(), h = std::forward<TeardownHandler>(handler)](
                         const boost::system::error_code&) mutable {
    boost::beast::websocket::async_teardown(role, s, std::move(h));
  });
}

inline void teardown(boost::beast::role_type role, CorkedSocket& socket,
                     boost::system::error_code& ec) {
  boost::beast::websocket::teardown(role, socket.next_layer(), ec);
}

}  // namespace bench_server
