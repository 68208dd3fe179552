#pragma once
// Throwaway TLS material for the wss tests, made once per process with the `openssl`
// command-line tool in a fresh temporary directory (removed at exit).

#include <chrono>
#include <string>
#include <vector>

namespace minisock::testing {

/// Paths of PEM files. Keys are EC P-256, signatures SHA-256.
struct TlsFiles {
  std::string dir;            ///< the temporary directory holding everything below
  std::string caCert;         ///< the throwaway CA ("minisock test CA")
  std::string serverCert;     ///< signed by caCert; SAN DNS:localhost, IP:127.0.0.1, IP:::1; 1 day
  std::string serverKey;      ///< key of serverCert
  std::string expiredCert;    ///< signed by caCert, same SAN, notAfter one day before notBefore
  std::string expiredKey;     ///< key of expiredCert
  std::string wrongHostCert;  ///< signed by caCert, valid, SAN DNS:wrong.example only
  std::string wrongHostKey;   ///< key of wrongHostCert
  std::string otherCaCert;    ///< an unrelated CA that signed none of the above
};

/// More PEM files, for the TLS extensions (client certificates, pins), in tlsFiles().dir.
struct MoreTlsFiles {
  std::string clientCert;          ///< signed by caCert; extendedKeyUsage clientAuth
  std::string clientKey;           ///< its key, not encrypted
  std::string clientKeyEncrypted;  ///< the same key, encrypted (AES-256) with kKeyPassphrase
  std::string otherCaClientCert;   ///< a client certificate signed by otherCaCert
  std::string otherCaClientKey;    ///< its key
  std::string intermediateCaCert;  ///< an intermediate CA, signed by caCert
  std::string chainedServerCert;   ///< leaf (as serverCert's SAN) signed by the intermediate,
                                   ///< followed by the intermediate
  std::string chainedServerKey;    ///< its key
  static constexpr const char* kKeyPassphrase = "minisock test passphrase";
};

/// Generates MoreTlsFiles on first use (thread-safe), after tlsFiles().
const MoreTlsFiles& moreTlsFiles();

/// The file's content (throws std::runtime_error when it cannot be read).
std::string readTextFile(const std::string& path);

/// Generates the files on first use (thread-safe) and returns them. Throws std::runtime_error
/// naming the failing command (and its output) when the openssl tool fails.
const TlsFiles& tlsFiles();

/// The result of runCommand.
struct CommandResult {
  int exitCode = -1;   ///< the exit status; -1 when killed (deadline) or not exited normally
  std::string output;  ///< stdout and stderr, interleaved
  bool timedOut = false;
};

/// Runs argv[0] (looked up in PATH) with stdin from /dev/null, capturing stdout and stderr;
/// kills it with SIGKILL after `limit`. Throws std::runtime_error when it cannot be started.
CommandResult runCommand(const std::vector<std::string>& argv,
                         std::chrono::milliseconds limit = std::chrono::seconds(30));

}  // namespace minisock::testing
