#include "ws/ws_errors.hpp"

#include <openssl/x509.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/zlib/error.hpp>

#include "core/asio_errors.hpp"
#include "core/ws_options.hpp"
#include "minisock/socket_task.hpp"

namespace minisock::detail {

namespace {

namespace websocket = boost::beast::websocket;
constexpr int kNetworkInterrupted = static_cast<int>(UnifiedErrno::networkInterrupted);
constexpr int kUnknownNetworkError = static_cast<int>(UnifiedErrno::unknownNetworkError);

WsEnding failed(std::string errMsg, int code, int errNo = kNetworkInterrupted) {
  return WsEnding{makeError(ErrorCode::systemError, std::move(errMsg), errNo), code, {}};
}

// The opening handshake failed: the Error carries "connectSocket:fail <reason>" (errCode -1,
// the unified errno 600000), then Close 1006.
WsEnding openingFailed(std::string reason) {
  return WsEnding{
      makeError(ErrorCode::systemError, "connectSocket:fail " + reason, kUnknownNetworkError),
      1006,
      {}};
}

// What the client sent in its close frame when Beast failed the connection for `ec`.
int closeCodeFor(const boost::system::error_code& ec) {
  if (ec == websocket::error::message_too_big) return 1009;
  // Beast 1.81 answers every malformed close payload (even a reason that is not UTF-8) with
  // 1002, which protocol_violation below reports: the code actually sent.
  if (ec == websocket::error::bad_frame_payload) return 1007;
  if (ec == websocket::condition::protocol_violation) return 1002;
  return 1006;
}

// The server's close frame was read and answered (or, over TLS, followed by the end of the
// connection without close_notify): an orderly end with the server's code and reason.
bool serverClosed(const boost::system::error_code& ec, const WsContext& context) {
  return ec == websocket::error::closed ||
         (ec == boost::asio::ssl::error::stream_truncated && context.serverCloseCode != 0);
}

WsEnding orderlyEnd(const WsContext& context, int codeWhenNone) {
  if (context.serverCloseCode != 0 && !isWireCloseCode(context.serverCloseCode)) {
    // Beast takes 5000 and up; RFC 6455 does not. Answered with 1002 (CorkStream), not echoed,
    // unless our own close frame went first.
    return failed("webSocket protocol error from the server: close code " +
                      std::to_string(context.serverCloseCode) +
                      " is not allowed on the wire (RFC 6455 7.4)",
                  context.closeStarted ? context.closeCode : 1002);
  }
  return WsEnding{std::nullopt,
                  context.serverCloseCode != 0 ? context.serverCloseCode : codeWhenNone,
                  context.serverCloseReason};
}

}  // namespace

std::optional<WsEnding> wsEnding(WsStep step, const boost::system::error_code& ec,
                                 const WsContext& context) {
  switch (step) {
    case WsStep::connect:
      return openingFailed(fromAsio("connect socket", ec).errMsg);
    case WsStep::tlsHandshake:
      if (context.tlsVerifyResult != X509_V_OK) {
        return openingFailed(std::string("certificate verify failed: ") +
                             X509_verify_cert_error_string(context.tlsVerifyResult) +
                             " (trust a private CA with Policy::caFile)");
      }
      if (context.clientCertificateRequested && !context.clientCertificateSent) {
        return openingFailed("TLS handshake failed: " + ec.message() +
                             " (the server asked for a client certificate; see "
                             "NetworkOptions::clientCertificateFile)");
      }
      return openingFailed("TLS handshake failed: " + ec.message());
    case WsStep::upgrade:
      if (ec == websocket::error::upgrade_declined) {
        return openingFailed("server answered HTTP status " + std::to_string(context.httpStatus) +
                             " instead of 101 Switching Protocols");
      }
      // The answer was not parsed: no status to report (the response object holds a default).
      if (ec == boost::beast::http::error::header_limit) {
        return openingFailed(
            "the server's handshake answer exceeded the header limit: its status "
            "line and header fields may take at most " +
            std::to_string(SocketTask::kMaxUpgradeAnswerHeaderBytes) +
            " bytes (the limit of Beast's HTTP parser)");
      }
      if (ec == boost::beast::http::error::buffer_overflow) {
        return openingFailed(
            "the server's handshake answer, with the data it sent right behind it, exceeded "
            "the handshake's read buffer");
      }
      if (ec.category() == make_error_code(boost::beast::http::error::bad_version).category()) {
        // A status line was read but the rest was not (e.g. a 404 with a body over Beast's
        // limit): the status says what happened.
        if (context.answerStatus != 0 && context.answerStatus != 101) {
          return openingFailed("server answered HTTP status " +
                               std::to_string(context.answerStatus) +
                               " instead of 101 Switching Protocols (its answer was not read "
                               "whole: " +
                               ec.message() + ")");
        }
        return openingFailed("the server's handshake answer is not valid HTTP: " + ec.message());
      }
      if (context.clientCertificateRequested) {
        // With TLS 1.3 a server checks the client certificate after the client's side of the
        // TLS handshake is done: its refusal (an alert, often lost to a reset) ends the upgrade.
        return openingFailed(
            "WebSocket handshake failed: " + ec.message() +
            (context.clientCertificateSent
                 ? " (the server asked for a client certificate, then ended the connection: it "
                   "refused the one given in NetworkOptions)"
                 : " (the server asked for a client certificate, then ended the connection: it "
                   "may require one; see NetworkOptions::clientCertificateFile)"));
      }
      return openingFailed("WebSocket handshake failed: " + ec.message());
    case WsStep::read:
      break;
    case WsStep::write: {
      // Cancelled because the stream is closing (the server's close frame, or ours): the read
      // or close handler reports how it ended. Anything else is a lost connection.
      if (ec == boost::asio::error::operation_aborted) return std::nullopt;
      ErrorEvent error = fromAsio("webSocket network interrupted", ec);
      error.errNo = kNetworkInterrupted;
      return WsEnding{std::move(error), 1006, {}};
    }
    case WsStep::closing: {
      // Once the server's close frame has arrived the closing handshake is done: a TLS
      // teardown that fails after it (a server that closed TCP before our close_notify came,
      // so that it was answered with a reset) loses nothing.
      if (!ec || serverClosed(ec, context) || context.serverCloseCode != 0)
        return orderlyEnd(context, context.closeCode);
      ErrorEvent error =
          ec == boost::beast::error::timeout
              ? makeError(ErrorCode::systemError,
                          "closeSocket: the server did not answer the close frame within 5 s")
              : fromAsio("closeSocket: closing handshake", ec);
      error.errNo = kNetworkInterrupted;
      return WsEnding{std::move(error), 1006, {}};
    }
  }
  // The read.
  if (ec == boost::asio::error::operation_aborted) return std::nullopt;
  if (serverClosed(ec, context))
    return orderlyEnd(context, context.closeStarted ? context.closeCode : 1005);
  if (ec == boost::beast::error::timeout && context.closeStarted)
    return failed("closeSocket: the server did not answer the close frame within 5 s", 1006);
  if (ec == boost::beast::error::timeout) {
    return failed("network interrupted: no data from the server within twice the heartbeat (" +
                      std::to_string(context.heartbeat.count() * 2) + " ms; heartbeat " +
                      std::to_string(context.heartbeat.count()) + " ms)",
                  1006);
  }
  if (ec.category() ==
      boost::beast::zlib::make_error_code(boost::beast::zlib::error::need_buffers).category()) {
    // Beast stops on an inflate error without a close frame: nothing was exchanged (1006).
    return failed(
        "webSocket protocol error from the server: invalid compressed data (" + ec.message() + ")",
        1006, 0);
  }
  const int code = closeCodeFor(ec);
  ErrorEvent error = code == 1006
                         ? fromAsio("network interrupted", ec)
                         : makeError(ErrorCode::systemError,
                                     "WebSocket protocol error from the server: " + ec.message());
  error.errMsg = "webSocket " + error.errMsg;
  if (error.errNo == 0 || code == 1006) error.errNo = kNetworkInterrupted;
  return WsEnding{std::move(error), code, {}};
}

}  // namespace minisock::detail
