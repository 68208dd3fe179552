#pragma once
// TlsTransport: the TCP socket under Asio's TLS stream (wss). It sends the client's last
// handshake flight together with the first bytes written after the handshake, the upgrade
// request, in one write.
//
// When a TLS handshake ends with a flight of the client's (TLS 1.3: Finished, after a
// certificate if one was asked for; a resumed TLS 1.2 session: ChangeCipherSpec and Finished),
// Asio writes it and completes the handshake, and the upgrade request follows in a write of its
// own: two system calls, two TCP segments, the server woken twice. Armed by holdLastFlight(ssl),
// the transport keeps the bytes written once `ssl`'s handshake has finished (that write
// completes at once) and sends them with the next write, or before the next read if a read
// comes first. Nothing is held while the handshake still waits for the server, so ClientHello,
// a full TLS 1.2 handshake's flights and any alert go out at once. handshakeEnded() disarms it
// when the handshake ended on the server's flight (nothing held: a full TLS 1.2 handshake).
// After the held bytes have gone, or once disarmed, everything passes straight through.
//
// A write error of the held bytes is the error of the write or read that sends them. Loop
// thread only, like every other use of the stream. Operations capture `this`: their handlers
// keep the SocketTask (which owns the stream) alive, as for the layers above.

#include <openssl/ssl.h>

#include <boost/asio/append.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <utility>
#include <vector>

namespace minisock::detail {

template <class Socket>
class TlsTransport {
 public:
  using executor_type = typename Socket::executor_type;
  using next_layer_type = Socket;
  using lowest_layer_type = typename Socket::lowest_layer_type;

  template <class Arg>
  explicit TlsTransport(Arg&& arg) : socket_(std::forward<Arg>(arg)) {}

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  Socket& next_layer() noexcept { return socket_; }
  lowest_layer_type& lowest_layer() noexcept { return socket_.lowest_layer(); }

  /// Holds the flight written once `ssl`'s handshake has finished (see above).
  void holdLastFlight(const SSL* ssl) noexcept { ssl_ = ssl; }
  /// The handshake has completed: if no flight of the client's ended it, hold nothing more.
  void handshakeEnded() noexcept {
    if (held_.empty()) ssl_ = nullptr;
  }

  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    if (!ssl_ || (held_.empty() && SSL_is_init_finished(ssl_) != 1))
      return socket_.async_write_some(buffers, std::forward<Handler>(handler));
    const std::size_t n = boost::asio::buffer_size(buffers);
    const std::size_t old = held_.size();
    held_.resize(old + n);
    boost::asio::buffer_copy(boost::asio::buffer(held_.data() + old, n), buffers);
    if (old == 0) {  // the last flight: kept, its write done
      return boost::asio::post(
          socket_.get_executor(),
          boost::asio::append(std::forward<Handler>(handler), boost::system::error_code{}, n));
    }
    const auto ex = boost::asio::get_associated_executor(handler, socket_.get_executor());
    sendHeld(ex,
             [n, h = std::forward<Handler>(handler)](const boost::system::error_code& ec) mutable {
               h(ec, ec ? std::size_t{0} : n);
             });
  }

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    if (held_.empty()) return socket_.async_read_some(buffers, std::forward<Handler>(handler));
    const auto ex = boost::asio::get_associated_executor(handler, socket_.get_executor());
    sendHeld(ex, [this, buffers,
                  h = std::forward<Handler>(handler)](const boost::system::error_code& ec) mutable {
      if (ec) return h(ec, std::size_t{0});
      socket_.async_read_some(buffers, std::move(h));
    });
  }

 private:
  template <class S, class Handler>
  friend void async_teardown(boost::beast::role_type, TlsTransport<S>&, Handler&&);

  // Sends the held bytes (at most once: they move to sending_ and nothing is held after),
  // then calls `then(ec)` through `ex`, the executor of the operation that asked.
  template <class Executor, class Then>
  void sendHeld(const Executor& ex, Then&& then) {
    ssl_ = nullptr;
    sending_.swap(held_);
    boost::asio::async_write(socket_, boost::asio::buffer(sending_),
                             boost::asio::bind_executor(
                                 ex, [this, then = std::forward<Then>(then)](
                                         const boost::system::error_code& ec, std::size_t) mutable {
                                   std::vector<char>().swap(sending_);
                                   then(ec);
                                 }));
  }

  Socket socket_;
  const SSL* ssl_ = nullptr;
  std::vector<char> held_{};
  std::vector<char> sending_{};
};

/// Beast's TCP teardown (after TLS's close_notify), once anything held has been sent.
template <class Socket, class Handler>
void async_teardown(boost::beast::role_type role, TlsTransport<Socket>& stream, Handler&& handler) {
  using boost::beast::websocket::async_teardown;
  if (stream.held_.empty())
    return async_teardown(role, stream.next_layer(), std::forward<Handler>(handler));
  const auto ex = boost::asio::get_associated_executor(handler, stream.get_executor());
  stream.sendHeld(ex, [&stream, role, h = std::forward<Handler>(handler)](
                          const boost::system::error_code&) mutable {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, stream.next_layer(), std::move(h));
  });
}

}  // namespace minisock::detail
