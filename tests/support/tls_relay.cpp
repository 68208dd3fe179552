#include "tls_relay.hpp"

#include <arpa/inet.h>
#include <linux/tcp.h>  // struct tcp_info with tcpi_data_segs_in (glibc's has no such field)
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "tls_fixture.hpp"

namespace minisock::testing {
namespace {

// Segments with data received on `fd` so far (TCP_INFO), or -1.
int dataSegmentsIn(int fd) {
  tcp_info info{};
  socklen_t size = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0) return -1;
  return static_cast<int>(info.tcpi_data_segs_in);
}

int connectBackend(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

TlsRelay::TlsRelay(int backendPort, const Options& options) : backendPort_(backendPort) {
  // OpenSSL writes to the socket with write(2): a client that went away would raise SIGPIPE
  // and end the test process. minisock itself never needs this (it sends with MSG_NOSIGNAL).
  ::signal(SIGPIPE, SIG_IGN);
  const TlsFiles& files = tlsFiles();
  const std::string cert = options.cert.empty() ? files.serverCert : options.cert;
  const std::string key = options.key.empty() ? files.serverKey : options.key;
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) throw std::runtime_error("TlsRelay: SSL_CTX_new failed");
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (options.maxVersion != 0) SSL_CTX_set_max_proto_version(ctx, options.maxVersion);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    SSL_CTX_free(ctx);
    throw std::runtime_error("TlsRelay: cannot load the server certificate " + cert);
  }
  static const unsigned char kSessionContext[] = "minisock-tls-relay";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  if (!options.sessionTickets) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
  }
  if (!options.sessionCache) SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (!options.requireClientCa.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, options.requireClientCa.c_str(), nullptr) != 1) {
      SSL_CTX_free(ctx);
      throw std::runtime_error("TlsRelay: cannot load " + options.requireClientCa);
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  ctx_ = ctx;
  server_ = std::make_unique<RawServer>(
      [this](int fd, const std::atomic<bool>& stopping) { relay(fd, stopping); });
}

TlsRelay::~TlsRelay() {
  server_.reset();  // joins: no relay runs any more
  SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
}

std::string TlsRelay::url(std::string_view path) const {
  return "wss://localhost:" + std::to_string(port()) + std::string(path);
}

void TlsRelay::relay(int fd, const std::atomic<bool>& stopping) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::seconds(30);
  timeval tv{10, 0};  // bounds the blocking handshake, reads and writes
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  SSL* ssl = SSL_new(static_cast<SSL_CTX*>(ctx_));
  SSL_set_fd(ssl, fd);
  int backend = -1;
  std::size_t index = 0;  // of this connection in connections_
  if (SSL_accept(ssl) == 1) {
    ++handshakes_;
    if (SSL_session_reused(ssl) == 1) ++resumed_;
    {
      std::lock_guard lock(mutex_);
      index = connections_.size();
      connections_.push_back(
          {SSL_session_reused(ssl) == 1, SSL_get_version(ssl), SSL_get_cipher_name(ssl), 0});
    }
    backend = connectBackend(backendPort_);
  } else {
    ++failed_;
    ERR_clear_error();
  }
  char buf[16384];
  bool open = backend >= 0;
  bool first = true;
  while (open && !stopping && clock::now() < deadline) {
    if (SSL_pending(ssl) == 0) {
      pollfd p[2] = {{fd, POLLIN, 0}, {backend, POLLIN, 0}};
      if (::poll(p, 2, 50) <= 0) continue;
      if (p[1].revents != 0) {
        const ssize_t n = ::read(backend, buf, sizeof buf);
        if (n <= 0 || SSL_write(ssl, buf, static_cast<int>(n)) <= 0) break;
      }
      if (p[0].revents == 0) continue;
    }
    const int n = SSL_read(ssl, buf, sizeof buf);
    if (n <= 0) {
      const int e = SSL_get_error(ssl, n);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) continue;
      break;
    }
    if (first) {
      first = false;
      std::lock_guard lock(mutex_);
      connections_[index].dataSegmentsToFirstBytes = dataSegmentsIn(fd);
    }
    open = sendAll(backend, buf, static_cast<std::size_t>(n));
  }
  SSL_shutdown(ssl);  // close_notify, best effort
  SSL_free(ssl);
  ERR_clear_error();
  if (backend >= 0) ::close(backend);
  ::close(fd);
}

}  // namespace minisock::testing
