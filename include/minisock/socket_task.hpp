#pragma once
/// @file
/// minisock::SocketTask, the platform's WebSocket task (wx.connectSocket /
/// Taro.connectSocket).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "minisock/errors.hpp"
#include "minisock/export.hpp"
#include "minisock/listener.hpp"

namespace minisock {

namespace detail {
class SocketTaskImpl;
}

/// HTTP header fields, in order (names are case-insensitive).
using HeaderFields = std::vector<std::pair<std::string, std::string>>;

/// The platform's unified errno values carried in ErrorEvent::errNo / CallbackResult::errNo.
enum class UnifiedErrno : int {
  unknownNetworkError = 600000,  ///< a network failure without a more specific code
  urlNotInDomainList = 600002,   ///< the URL's host is not in the Policy's domain list
  networkInterrupted = 600003,   ///< the connection was lost (no close frame)
  exceedMaxTaskCount = 600007,   ///< more tasks than Policy::maxWebSockets at once
  invalidURL = 600009,           ///< the URL does not parse as ws:// or wss://
};

/// Options of Runtime::connectSocket (the platform's connectSocket option).
struct ConnectSocketOption {
  std::string url{};      ///< ws:// or wss:// (the Policy decides whether ws is allowed)
  HeaderFields header{};  ///< extra request headers; Referer, CR/LF and invalid names refused
  std::vector<std::string> protocols{};  ///< Sec-WebSocket-Protocol offers
  bool tcpNoDelay = false;               ///< TCP_NODELAY (the platform's default: off)
  bool perMessageDeflate = false;        ///< offer the permessage-deflate extension
  /// The whole opening handshake (resolve, TCP, TLS, HTTP upgrade); the platform's default
  /// and maximum are 60 s. Must be positive; a larger value is capped at 60 s
  /// (SocketTask::kMaxOpeningTimeout), as the platform does (code that passes 120000 works
  /// there).
  std::chrono::milliseconds timeout = std::chrono::seconds(60);
  /// OPTIONS, GET, HEAD, POST, PUT, DELETE, TRACE or CONNECT (any case; empty = GET), as the
  /// platform documents; the handshake itself is always sent with GET (RFC 6455 4.1).
  std::string method = "GET";
  Callback success{};   ///< "connectSocket:ok", when the task is created
  Callback fail{};      ///< "connectSocket:fail <reason>"
  Callback complete{};  ///< after success or fail
  /// Extension: when positive, ping the server after this long without traffic and fail the
  /// connection (Error, then Close 1006) if nothing arrives within another such period.
  std::chrono::milliseconds heartbeat{0};
};

/// A WebSocket client connection. Created by Runtime::connectSocket, which returns it at once;
/// the Runtime keeps it alive until its Close event (a `std::weak_ptr` to the handle stays
/// valid until then).
///
/// Thread-safety and events follow TCPSocket: any method from any thread or listener;
/// listeners run on the loop thread; Open, Message…, then Close exactly once; Error at most
/// once, always followed by Close.
class MINISOCK_API SocketTask {
 public:
  static constexpr int CONNECTING = 0;  ///< readyState(): the opening handshake is under way
  static constexpr int OPEN = 1;        ///< readyState(): open; messages can be sent
  static constexpr int CLOSING = 2;     ///< readyState(): the closing handshake is under way
  static constexpr int CLOSED = 3;      ///< readyState(): closed (or never opened)
  /// The most bytes a server's upgrade answer may take from its status line to the blank line
  /// that ends its header fields, counted exactly. A longer answer fails the opening handshake
  /// with an Error whose errMsg names this limit, then Close 1006. Fixed, not a Policy field:
  /// it is the most that Beast 1.81's HTTP parser (whose limit its WebSocket handshake does
  /// not let a client change) accepts however the answer is cut into TCP segments.
  static constexpr std::size_t kMaxUpgradeAnswerHeaderBytes = 8192;
  /// The most bytes one header field of the upgrade request may take, in its name or in its
  /// value: each `header` field, and `protocols` joined with ", " (one Sec-WebSocket-Protocol
  /// value). A longer one is refused through `fail` before any connection is made, the errMsg
  /// naming the field and this limit. Fixed: Beast 1.81 keeps a field's sizes in 16 bits.
  static constexpr std::size_t kMaxRequestFieldBytes = 65533;
  /// How long the task waits, once the close frames have been exchanged (or once it has sent
  /// its own close frame because the server broke the protocol), for the server to end the TCP
  /// connection (RFC 6455 7.1.1: the server ends it first). Then the task ends it itself: the
  /// Close comes at most this long after the closing handshake, with the code the close
  /// frames carried, whatever the server does with TCP. Chromium waits 2 s too.
  static constexpr std::chrono::milliseconds kServerEndTimeout{2000};
  /// The longest opening handshake: ConnectSocketOption::timeout is capped at it.
  static constexpr std::chrono::milliseconds kMaxOpeningTimeout{60000};

  /// Binary data shared with the caller instead of copied (an extension: the same bytes sent
  /// many times, or by many tasks, without a copy each). The bytes must not change until the
  /// send's callbacks have run. A null pointer is refused through `fail`.
  using SharedBytes = std::shared_ptr<const std::vector<std::byte>>;
  /// Text (std::string, must be UTF-8), binary (std::vector<std::byte>) or shared binary data.
  using Data = std::variant<std::string, std::vector<std::byte>, SharedBytes>;

