#pragma once
/// @file A throwaway self-signed certificate for `serve --wss`, made with OpenSSL's C API.

#include <string>

namespace minisock::cli {

/// PEM files in a fresh temporary directory, removed by the destructor.
class SelfSignedCertificate {
 public:
  /// Makes an EC P-256 key and a self-signed certificate (SHA-256, valid 7 days, SAN
  /// DNS:localhost, IP:127.0.0.1, IP:::1; CA:TRUE so that it can be trusted as its own CA).
  /// Throws std::runtime_error naming the failed step.
  SelfSignedCertificate();
  ~SelfSignedCertificate();
  SelfSignedCertificate(const SelfSignedCertificate&) = delete;
  SelfSignedCertificate& operator=(const SelfSignedCertificate&) = delete;

  /// The certificate, which is also the CA file a client trusts (`ws --ca`).
  const std::string& certFile() const noexcept { return certFile_; }
  /// Its private key (mode 0600).
  const std::string& keyFile() const noexcept { return keyFile_; }

 private:
  std::string dir_;
  std::string certFile_;
  std::string keyFile_;
};

}  // namespace minisock::cli
