#include <array>
#include <atomic>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "minisock/echo_servers.hpp"

namespace minisock::servers {

using boost::asio::ip::udp;

struct UdpEchoServer::Impl {
  boost::asio::io_context ioc{1};
  udp::socket socket{ioc};
  udp::endpoint sender;
  std::array<char, 65536> buffer{};
  std::atomic<std::uint64_t> echoed{0};
  std::uint16_t port = 0;  // read once, so port() never touches the socket the thread uses
  std::thread thread;

  // One datagram at a time: receive, send it back (synchronously: a UDP send does not wait
  // for the peer), receive the next. A failed send (e.g. ICMP unreachable reported late) is
  // ignored, as a datagram echo service does.
  void receive() {
    socket.async_receive_from(boost::asio::buffer(buffer), sender,
                              [this](const boost::system::error_code& ec, std::size_t n) {
                                if (ec == boost::asio::error::operation_aborted) return;
                                if (!ec) {
                                  boost::system::error_code ignored;
                                  socket.send_to(boost::asio::buffer(buffer.data(), n), sender, 0,
                                                 ignored);
                                  if (!ignored) ++echoed;
                                }
                                receive();
                              });
  }
};

UdpEchoServer::UdpEchoServer(const std::string& host, std::uint16_t port)
    : impl_(std::make_unique<Impl>()) {
  udp::endpoint endpoint(boost::asio::ip::make_address(host), port);
  impl_->socket.open(endpoint.protocol());
  impl_->socket.bind(endpoint);
  impl_->port = impl_->socket.local_endpoint().port();
  impl_->receive();
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

UdpEchoServer::~UdpEchoServer() {
  boost::asio::post(impl_->ioc, [impl = impl_.get()] { impl->ioc.stop(); });
  impl_->thread.join();
}

std::uint16_t UdpEchoServer::port() const noexcept { return impl_->port; }
std::uint64_t UdpEchoServer::echoedCount() const noexcept { return impl_->echoed; }

}  // namespace minisock::servers
