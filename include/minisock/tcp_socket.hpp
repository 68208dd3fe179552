#pragma once
/// @file
/// minisock::TCPSocket, the platform's TCPSocket (wx.createTCPSocket / Taro.createTCPSocket).

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "minisock/errors.hpp"
#include "minisock/export.hpp"
#include "minisock/listener.hpp"

namespace minisock {

namespace detail {
class TCPSocketImpl;
}

/// Options of Runtime::createTCPSocket (the platform's CreateTCPSocketOption).
struct CreateTCPSocketOption {
  /// "ipv4" (default) or "ipv6". Anything else: the socket is created, then gets one Error
  /// (errCode -1) and one Close.
  std::string type = "ipv4";
};

/// A TCP client socket. Created by Runtime::createTCPSocket; from its first call (any method
/// but adding and removing listeners) the Runtime keeps it alive until its Close event, so
/// dropping the handle does not end a connection, and a `std::weak_ptr` to the handle (in a
/// listener, to avoid a cycle) stays valid until then. A socket never used can fire no event
/// (but its creation's Error and Close for an invalid type): it is released with its last
/// handle.
///
/// Thread-safety: every method may be called from any thread and from inside any listener.
/// Listeners run on the Runtime's loop thread. No method reports an error by throwing or
/// invokes a listener from inside the call: errors arrive later as an Error event.
///
/// Events, in order: Connect, Message (in byte order), then Close exactly once. A failure
/// gives Error then Close. After Close only one Error per later call arrives.
class MINISOCK_API TCPSocket {
 public:
  /// The platform's connect option. Designated initializers read like the seed:
  /// `socket->connect({.address = "127.0.0.1", .port = 9000});`
  struct ConnectOption {
    std::string address{};  ///< IPv4/IPv6 literal (brackets allowed) or host name
    int port = 0;           ///< 1-65535; anything else gives errCode 2
    /// Connect timeout (the platform's default is 2 s); covers name resolution and the
    /// TCP handshake. Must be positive (else errCode -1); very large values mean "no limit".
    std::chrono::milliseconds timeout = std::chrono::seconds(2);
  };
  /// The platform's bindWifi option.
  struct BindWifiOption {
    std::string BSSID{};  ///< e.g. "a4:5e:60:c2:1f:03"
  };

  /// The payload of onConnect listeners.
  struct ConnectEvent {};
  /// A received chunk of the byte stream.
  struct MessageEvent {
    std::span<const std::byte> message{};  ///< valid only during the listener call
    RemoteInfo remoteInfo{};               ///< the peer; remoteInfo.size == message.size()
    LocalInfo localInfo{};                 ///< this socket's local address
  };
  /// The payload of onError listeners.
  using ErrorEvent = minisock::ErrorEvent;
  /// The payload of onClose listeners.
  struct CloseEvent {};
  /// The payload of onBindWifi listeners.
  struct BindWifiEvent {};
  /// minisock's extension (the platform has no such event): see onDrain().
  struct DrainEvent {};

  /// Listeners given at creation (Runtime::createTCPSocket(option, listeners)): in place
  /// before the socket can report anything, whichever thread runs the loop. Empty ones are
  /// skipped; remove them with offX().
  struct Listeners {
    Listener<ConnectEvent> onConnect{};    ///< as onConnect()
    Listener<MessageEvent> onMessage{};    ///< as onMessage()
    Listener<ErrorEvent> onError{};        ///< as onError()
    Listener<CloseEvent> onClose{};        ///< as onClose()
    Listener<BindWifiEvent> onBindWifi{};  ///< as onBindWifi()
    Listener<DrainEvent> onDrain{};        ///< as onDrain()
  };

  /// Starts a connection (resolving a host name without blocking the loop), checked against
  /// the Runtime's Policy first. Errors: invalid address (1), invalid port (2), policy (-3),
  /// OS failure such as ECONNREFUSED (-2), timeout (-4); each followed by Close.
  /// Calling it on a socket that is already connecting or connected gives an Error only.
  void connect(ConnectOption option);

