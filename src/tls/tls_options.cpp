#include "tls/tls_options.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <cstring>

namespace minisock::detail {
namespace {

constexpr std::string_view kPinPrefix = "sha256//";
constexpr std::size_t kPinBase64Size = 44;  // 32 bytes: 43 characters and one '='

bool isBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

std::string quoted(std::string_view s) {
  constexpr std::size_t kShown = 80;
  std::string out = "'";
  out.append(s.substr(0, kShown));
  if (s.size() > kShown) out += "…";
  return out + "'";
}

}  // namespace

std::string pinProblem(std::string_view pin) {
  const std::string what = "the public-key pin " + quoted(pin) + " is not valid: ";
  if (pin.substr(0, kPinPrefix.size()) != kPinPrefix)
    return what + "expected sha256// followed by the base64 of a SHA-256 digest";
  const std::string_view digest = pin.substr(kPinPrefix.size());
  if (digest.size() != kPinBase64Size)
    return what + "the base64 after sha256// must be 44 characters (32 bytes), not " +
           std::to_string(digest.size());
  for (std::size_t i = 0; i + 1 < digest.size(); ++i) {
    if (!isBase64Char(digest[i])) return what + "'" + std::string(1, digest[i]) + "' is not base64";
  }
  if (digest.back() != '=') return what + "the base64 of 32 bytes ends with '='";
  return {};
}

std::string tlsSettingsProblem(const NetworkOptions& n) {
  if (!n.clientCertificateFile.empty() && !n.clientCertificatePem.empty())
    return "give the client certificate as NetworkOptions::clientCertificateFile or "
           "clientCertificatePem, not both";
  if (!n.clientKeyFile.empty() && !n.clientKeyPem.empty())
    return "give the client key as NetworkOptions::clientKeyFile or clientKeyPem, not both";
  const bool certificate = !n.clientCertificateFile.empty() || !n.clientCertificatePem.empty();
  const bool key = !n.clientKeyFile.empty() || !n.clientKeyPem.empty();
  if (certificate && !key)
    return "a client certificate needs its private key (NetworkOptions::clientKeyFile or "
           "clientKeyPem)";
  if (key && !certificate)
    return "a client key needs its certificate (NetworkOptions::clientCertificateFile or "
           "clientCertificatePem)";
  if (!n.clientKeyPassphrase.empty() && !key)
    return "NetworkOptions::clientKeyPassphrase is set but there is no client key";
  for (const std::string& pin : n.pinnedPublicKeys) {
    if (std::string problem = pinProblem(pin); !problem.empty()) return problem;
  }
  return {};
}

std::string publicKeyPin(X509* certificate) {
  X509_PUBKEY* key = certificate ? X509_get_X509_PUBKEY(certificate) : nullptr;
  if (!key) return {};
  unsigned char* der = nullptr;
  const int size = i2d_X509_PUBKEY(key, &der);
  if (size <= 0) return {};
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(der, static_cast<std::size_t>(size), digest.data());
  OPENSSL_free(der);
  std::array<char, kPinBase64Size + 1> text{};
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), digest.data(),
                  static_cast<int>(digest.size()));
  return std::string(kPinPrefix) + text.data();
}

}  // namespace minisock::detail
