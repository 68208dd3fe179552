#pragma once
/// @file
/// Types shared by the listener (`onX`/`offX`) API and the success/fail/complete callbacks of
/// every socket kind.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace minisock {

/// Identifies one registered listener; returned by `onX`, accepted by `offX`.
/// Ids are unique per socket and never reused.
enum class ListenerId : std::uint64_t {};

/// A listener for events of type E: invoked on the Runtime's loop thread with one `const E&`.
template <class E>
using Listener = std::function<void(const E&)>;

/// The sender of a received message (the platform's `remoteInfo`).
struct RemoteInfo {
  std::string address{};  ///< e.g. "127.0.0.1" or "::1"
  std::string family{};   ///< "IPv4" or "IPv6"
  int port = 0;           ///< the sender's port
  std::size_t size = 0;   ///< size of the message, in bytes
};

/// The receiving end of a message (the platform's `localInfo`).
struct LocalInfo {
  std::string address{};  ///< the local address, e.g. "127.0.0.1" or "0.0.0.0"
  std::string family{};   ///< "IPv4" or "IPv6"
  int port = 0;           ///< the local port
};

/// The argument of success/fail/complete callbacks: the platform's `{errMsg}` plus its
/// unified errno (600000-series) where one applies.
struct CallbackResult {
  std::string
      errMsg{};  ///< e.g. "connectSocket:ok", "sendSocketMessage:fail webSocket is not connected"
  /// The platform's unified errno (UnifiedErrno) where one applies, else 0.
  int errNo = 0;
};

/// A success/fail/complete callback. Runs on the loop thread, never inside the call.
using Callback = std::function<void(const CallbackResult&)>;

}  // namespace minisock
