#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "minisock/echo_servers.hpp"

namespace minisock::servers {
namespace {

using boost::asio::ip::tcp;

// One echo connection: read a chunk, write it back whole, repeat; on EOF close.
class EchoSession : public std::enable_shared_from_this<EchoSession> {
 public:
  EchoSession(tcp::socket socket, std::atomic<std::uint64_t>& echoed)
      : socket_(std::move(socket)), echoed_(echoed), buffer_(64 * 1024) {}

  void start() { read(); }

 private:
  void read() {
    socket_.async_read_some(
        boost::asio::buffer(buffer_),
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          if (ec) {
            boost::system::error_code ignored;
            self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
            self->socket_.close(ignored);
            return;
          }
          self->write(n);
        });
  }

  void write(std::size_t n) {
    boost::asio::async_write(
        socket_, boost::asio::buffer(buffer_.data(), n),
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t w) {
          if (ec) return;
          self->echoed_ += w;
          self->read();
        });
  }

  tcp::socket socket_;
  std::atomic<std::uint64_t>& echoed_;
  std::vector<char> buffer_;
};

}  // namespace

struct TcpEchoServer::Impl {
  boost::asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> echoed{0};

  void accept() {
    acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec == boost::asio::error::operation_aborted) return;
      if (!ec) {
        ++accepted;
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<EchoSession>(std::move(socket), echoed)->start();
      }
      accept();
    });
  }
};

TcpEchoServer::TcpEchoServer(const std::string& host, std::uint16_t port)
    : impl_(std::make_unique<Impl>()) {
  tcp::endpoint endpoint(boost::asio::ip::make_address(host), port);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen(tcp::acceptor::max_listen_connections);
  impl_->accept();
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

TcpEchoServer::~TcpEchoServer() {
  boost::asio::post(impl_->ioc, [impl = impl_.get()] { impl->ioc.stop(); });
  impl_->thread.join();
}

std::uint16_t TcpEchoServer::port() const noexcept {
  return impl_->acceptor.local_endpoint().port();
}
std::uint64_t TcpEchoServer::acceptedCount() const noexcept { return impl_->accepted; }
std::uint64_t TcpEchoServer::echoedBytes() const noexcept { return impl_->echoed; }

}  // namespace minisock::servers
