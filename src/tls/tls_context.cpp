#include "tls/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tls/tls_options.hpp"

namespace minisock::detail {
namespace {

// The order in which Chrome, Firefox and Safari offer TLS 1.3 cipher suites.
constexpr std::string_view kTls13Preference[] = {
    "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_256_GCM_SHA384"};

// Puts the TLS 1.3 suites `ctx` offers in browsers' order (others after, as they were): the
// same suites, so that a system's crypto policy (e.g. one without AES-128) still decides which.
void preferBrowsersTls13Order(SSL_CTX* ctx) {
  std::vector<std::string> suites;
  const STACK_OF(SSL_CIPHER)* offered = SSL_CTX_get_ciphers(ctx);
  for (int i = 0; offered != nullptr && i < sk_SSL_CIPHER_num(offered); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(offered, i);
    if (std::strcmp(SSL_CIPHER_get_version(c), "TLSv1.3") == 0)
      suites.emplace_back(SSL_CIPHER_get_name(c));
  }
  const auto rank = [](const std::string& name) {
    const auto* at = std::find(std::begin(kTls13Preference), std::end(kTls13Preference), name);
    return at - std::begin(kTls13Preference);
  };
  std::stable_sort(suites.begin(), suites.end(),
                   [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  std::string list;
  for (const std::string& name : suites) list += (list.empty() ? "" : ":") + name;
  if (!list.empty() && SSL_CTX_set_ciphersuites(ctx, list.c_str()) != 1) ERR_clear_error();
}

// At most this many servers' sessions are kept per Runtime (one each).
constexpr std::size_t kMaxSessions = 256;

// What minisock keeps on each SSL object (its ex_data slot, owned by the SSL).
struct ConnectionState {
  std::string sessionKey;  // "host port"; empty: keep no session of this connection
  bool certificateRequested = false;
};

void freeConnectionState(void*, void* data, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<ConnectionState*>(data);
}

int connectionStateIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, freeConnectionState);
  return index;
}

ConnectionState* connectionState(const SSL* ssl) {
  return static_cast<ConnectionState*>(SSL_get_ex_data(ssl, connectionStateIndex()));
}

// Called by OpenSSL when a server asks for a client certificate (a CertificateRequest).
int onCertificateRequested(SSL* ssl, void*) {
  if (ConnectionState* state = connectionState(ssl)) state->certificateRequested = true;
  return 1;
}

// The OpenSSL reason of the last error, cleared, or `fallback`.
std::string lastOpenSslReason(const char* fallback) {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  return reason ? reason : fallback;
}

// The text of `file`, or a problem naming it.
bool readFile(const std::string& path, const char* field, std::string& text, std::string& problem) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problem = std::string("cannot read NetworkOptions::") + field + " '" + path +
              "': " + std::strerror(errno);
    return false;
  }
  text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

struct PassphraseState {
  const std::string* passphrase;
  bool asked = false;
};

int passphraseCallback(char* buffer, int size, int, void* user) {
  auto* state = static_cast<PassphraseState*>(user);
  state->asked = true;
  const auto n = static_cast<int>(
      std::min<std::size_t>(state->passphrase->size(), static_cast<std::size_t>(size)));
  std::memcpy(buffer, state->passphrase->data(), static_cast<std::size_t>(n));
  return n;
}

}  // namespace

TlsContext::TlsContext(const Policy& policy, const NetworkOptions& network)
    : context_(boost::asio::ssl::context::tls_client),
      verify_(policy.verifyCertificates),
      resume_(network.tlsSessionResumption),
      pins_(network.pinnedPublicKeys) {
  SSL_CTX* ctx = context_.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // TLS 1.3 suites in the order browsers offer them (OpenSSL's own puts AES-256 first): a
  // server that follows the client's order (OpenSSL's default) picks AES-128-GCM with SHA-256,
  // cheaper per handshake (SHA-256 has CPU instructions where SHA-384 has none) and per byte.
  preferBrowsersTls13Order(ctx);
  SSL_CTX_set_app_data(ctx, this);
  SSL_CTX_set_cert_cb(ctx, &onCertificateRequested, nullptr);
  if (resume_) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, &TlsContext::onNewSession);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  }
  loadError_ = tlsSettingsProblem(network);
  boost::system::error_code ec;
  context_.set_default_verify_paths(ec);
  if (loadError_.empty() && !policy.caFile.empty()) {
    context_.load_verify_file(policy.caFile, ec);
    if (ec) loadError_ = "cannot load Policy::caFile '" + policy.caFile + "': " + ec.message();
  }
  if (loadError_.empty() && !network.caPem.empty()) {
    context_.add_certificate_authority(boost::asio::buffer(network.caPem), ec);
    if (ec) loadError_ = "cannot load NetworkOptions::caPem: " + ec.message();
  }
  if (loadError_.empty()) loadClientIdentity(network);
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
  ERR_clear_error();
}

TlsContext::~TlsContext() {
  // An SSL object may outlive this (it holds the SSL_CTX): no callback may find us then.
  SSL_CTX_sess_set_new_cb(context_.native_handle(), nullptr);
  SSL_CTX_set_app_data(context_.native_handle(), nullptr);
  for (auto& [key, session] : sessions_) SSL_SESSION_free(session);
}

