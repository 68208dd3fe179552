#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <mutex>
#include <thread>
#include <variant>

#include "minisock/echo_servers.hpp"

namespace minisock::servers {
namespace {

using boost::asio::ip::tcp;
namespace websocket = boost::beast::websocket;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;

struct Shared {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> messages{0};
  mutable std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> lastHeaders;
};

template <class Stream>
class WsSession : public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  template <class... Args>
  WsSession(Shared& shared, Args&&... args) : shared_(shared), ws_(std::forward<Args>(args)...) {}

  void start() {
    if constexpr (std::is_same_v<Stream, ssl::stream<tcp::socket>>) {
      ws_.next_layer().async_handshake(
          ssl::stream_base::server,
          [self = this->shared_from_this()](const boost::system::error_code& ec) {
            if (!ec) self->readRequest();
          });
    } else {
      readRequest();
    }
  }

 private:
  void readRequest() {
    http::async_read(
        ws_.next_layer(), buffer_, request_,
        [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
          if (!ec) self->accept();
        });
  }

  void accept() {
    {
      std::lock_guard lock(shared_.mutex);
      shared_.lastHeaders.clear();
      for (const auto& f : request_)
        shared_.lastHeaders.emplace_back(std::string(f.name_string()), std::string(f.value()));
    }
    std::string protocol(request_[http::field::sec_websocket_protocol]);
    protocol = protocol.substr(0, protocol.find(','));
    while (!protocol.empty() && protocol.back() == ' ') protocol.pop_back();
    ws_.set_option(websocket::stream_base::decorator([protocol](websocket::response_type& res) {
      if (!protocol.empty()) res.set(http::field::sec_websocket_protocol, protocol);
    }));
    websocket::permessage_deflate pmd;
    pmd.server_enable = true;
    ws_.set_option(pmd);
    ws_.read_message_max(64u << 20);
    ws_.auto_fragment(false);
    ws_.write_buffer_bytes(64 * 1024);
    ws_.async_accept(request_,
                     [self = this->shared_from_this()](const boost::system::error_code& ec) {
                       if (ec) return;
                       ++self->shared_.accepted;
                       self->read();
                     });
  }

  void read() {
    buffer_.clear();
    ws_.async_read(buffer_, [self = this->shared_from_this()](const boost::system::error_code& ec,
                                                              std::size_t) {
      if (ec) return;  // closed (Beast answered the close frame) or failed
      self->ws_.text(self->ws_.got_text());
      self->ws_.async_write(self->buffer_.data(),
                            [self](const boost::system::error_code& wec, std::size_t) {
                              if (wec) return;
                              ++self->shared_.messages;
                              self->read();
                            });
    });
  }

  Shared& shared_;
  websocket::stream<Stream> ws_;
  boost::beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
};

}  // namespace

struct WsEchoServer::Impl {
  boost::asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::optional<ssl::context> tls;
  std::thread thread;
  Shared shared;

  void accept() {
    acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec == boost::asio::error::operation_aborted) return;
      if (!ec) {
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        if (tls) {
          std::make_shared<WsSession<ssl::stream<tcp::socket>>>(shared, std::move(socket), *tls)
              ->start();
        } else {
          std::make_shared<WsSession<tcp::socket>>(shared, std::move(socket))->start();
        }
      }
      accept();
    });
  }
};

WsEchoServer::WsEchoServer(const std::string& host, std::uint16_t port, std::optional<Tls> tls)
    : impl_(std::make_unique<Impl>()) {
  if (tls) {
    impl_->tls.emplace(ssl::context::tls_server);
    impl_->tls->use_certificate_chain_file(tls->certFile);
    impl_->tls->use_private_key_file(tls->keyFile, ssl::context::pem);
  }
  tcp::endpoint endpoint(boost::asio::ip::make_address(host), port);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen(tcp::acceptor::max_listen_connections);
  impl_->accept();
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

WsEchoServer::~WsEchoServer() {
  boost::asio::post(impl_->ioc, [impl = impl_.get()] { impl->ioc.stop(); });
  impl_->thread.join();
}

std::uint16_t WsEchoServer::port() const noexcept {
  return impl_->acceptor.local_endpoint().port();
}
std::uint64_t WsEchoServer::acceptedCount() const noexcept { return impl_->shared.accepted; }
std::uint64_t WsEchoServer::messageCount() const noexcept { return impl_->shared.messages; }
std::vector<std::pair<std::string, std::string>> WsEchoServer::lastRequestHeaders() const {
  std::lock_guard lock(impl_->shared.mutex);
  return impl_->shared.lastHeaders;
}

}  // namespace minisock::servers
