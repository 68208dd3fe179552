#include "self_signed.hpp"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <vector>

namespace minisock::cli {
namespace {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};
using PKeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
struct FileCloser {
  void operator()(FILE* file) const { std::fclose(file); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

void check(bool ok, const char* step) {
  if (!ok) throw std::runtime_error(std::string("cannot make a certificate: ") + step + " failed");
}

void addExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

FilePtr openPrivate(const std::string& path) {
  // The key file is created 0600: a throwaway key is still a key.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  check(fd >= 0, "creating a file in the temporary directory");
  FilePtr file(::fdopen(fd, "w"));
  if (!file) ::close(fd);
  check(file != nullptr, "fdopen");
  return file;
}

}  // namespace

SelfSignedCertificate::SelfSignedCertificate() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/minisock-serve-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  check(::mkdtemp(buffer.data()) != nullptr, "mkdtemp");
  dir_ = buffer.data();
  certFile_ = dir_ + "/cert.pem";
  keyFile_ = dir_ + "/key.pem";

  try {
    PKeyPtr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen(P-256)");
    X509Ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");

    unsigned char serial[16];
    check(RAND_bytes(serial, sizeof serial) == 1, "RAND_bytes");
    serial[0] &= 0x7f;  // a positive serial number
    BignumPtr bn(BN_bin2bn(serial, sizeof serial, nullptr));
    check(bn && BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) != nullptr,
          "setting the serial number");
    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600) != nullptr, "notAfter");
    check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");

    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(
              name, "CN", MBSTRING_ASC,
              reinterpret_cast<const unsigned char*>("minisock serve (throwaway)"), -1, -1, 0) == 1,
          "setting the subject");
    check(X509_set_issuer_name(cert.get(), name) == 1, "setting the issuer");
    addExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    addExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
    addExtension(cert.get(), NID_ext_key_usage, "serverAuth");
    addExtension(cert.get(), NID_subject_key_identifier, "hash");
    addExtension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

    {
      FilePtr keyOut = openPrivate(keyFile_);
      check(
          PEM_write_PrivateKey(keyOut.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "writing the key");
    }
    {
      FilePtr certOut = openPrivate(certFile_);
      check(PEM_write_X509(certOut.get(), cert.get()) == 1, "writing the certificate");
      ::fchmod(::fileno(certOut.get()), 0644);
    }
  } catch (...) {
    ::unlink(keyFile_.c_str());
    ::unlink(certFile_.c_str());
    ::rmdir(dir_.c_str());
    throw;
  }
}

SelfSignedCertificate::~SelfSignedCertificate() {
  ::unlink(keyFile_.c_str());
  ::unlink(certFile_.c_str());
  ::rmdir(dir_.c_str());
}

}  // namespace minisock::cli
