#pragma once
// A TLS terminator for the tests: it accepts TLS connections on 127.0.0.1 (port chosen by the
// OS) with the throwaway server certificate of tlsFiles(), connects each to a plaintext
// backend on 127.0.0.1:`backendPort` and relays bytes both ways until either side closes. So a
// scripted (misbehaving) plaintext server becomes a wss:// one: the client's TLS is real,
// what the script sends arrives decrypted by the client as it was written. Plain POSIX sockets
// and OpenSSL; one connection at a time on the server's thread; every wait is bounded.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "raw_peers.hpp"

namespace minisock::testing {

class TlsRelay {
 public:
  struct Options {
    std::string cert{};  ///< certificate chain file; empty = tlsFiles().serverCert
    std::string key{};   ///< its key; empty = tlsFiles().serverKey
    /// When set: a client certificate issued by this CA file is required (mutual TLS).
    std::string requireClientCa{};
    bool sessionTickets = true;  ///< false: no session tickets (TLS 1.3 or 1.2)
    bool sessionCache = true;    ///< false: no server-side session cache (TLS 1.2 session ids)
    int maxVersion = 0;          ///< e.g. TLS1_2_VERSION (0x0303); 0 = the highest
  };
  /// Serves TLS 1.2+ with tlsFiles().serverCert (SAN localhost, 127.0.0.1, ::1).
  explicit TlsRelay(int backendPort) : TlsRelay(backendPort, Options{}) {}
  TlsRelay(int backendPort, const Options& options);
  ~TlsRelay();
  TlsRelay(const TlsRelay&) = delete;
  TlsRelay& operator=(const TlsRelay&) = delete;

  int port() const { return server_->port(); }
  /// "wss://localhost:<port>" + path.
  std::string url(std::string_view path = "/") const;
  /// TLS handshakes completed so far.
  int handshakes() const { return handshakes_.load(); }
  /// Of those, the ones that resumed a session.
  int resumedHandshakes() const { return resumed_.load(); }
  /// What the relay saw of one connection whose TLS handshake completed.
  struct Connection {
    bool resumed = false;
    std::string version{};  ///< e.g. "TLSv1.3"
    std::string cipher{};   ///< e.g. "TLS_AES_128_GCM_SHA256"
    /// TCP segments with data that had come from the client when its first application bytes
    /// (for a WebSocket client: the upgrade request) were read, those included (Linux's
    /// tcpi_data_segs_in); 0 until then.
    int dataSegmentsToFirstBytes = 0;
  };
  /// The connections so far, in the order they were accepted. A connection is recorded before
  /// its first bytes reach the backend, so before the client can see any answer to them.
  std::vector<Connection> connections() const {
    std::lock_guard lock(mutex_);
    return connections_;
  }
  /// TLS handshakes that failed (e.g. no or a wrong client certificate).
  int failedHandshakes() const { return failed_.load(); }
  /// failedHandshakes() once it reaches `n`, or after `limit` whatever it is: the client may
  /// see the refusal (TLS 1.3: the server's alert after the client's Finished) before the
  /// relay's thread has counted it.
  int failedHandshakesReaching(int n,
                               std::chrono::milliseconds limit = std::chrono::seconds(5)) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (failed_.load() < n && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return failed_.load();
  }

 private:
  void relay(int fd, const std::atomic<bool>& stopping);

  int backendPort_;
  void* ctx_ = nullptr;  // SSL_CTX*
  std::atomic<int> handshakes_{0};
  std::atomic<int> resumed_{0};
  std::atomic<int> failed_{0};
  mutable std::mutex mutex_;
  std::vector<Connection> connections_{};  // guarded by mutex_
  std::unique_ptr<RawServer> server_;      // last: stopped and joined first
};

}  // namespace minisock::testing
