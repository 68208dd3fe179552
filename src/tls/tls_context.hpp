#pragma once
// TLS for wss: one OpenSSL client context per Runtime, made from its Policy and NetworkOptions
// on first use (CAs, client certificate, pins, the session cache), and the per-connection
// steps: set-up before the handshake (SNI, host-name or IP check, a cached session) and the
// pin check after it.

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "minisock/network.hpp"
#include "minisock/policy.hpp"

namespace minisock::detail {

class TlsContext {
 public:
  /// Verification per policy.verifyCertificates against the system store plus policy.caFile
  /// and network.caPem; the client certificate and key of `network`; TLS 1.2 at least. The
  /// first setting that cannot be used is kept as loadError() (every wss connection fails
  /// with it).
  TlsContext(const Policy& policy, const NetworkOptions& network);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  boost::asio::ssl::context& context() noexcept { return context_; }
  const std::string& loadError() const noexcept { return loadError_; }
  bool verifying() const noexcept { return verify_; }

  /// Before the handshake: SNI for host names; the certificate must match `host` (a name or
  /// an IP literal) when verifying; the session kept for host and port, if any. Returns a
  /// problem text, or empty.
  std::string prepare(SSL* ssl, const std::string& host, bool isIpLiteral, std::uint16_t port);
  /// After the handshake: the pins' verdict (empty = accepted). A session resumed from a
  /// handshake that passed counts as pinned; a refused one forgets the session.
  std::string checkPins(SSL* ssl);
  /// Whether the server asked this connection for a client certificate.
  static bool clientCertificateRequested(const SSL* ssl);
  bool hasClientCertificate() const noexcept { return hasClientCertificate_; }

 private:
  static int onNewSession(SSL* ssl, SSL_SESSION* session);
  void keep(const std::string& key, SSL_SESSION* session);
  void forget(SSL* ssl);
  void loadClientIdentity(const NetworkOptions& network);

  boost::asio::ssl::context context_;
  std::string loadError_;
  bool verify_;
  bool resume_;
  bool hasClientCertificate_ = false;
  std::vector<std::string> pins_;
  std::mutex sessionsMutex_;
  std::unordered_map<std::string, SSL_SESSION*> sessions_;  // "host port" -> kept session
};

}  // namespace minisock::detail
