#pragma once
// TLS for wss: one OpenSSL client context per Runtime, made from its Policy on first use, and
// the per-connection set-up (SNI, host-name or IP check) and failure text.

#include <openssl/ssl.h>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <string>

#include "minisock/policy.hpp"

namespace minisock::detail {

class TlsContext {
 public:
  /// Verification per policy.verifyCertificates against the system store plus policy.caFile;
  /// TLS 1.2 at least. A caFile that cannot be loaded is kept as loadError().
  explicit TlsContext(const Policy& policy);

  boost::asio::ssl::context& context() noexcept { return context_; }
  const std::string& loadError() const noexcept { return loadError_; }
  bool verifying() const noexcept { return verify_; }

 private:
  boost::asio::ssl::context context_;
  std::string loadError_;
  bool verify_;
};

/// SNI for host names; the certificate must match `host` (a name or an IP literal) when
/// verifying. Returns a problem text, or empty.
std::string prepareTlsClient(SSL* ssl, const std::string& host, bool isIpLiteral, bool verify);

}  // namespace minisock::detail
