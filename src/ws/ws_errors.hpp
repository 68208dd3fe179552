#pragma once
// The one mapping from what Asio, Beast and OpenSSL report to a SocketTask's end: a pure
// function from the error, the step of the task it came from and what the task knows, to the
// Error event (if any) and the Close code and reason it gives. socket_task.cpp only asks.

#include <boost/system/error_code.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "minisock/errors.hpp"

namespace minisock::detail {

/// Where the error came from.
enum class WsStep {
  connect,       ///< the TCP connection of the opening handshake
  tlsHandshake,  ///< the TLS handshake
  upgrade,       ///< the HTTP upgrade exchange
  read,          ///< the pending read of an open (or closing) task
  write,         ///< a message being written
  closing,       ///< our closing handshake
};

/// What the task knows when the error comes.
struct WsContext {
  bool closeStarted = false;               ///< our close frame is out
  int closeCode = 1000;                    ///< the code we sent (or will send)
  int serverCloseCode = 0;                 ///< the server's close frame's code; 0: none
  std::string serverCloseReason{};         ///< its reason
  std::chrono::milliseconds heartbeat{0};  ///< the heartbeat period (0: off)
  int httpStatus = 0;                      ///< the upgrade answer's status; 0: none read
  /// The status line's code as read, even when the answer could not be parsed whole (a body
  /// over Beast's limit); 0: none read.
  int answerStatus = 0;
  long tlsVerifyResult = 0;  ///< the TLS handshake's certificate check (X509_V_OK: 0)
  /// wss: the server asked for a client certificate, and whether one was configured (sent).
  bool clientCertificateRequested = false;
  bool clientCertificateSent = false;
};

/// How the task ends: an Error (or none, for an orderly close), then Close{code, reason}.
struct WsEnding {
  std::optional<ErrorEvent> error{};
  int code = 1006;
  std::string reason{};
};

/// The end an error gives; nullopt when it is not one (an operation cancelled because the
/// task is closing: whatever ends the task reports it).
std::optional<WsEnding> wsEnding(WsStep step, const boost::system::error_code& ec,
                                 const WsContext& context);

}  // namespace minisock::detail