void TlsContext::loadClientIdentity(const NetworkOptions& network) {
  const bool fromFile = !network.clientCertificateFile.empty();
  if (!fromFile && network.clientCertificatePem.empty()) return;
  hasClientCertificate_ = true;
  std::string certificate = network.clientCertificatePem;
  if (fromFile &&
      !readFile(network.clientCertificateFile, "clientCertificateFile", certificate, loadError_))
    return;
  const std::string certificateName =
      fromFile ? "NetworkOptions::clientCertificateFile '" + network.clientCertificateFile + "'"
               : std::string("NetworkOptions::clientCertificatePem");
  boost::system::error_code ec;
  context_.use_certificate_chain(boost::asio::buffer(certificate), ec);
  if (ec) {
    loadError_ = "cannot load the client certificate (" + certificateName +
                 "): " + (ec.message().empty() ? "no PEM certificate" : ec.message());
    return;
  }

  const bool keyFromFile = !network.clientKeyFile.empty();
  std::string key = network.clientKeyPem;
  if (keyFromFile && !readFile(network.clientKeyFile, "clientKeyFile", key, loadError_)) return;
  const std::string keyName = keyFromFile
                                  ? "NetworkOptions::clientKeyFile '" + network.clientKeyFile + "'"
                                  : std::string("NetworkOptions::clientKeyPem");
  BIO* bio = BIO_new_mem_buf(key.data(), static_cast<int>(key.size()));
  PassphraseState state{&network.clientKeyPassphrase};
  EVP_PKEY* pkey =
      bio ? PEM_read_bio_PrivateKey(bio, nullptr, &passphraseCallback, &state) : nullptr;
  BIO_free(bio);
  if (!pkey) {
    const std::string reason = lastOpenSslReason("no PEM private key");
    if (state.asked && network.clientKeyPassphrase.empty()) {
      loadError_ = "the client key (" + keyName +
                   ") is encrypted and NetworkOptions::clientKeyPassphrase is empty";
    } else if (state.asked) {
      loadError_ = "cannot decrypt the client key (" + keyName +
                   "): wrong passphrase (OpenSSL: " + reason + ")";
    } else {
      loadError_ = "cannot load the client key (" + keyName + "): " + reason;
    }
    return;
  }
  SSL_CTX* ctx = context_.native_handle();
  const bool used = SSL_CTX_use_PrivateKey(ctx, pkey) == 1;
  EVP_PKEY_free(pkey);
  if (!used || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    loadError_ = "the client key (" + keyName + ") does not match the client certificate (" +
                 certificateName + ")";
  }
}

std::string TlsContext::prepare(SSL* ssl, const std::string& host, bool isIpLiteral,
                                std::uint16_t port) {
  if (!isIpLiteral && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)
    return "cannot set SNI host name";
  if (verify_) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int ok = isIpLiteral ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                               : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    if (ok != 1) return "cannot set the host name to verify";
  }
  auto state = std::make_unique<ConnectionState>();
  if (resume_) {
    state->sessionKey = host + " " + std::to_string(port);
    std::lock_guard lock(sessionsMutex_);
    if (auto found = sessions_.find(state->sessionKey); found != sessions_.end()) {
      SSL_set_session(ssl, found->second);
      // A TLS 1.3 ticket is for one use (RFC 8446 appendix C.4): the server sends new ones.
      if (SSL_SESSION_get_protocol_version(found->second) == TLS1_3_VERSION) {
        SSL_SESSION_free(found->second);
        sessions_.erase(found);
      }
    }
  }
  if (SSL_set_ex_data(ssl, connectionStateIndex(), state.get()) != 1)
    return "cannot keep the connection's TLS state";
  state.release();
  return {};
}

bool TlsContext::clientCertificateRequested(const SSL* ssl) {
  const ConnectionState* state = connectionState(ssl);
  return state && state->certificateRequested;
}

int TlsContext::onNewSession(SSL* ssl, SSL_SESSION* session) {
  auto* self = static_cast<TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  const ConnectionState* state = connectionState(ssl);
  if (!self || !state || state->sessionKey.empty() || SSL_SESSION_is_resumable(session) != 1)
    return 0;
  self->keep(state->sessionKey, session);
  return 1;  // the reference is ours now
}

void TlsContext::keep(const std::string& key, SSL_SESSION* session) {
  std::lock_guard lock(sessionsMutex_);
  auto [slot, added] = sessions_.try_emplace(key, session);
  if (!added) {
    SSL_SESSION_free(slot->second);
    slot->second = session;
  } else if (sessions_.size() > kMaxSessions) {
    auto victim = sessions_.begin();
    if (victim == slot) ++victim;
    SSL_SESSION_free(victim->second);
    sessions_.erase(victim);
  }
}

void TlsContext::forget(SSL* ssl) {
  ConnectionState* state = connectionState(ssl);
  if (!state || state->sessionKey.empty()) return;
  std::lock_guard lock(sessionsMutex_);
  if (auto found = sessions_.find(state->sessionKey); found != sessions_.end()) {
    SSL_SESSION_free(found->second);
    sessions_.erase(found);
  }
  state->sessionKey.clear();  // tickets that arrive later on this connection are not kept
}

std::string TlsContext::checkPins(SSL* ssl) {
  if (pins_.empty() || SSL_session_reused(ssl) == 1) return {};
  auto pinned = [&](X509* certificate) {
    const std::string pin = publicKeyPin(certificate);
    return !pin.empty() && std::find(pins_.begin(), pins_.end(), pin) != pins_.end();
  };
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (pinned(leaf)) return {};
  STACK_OF(X509)* chain = SSL_get0_verified_chain(ssl);
  if (!chain) chain = SSL_get_peer_cert_chain(ssl);
  for (int i = 0; chain && i < sk_X509_num(chain); ++i) {
    if (pinned(sk_X509_value(chain, i))) return {};
  }
  forget(ssl);
  const std::string actual = publicKeyPin(leaf);
  return "the server's public key is not pinned: its pin is " +
         (actual.empty() ? std::string("unknown (no certificate)") : actual) +
         ", and none of the " + std::to_string(pins_.size()) +
         " in NetworkOptions::pinnedPublicKeys matches a key of its certificate chain";
}

}  // namespace minisock::detail
