#pragma once
/// @file
/// minisock::UDPSocket, the platform's UDPSocket (wx.createUDPSocket / Taro.createUDPSocket).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "minisock/errors.hpp"
#include "minisock/export.hpp"
#include "minisock/listener.hpp"

namespace minisock {

namespace detail {
class UDPSocketImpl;
}

/// A UDP socket. Created by Runtime::createUDPSocket("udp4" or "udp6"); from its first call
/// (any method but adding and removing listeners) the Runtime keeps it alive until its Close
/// event (a `std::weak_ptr` to the handle stays valid until then). One never used is released
/// with its last handle, as TCPSocket.
///
/// Thread-safety and events follow TCPSocket: any method from any thread or listener;
/// listeners run on the loop thread; errors arrive as Error events, never as exceptions.
/// Each received datagram is one Message event, never merged or split.
class MINISOCK_API UDPSocket {
 public:
  /// Text (std::string) or bytes (std::vector<std::byte>).
  using Message = std::variant<std::string, std::vector<std::byte>>;

  /// The platform's send option, in WeChat's shape
  /// (`udp->send({.address = "127.0.0.1", .port = 9000, .message = "hi"})`) or Taro's
  /// (`{.data = "hi", .success = …, .fail = …, .complete = …}`, to the connected peer).
  struct SendOption {
    /// IPv4/IPv6 literal or host name (resolved without blocking). On a connected socket,
    /// empty (with port 0) sends to the peer.
    std::string address{};
    int port = 0;       ///< 1-65535; 0 with an empty address: the connected peer
    Message message{};  ///< the datagram's payload (text is sent as its UTF-8 bytes)
    /// Taro's name for the payload: when set, it is sent instead of `message`.
    std::optional<Message> data{};
    /// Start of the slice of `message` to send (bytes; default 0).
    std::int64_t offset = 0;
    /// Length of the slice (default: to the end of `message`).
    std::optional<std::int64_t> length{};
    /// Allow sending to a broadcast address (SO_BROADCAST).
    bool setBroadcast = false;
    /// Taro's callbacks: "send:ok" once the datagram is handed to the OS; "send:fail <reason>"
    /// when it is refused or cannot leave (the Error event fires as well, as on the platform);
    /// complete after either. Run on the loop, never inside send().
    Callback success{};
    Callback fail{};      ///< see `success`
    Callback complete{};  ///< see `success`
  };
  /// The platform's connect option (UDP connect: fixes the peer for write()).
  struct ConnectOption {
    std::string address{};  ///< IPv4/IPv6 literal or host name
    int port = 0;           ///< 1-65535
  };

  /// The payload of onListening listeners.
  struct ListeningEvent {};
  /// The payload of onMessage listeners: one datagram.
  struct MessageEvent {
    std::span<const std::byte> message{};  ///< one datagram; valid only during the listener call
    RemoteInfo remoteInfo{};               ///< the sender; remoteInfo.size == message.size()
    LocalInfo localInfo{};                 ///< this socket's bound address
  };
  /// The payload of onError listeners.
  using ErrorEvent = minisock::ErrorEvent;
  /// The payload of onClose listeners.
  struct CloseEvent {};

  /// Listeners given at creation (Runtime::createUDPSocket(type, listeners)): in place
  /// before the socket can report anything, whichever thread runs the loop.
  struct Listeners {
    Listener<ListeningEvent> onListening{};  ///< as onListening()
    Listener<MessageEvent> onMessage{};      ///< as onMessage()
    Listener<ErrorEvent> onError{};          ///< as onError()
    Listener<CloseEvent> onClose{};          ///< as onClose()
  };

  /// Binds a port chosen by the system, on the calling thread. Returns the bound port at once
  /// (whether or not the loop runs); Listening follows on the loop. On failure returns 0 and
  /// an Error (errCode -2 with the errno) follows.
  int bind();
  /// Binds `port` (1-65535); as bind(). An invalid port returns 0 and gives errCode 2.
  int bind(int port);

  /// Sends one datagram. Before bind(), binds a free port first (Listening fires), as the OS
  /// does. Errors: invalid address (1), invalid port (2), invalid offset/length (-1), policy
  /// (-3), OS failure (-2); after close(): "task already closed". Each gives an Error event,
  /// and `fail`/`complete` when given.
  void send(SendOption option);
  /// Fixes the peer (UDP connect); then write() sends to it.
  void connect(ConnectOption option);
  /// send() over the connected peer (the address and port given are checked like send's).
  void write(SendOption option);
  /// Sets the IP TTL / IPv6 hop limit: 0-255, else an Error.
  void setTTL(int ttl);
  /// Closes and releases the socket: Close fires once; later send() calls give an Error each,
  /// and no Message fires again.
  void close();

  /// Datagrams lost on receive and counted: dropped by the kernel for lack of buffer space
  /// (the socket's SO_MEMINFO drop count, read after bursts) or by minisock for exceeding
  /// Policy::maxUDPMessageSize.
  std::uint64_t droppedCount() const noexcept;

  /// @name Listeners
  /// `onX(fn)` registers a listener and returns its id; `offX(id)` removes that listener,
  /// `offX()` every listener of the event. A listener removed during a dispatch is not called
  /// again; one added runs from the next event.
  ///@{

  /// Listening: the socket is bound (after bind(), or the first send()).
  ListenerId onListening(Listener<ListeningEvent> listener);
  /// Removes one Listening listener.
  void offListening(ListenerId id);
  /// Removes every Listening listener.
  void offListening();
  /// Message: one datagram received.
  ListenerId onMessage(Listener<MessageEvent> listener);
  /// Removes one Message listener.
  void offMessage(ListenerId id);
  /// Removes every Message listener.
  void offMessage();
  /// Error: a call or the socket failed.
  ListenerId onError(Listener<ErrorEvent> listener);
  /// Removes one Error listener.
  void offError(ListenerId id);
  /// Removes every Error listener.
  void offError();
  /// Close: exactly once, after close().
  ListenerId onClose(Listener<CloseEvent> listener);
  /// Removes one Close listener.
  void offClose(ListenerId id);
  /// Removes every Close listener.
  void offClose();
  ///@}

  /// Internal: made by Runtime::createUDPSocket.
  explicit UDPSocket(std::shared_ptr<detail::UDPSocketImpl> impl) noexcept;
  ~UDPSocket();
  UDPSocket(const UDPSocket&) = delete;
  UDPSocket& operator=(const UDPSocket&) = delete;

 private:
  std::shared_ptr<detail::UDPSocketImpl> impl_{};
};

}  // namespace minisock