  /// Sends text (its bytes, as given). Copies before returning. Data written after connect()
  /// but before the connection is up is queued and sent in order once connected. Without a
  /// prior connect(), or after close(), gives an Error and sends nothing.
  void write(std::string_view data);
  /// Sends a C string (disambiguates string literals).
  void write(const char* data);
  /// Sends binary data. Copies before returning.
  void write(std::span<const std::byte> data);
  /// Sends text, taking ownership (no copy).
  void write(std::string&& data);
  /// Sends binary data, taking ownership (no copy).
  void write(std::vector<std::byte>&& data);

  /// Bytes written but not yet handed to the operating system.
  std::size_t bufferedAmount() const noexcept;

  /// minisock's extension (as Node's socket.pause()): stops receiving. No new read starts, so
  /// what the peer sends waits in the kernel and TCP's flow control slows the peer; nothing
  /// is lost. Data already read when pause() takes effect is still delivered (at most one
  /// Message event). Writing, close() and Close are unaffected; close() reads again to let
  /// the peer finish. Safe from any thread and from inside a listener.
  void pause();
  /// Receiving again after pause(): Message events resume with the next byte.
  void resume();
  /// Whether pause() is in effect.
  bool isPaused() const noexcept;

  /// Closes the connection gracefully: data already written is sent first (abandoned with an
  /// Error if the peer accepts nothing for 10 s), then the socket shuts down and Close fires.
  /// No Message event fires after close(). Before connect(), Close fires at once (later on
  /// the loop). Calling close() again gives an Error.
  void close();

  /// Wi-Fi binding is Android-only on the platform: always an Error — errCode 3 for a
  /// malformed BSSID, else errCode 5.
  void bindWifi(BindWifiOption option);

  /// @name Listeners
  /// `onX(fn)` registers a listener and returns its id; `offX(id)` removes that listener,
  /// `offX()` every listener of the event. A listener removed during a dispatch is not called
  /// again; one added runs from the next event.
  ///@{

  /// Connect: the connection is up.
  ListenerId onConnect(Listener<ConnectEvent> listener);
  /// Removes one Connect listener.
  void offConnect(ListenerId id);
  /// Removes every Connect listener.
  void offConnect();
  /// Message: a chunk of the byte stream, in order.
  ListenerId onMessage(Listener<MessageEvent> listener);
  /// Removes one Message listener.
  void offMessage(ListenerId id);
  /// Removes every Message listener.
  void offMessage();
  /// Error: a call or the connection failed.
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
  /// BindWifi: never fires here (Wi-Fi binding is Android-only).
  ListenerId onBindWifi(Listener<BindWifiEvent> listener);
  /// Removes one BindWifi listener.
  void offBindWifi(ListenerId id);
  /// Removes every BindWifi listener.
  void offBindWifi();
  /// minisock's extension, not on the platform: Drain fires (on the loop, never inside
  /// write()) when bytes that had to wait — queued because the OS took no more, or written
  /// before the connection was up — have all been handed to the OS, so bufferedAmount() is
  /// back to 0. A writer can continue from here instead of polling bufferedAmount().
  ListenerId onDrain(Listener<DrainEvent> listener);
  /// Removes one Drain listener.
  void offDrain(ListenerId id);
  /// Removes every Drain listener.
  void offDrain();
  ///@}

  /// Internal: made by Runtime::createTCPSocket.
  explicit TCPSocket(std::shared_ptr<detail::TCPSocketImpl> impl) noexcept;
  ~TCPSocket();
  TCPSocket(const TCPSocket&) = delete;
  TCPSocket& operator=(const TCPSocket&) = delete;

 private:
  std::shared_ptr<detail::TCPSocketImpl> impl_{};
};

}  // namespace minisock
