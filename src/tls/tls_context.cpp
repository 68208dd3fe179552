#include "tls/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <mutex>

namespace minisock::detail {

TlsContext::TlsContext(const Policy& policy)
    : context_(boost::asio::ssl::context::tls_client), verify_(policy.verifyCertificates) {
  SSL_CTX* ctx = context_.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  boost::system::error_code ec;
  context_.set_default_verify_paths(ec);
  if (!policy.caFile.empty()) {
    context_.load_verify_file(policy.caFile, ec);
    if (ec) loadError_ = "cannot load Policy::caFile '" + policy.caFile + "': " + ec.message();
  }
  if (verify_) {
    context_.set_verify_mode(boost::asio::ssl::verify_peer);
  } else {
    context_.set_verify_mode(boost::asio::ssl::verify_none);
    static std::once_flag warned;
    std::call_once(warned, [] {
      std::fprintf(
          stderr,
          "minisock: WARNING: Policy::verifyCertificates is false: wss certificates are NOT "
          "verified; any server can impersonate any host\n");
    });
  }
}

std::string prepareTlsClient(SSL* ssl, const std::string& host, bool isIpLiteral, bool verify) {
  if (!isIpLiteral && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)
    return "cannot set SNI host name";
  if (!verify) return {};
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  const int ok = isIpLiteral ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                             : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  return ok == 1 ? std::string() : "cannot set the host name to verify";
}

}  // namespace minisock::detail
