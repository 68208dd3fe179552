#pragma once
// A misbehaving WebSocket server on plain POSIX sockets (no Asio, no Beast): it accepts
// connections on 127.0.0.1 (port chosen by the OS) one at a time on its own thread, reads each
// HTTP upgrade request, then hands the connection to a test's script, which answers however
// the test wants (bad status, bad headers, masked frames, invalid UTF-8, abrupt close, ...).
// Every wait is bounded; the destructor interrupts the script's waits and joins.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "raw_peers.hpp"

namespace minisock::testing {

/// WebSocket opcodes (RFC 6455 section 5.2).
namespace ws_opcode {
inline constexpr std::uint8_t continuation = 0x0;
inline constexpr std::uint8_t text = 0x1;
inline constexpr std::uint8_t binary = 0x2;
inline constexpr std::uint8_t close = 0x8;
inline constexpr std::uint8_t ping = 0x9;
inline constexpr std::uint8_t pong = 0xA;
}  // namespace ws_opcode

/// The 3-bit RSV field as a number: RSV1 = 4, RSV2 = 2, RSV3 = 1.
inline constexpr std::uint8_t kRsv1 = 4;
inline constexpr std::uint8_t kRsv2 = 2;
inline constexpr std::uint8_t kRsv3 = 1;

/// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")), via OpenSSL EVP.
std::string websocketAccept(std::string_view secWebSocketKey);

/// The first value of header `name` (case-insensitive) in an HTTP request or response head,
/// trimmed of surrounding spaces and tabs; nullopt when absent.
std::optional<std::string> headerValue(std::string_view head, std::string_view name);

/// A comma-separated header value split into trimmed, non-empty items.
std::vector<std::string> splitList(std::string_view value);

/// One frame as read from the client.
struct Frame {
  bool fin = false;
  std::uint8_t rsv = 0;  ///< the 3-bit RSV field (kRsv1 | kRsv2 | kRsv3)
  std::uint8_t opcode = 0;
  bool masked = false;
  std::array<std::uint8_t, 4> maskKey{};  ///< meaningful when masked
  std::string payload;                    ///< unmasked

  /// For a close frame: the status code (0 when the payload is shorter than 2 bytes).
  int closeCode() const;
  /// For a close frame: the reason text after the code.
  std::string closeReason() const;
};

/// One accepted connection whose upgrade request has been read. Used only on the server
/// thread, inside the script. Methods that send return false when the connection is closed or
/// the send failed.
class ScriptedConnection {
 public:
  ScriptedConnection(int fd, std::string request, std::string leftover,
                     const std::atomic<bool>& stopping);
  ~ScriptedConnection();  // closes the fd if the script did not
  ScriptedConnection(const ScriptedConnection&) = delete;
  ScriptedConnection& operator=(const ScriptedConnection&) = delete;

  /// The raw request head, up to and including the blank line.
  const std::string& request() const { return request_; }
  /// header(name): first value, case-insensitive; nullopt when absent.
  std::optional<std::string> header(std::string_view name) const;
  /// The Sec-WebSocket-Accept value for the request's Sec-WebSocket-Key.
  const std::string& acceptKey() const { return acceptKey_; }

  bool sendRaw(std::string_view bytes);
  /// "HTTP/1.1 101 Switching Protocols" with Upgrade, Connection and Sec-WebSocket-Accept,
  /// plus `extraHeaders`: complete header lines ("Name: value\r\n"; a missing final CRLF is
  /// added).
  bool sendHandshake(std::string_view extraHeaders = "");
  /// One server-to-client frame with the shortest length encoding (7, 16 or 64 bits); when
  /// `masked`, with the mask key 0x37 0xfa 0x21 0x3d (what servers must not do).
  bool sendFrame(std::uint8_t opcode, std::string_view payload, bool fin = true,
                 bool masked = false, std::uint8_t rsv = 0);
  /// A close frame with a 2-byte code and the reason.
  bool sendClose(int code, std::string_view reason = "");

  /// The next client frame, or nullopt on timeout, EOF, reset, a malformed header, a payload
  /// over 64 MiB, or server shutdown.
  std::optional<Frame> readFrame(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Closes the socket without a close frame. Pending input is discarded first so that the
  /// peer sees a FIN, not a reset.
  void closeAbruptly();
  /// Closes the socket with a TCP reset (SO_LINGER {on, 0}).
  void reset();
  /// Reads and discards until the peer closes (EOF or reset): true; false on timeout or
  /// server shutdown.
  bool waitForPeerClose(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  bool isOpen() const { return fd_ >= 0; }
  int fd() const { return fd_; }

 private:
  enum class Fill { data, timeout, closed };
  // Reads more into in_, waiting at most until `deadline`.
  Fill fill(std::chrono::steady_clock::time_point deadline);

  int fd_;
  std::string request_;
  std::string acceptKey_;
  std::string in_;  // received, not yet parsed
  const std::atomic<bool>& stopping_;
};

/// The server. The script runs once per connection, on the server thread; when it returns,
/// the connection is closed if it still is open. A request that is not complete within 16 KiB
/// and 10 s is dropped without calling the script (it is counted by connections() but not
/// recorded in requests()).
class WsScriptedServer {
 public:
  using Script = std::function<void(ScriptedConnection&)>;
  explicit WsScriptedServer(Script script);
  ~WsScriptedServer();
  WsScriptedServer(const WsScriptedServer&) = delete;
  WsScriptedServer& operator=(const WsScriptedServer&) = delete;

  int port() const { return port_; }
  /// Connections accepted so far.
  int connections() const { return server_ ? server_->accepted() : 0; }
  /// Every complete request head received so far, in order.
  std::vector<std::string> requests() const;
  /// "ws://127.0.0.1:<port>" + path.
  std::string url(std::string_view path = "/") const;

 private:
  void handle(int fd, const std::atomic<bool>& stopping);

  Script script_;
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  int port_ = 0;
  std::unique_ptr<RawServer> server_;  // last: stopped and joined first
};

/// A raw WebSocket client, to check the server itself (and the frame code both ways): connects
/// to 127.0.0.1:`port`, sends `request` as is and reads the response head (bounded).
/// connection() then speaks frames: its request() and header() are the response head's, and
/// sendFrame(..., masked = true) sends what a client must.
class RawWsClient {
 public:
  RawWsClient(int port, std::string_view request,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// The response head up to and including the blank line; empty when none came in time.
  const std::string& response() const { return connection_->request(); }
  ScriptedConnection& connection() { return *connection_; }

 private:
  std::atomic<bool> stopping_{false};
  std::unique_ptr<ScriptedConnection> connection_;
};

/// A value handed from a script (server thread) to the test (its own thread): the first set()
/// wins; the test polls ready() while it runs its Runtime.
template <class T>
class Outbox {
 public:
  void set(T value) {
    std::lock_guard lock(state_->mutex);
    if (!state_->value) state_->value = std::move(value);
  }
  bool ready() const {
    std::lock_guard lock(state_->mutex);
    return state_->value.has_value();
  }
  /// The value (call after ready()); throws std::bad_optional_access when unset.
  T get() const {
    std::lock_guard lock(state_->mutex);
    return state_->value.value();
  }

 private:
  struct State {
    std::mutex mutex;
    std::optional<T> value;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace minisock::testing