  /// The platform's send option: `task->send({.data = "xxx"})`.
  struct SendOption {
    Data data{};          ///< the message: text, binary or shared binary
    Callback success{};   ///< "sendSocketMessage:ok" once the message is handed to the OS
    Callback fail{};      ///< e.g. "sendSocketMessage:fail webSocket is not connected"
    Callback complete{};  ///< after success or fail
  };
  /// The platform's close option.
  struct CloseOption {
    int code = 1000;       ///< 1000 or 3000-4999
    std::string reason{};  ///< at most 123 bytes of UTF-8
    Callback success{};    ///< "closeSocket:ok"
    Callback fail{};       ///< "closeSocket:fail <reason>"
    Callback complete{};   ///< after success or fail
  };

  /// Timings of the opening handshake, in milliseconds (timestamps since the Unix epoch).
  struct Profile {
    double fetchStart = 0;         ///< connectSocket was called
    double domainLookUpStart = 0;  ///< name resolution started
    double domainLookUpEnd = 0;    ///< name resolution ended
    double connectStart = 0;       ///< the TCP connection started
    double connectEnd = 0;         ///< TCP and TLS established
    double handshakeCost = 0;      ///< the HTTP upgrade exchange
    double cost = 0;               ///< connectSocket to open
    double rtt = 0;                ///< TCP connect (and TLS) duration
    /// Extension: the TLS session was resumed (NetworkOptions::tlsSessionResumption); false
    /// for ws and for a full TLS handshake.
    bool tlsSessionReused = false;
  };

  /// The payload of onOpen listeners.
  struct OpenEvent {
    HeaderFields header{};   ///< the server's 101 response headers
    Profile profile{};       ///< timings of the opening handshake
    std::string protocol{};  ///< the negotiated subprotocol, or empty
  };
  /// The payload of onMessage listeners: one whole message.
  struct MessageEvent {
    /// Text or binary; valid only during the listener call.
    std::variant<std::string_view, std::span<const std::byte>> data{};
  };
  /// The payload of onError listeners.
  using ErrorEvent = minisock::ErrorEvent;
  /// The payload of onClose listeners.
  struct CloseEvent {
    int code = 0;  ///< as exchanged in the closing handshake; 1006 when the connection was lost
    std::string reason{};  ///< the peer's reason text, as sent
  };

  /// Listeners given at creation (Runtime::connectSocket(option, listeners)): in place before
  /// the task can report anything, whichever thread runs the loop (a task starts at once).
  struct Listeners {
    Listener<OpenEvent> onOpen{};        ///< as onOpen()
    Listener<MessageEvent> onMessage{};  ///< as onMessage()
    Listener<ErrorEvent> onError{};      ///< as onError()
    Listener<CloseEvent> onClose{};      ///< as onClose()
  };

  /// Sends one message. Before Open or after close: `fail` (never an exception). Messages leave
  /// in order; non-UTF-8 text is refused through `fail` (send it as binary).
  void send(SendOption option);
  /// Starts the closing handshake: sends a close frame, waits (at most 5 s) for the server's,
  /// then Close with the exchanged code and reason. While connecting: cancels (Close 1006).
  void close(CloseOption option);
  /// close({}) : code 1000, no reason.
  void close();

  /// minisock's extension (as Node's socket.pause()): stops receiving between reads. No new
  /// read starts, so what the server sends waits in the kernel and TCP's flow control slows
  /// the server; nothing is lost. A message already read when pause() takes effect is still
  /// delivered (at most one Message event). While paused, the server's pings, close frame
  /// and heartbeat timeout are not seen either (they wait behind its messages); send() and
  /// close() work as usual (close() reads until the server's answer). Safe from any thread
  /// and from inside a listener.
  void pause();
  /// Receiving again after pause().
  void resume();
  /// Whether pause() is in effect.
  bool isPaused() const noexcept;

  /// CONNECTING, OPEN, CLOSING or CLOSED.
  int readyState() const noexcept;
  /// Unique per Runtime, from 1.
  std::uint64_t socketTaskId() const noexcept;
  /// Bytes of messages sent and not yet handed to the OS.
  std::size_t bufferedAmount() const noexcept;

  /// @name Listeners
  /// `onX(fn)` registers a listener and returns its id; `offX(id)` removes that listener,
  /// `offX()` every listener of the event (an extension: the platform has no offX). A
  /// listener removed during a dispatch is not called again; one added runs from the next
  /// event.
  ///@{

  /// Open: the opening handshake succeeded.
  ListenerId onOpen(Listener<OpenEvent> listener);
  /// Removes one Open listener.
  void offOpen(ListenerId id);
  /// Removes every Open listener.
  void offOpen();
  /// Message: one whole message from the server.
  ListenerId onMessage(Listener<MessageEvent> listener);
  /// Removes one Message listener.
  void offMessage(ListenerId id);
  /// Removes every Message listener.
  void offMessage();
  /// Error: at most once, always followed by Close.
  ListenerId onError(Listener<ErrorEvent> listener);
  /// Removes one Error listener.
  void offError(ListenerId id);
  /// Removes every Error listener.
  void offError();
  /// Close: exactly once, last.
  ListenerId onClose(Listener<CloseEvent> listener);
  /// Removes one Close listener.
  void offClose(ListenerId id);
  /// Removes every Close listener.
  void offClose();
  ///@}

  /// Internal: made by Runtime::connectSocket.
  explicit SocketTask(std::shared_ptr<detail::SocketTaskImpl> impl) noexcept;
  ~SocketTask();
  SocketTask(const SocketTask&) = delete;
  SocketTask& operator=(const SocketTask&) = delete;

 private:
  std::shared_ptr<detail::SocketTaskImpl> impl_{};
};

}  // namespace minisock
