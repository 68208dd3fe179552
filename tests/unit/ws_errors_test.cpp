// The one mapping from Asio/Beast/OpenSSL errors to a SocketTask's end (src/ws/ws_errors.hpp).
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>

#include "ws/ws_errors.hpp"

using minisock::detail::WsContext;
using minisock::detail::wsEnding;
using minisock::detail::WsStep;
namespace websocket = boost::beast::websocket;

TEST(WsErrors, TheServersCloseFrameIsAnOrderlyEndWithItsCodeAndReason) {
  WsContext c;
  c.serverCloseCode = 4000;
  c.serverCloseReason = "bye";
  auto e = wsEnding(WsStep::read, websocket::error::closed, c);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->error);
  EXPECT_EQ(e->code, 4000);
  EXPECT_EQ(e->reason, "bye");
  // A close frame without a code: 1005, as RFC 6455 reports it.
  e = wsEnding(WsStep::read, websocket::error::closed, WsContext{});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, 1005);
}

TEST(WsErrors, ACloseCodeNotAllowedOnTheWireIsAProtocolErrorAnswered1002) {
  WsContext c;
  c.serverCloseCode = 5000;
  auto e = wsEnding(WsStep::read, websocket::error::closed, c);
  ASSERT_TRUE(e && e->error);
  EXPECT_EQ(e->code, 1002);
  EXPECT_EQ(e->error->errMsg,
            "webSocket protocol error from the server: close code 5000 is not allowed on the wire "
            "(RFC 6455 7.4)");
  c.closeStarted = true;  // our close frame went first: no answer, our code stands
  c.closeCode = 3001;
  EXPECT_EQ(wsEnding(WsStep::read, websocket::error::closed, c)->code, 3001);
}

TEST(WsErrors, ProtocolFailuresCarryTheCodeTheClientSent) {
  auto big = wsEnding(WsStep::read, websocket::error::message_too_big, WsContext{});
  ASSERT_TRUE(big && big->error);
  EXPECT_EQ(big->code, 1009);
  EXPECT_EQ(big->error->errNo, 600003);
  auto masked = wsEnding(WsStep::read, websocket::error::bad_masked_frame, WsContext{});
  EXPECT_EQ(masked->code, 1002);
  EXPECT_EQ(masked->error->errMsg.rfind("webSocket WebSocket protocol error from the server: ", 0),
            0u);
}

TEST(WsErrors, CancelledOperationsAreNotAnEnd) {
  EXPECT_FALSE(wsEnding(WsStep::read, boost::asio::error::operation_aborted, WsContext{}));
  EXPECT_FALSE(wsEnding(WsStep::write, boost::asio::error::operation_aborted, WsContext{}));
}

TEST(WsErrors, LostConnectionsAre1006WithTheErrno) {
  auto e = wsEnding(WsStep::write, boost::asio::error::broken_pipe, WsContext{});
  ASSERT_TRUE(e && e->error);
  EXPECT_EQ(e->code, 1006);
  EXPECT_EQ(e->error->errCode, -2);
  EXPECT_EQ(e->error->errNo, 600003);
  EXPECT_EQ(e->error->errMsg, "webSocket network interrupted fail: errno:32 errmsg:Broken pipe");
  WsContext heartbeat;
  heartbeat.heartbeat = std::chrono::milliseconds(500);
  auto silent = wsEnding(WsStep::read, boost::beast::error::timeout, heartbeat);
  EXPECT_EQ(silent->error->errMsg,
            "network interrupted: no data from the server within twice the heartbeat (1000 ms; "
            "heartbeat 500 ms)");
  auto unanswered = wsEnding(WsStep::closing, boost::beast::error::timeout, WsContext{});
  EXPECT_EQ(unanswered->error->errMsg,
            "closeSocket: the server did not answer the close frame within 5 s");
}

TEST(WsErrors, ATeardownFailureAfterTheServersCloseFrameIsAnOrderlyClose) {
  WsContext answered;
  answered.closeStarted = true;
  answered.closeCode = 1000;
  answered.serverCloseCode = 1000;
  auto e = wsEnding(WsStep::closing, boost::asio::error::not_connected, answered);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->error);
  EXPECT_EQ(e->code, 1000);
  WsContext unanswered = answered;  // the control: no close frame from the server yet
  unanswered.serverCloseCode = 0;
  auto lost = wsEnding(WsStep::closing, boost::asio::error::not_connected, unanswered);
  ASSERT_TRUE(lost && lost->error);
  EXPECT_EQ(lost->code, 1006);
}

TEST(WsErrors, TheOpeningHandshakesFailuresAreConnectSocketFails) {
  auto refused = wsEnding(WsStep::connect, boost::asio::error::connection_refused, WsContext{});
  ASSERT_TRUE(refused && refused->error);
  EXPECT_EQ(refused->code, 1006);
  EXPECT_EQ(refused->error->errCode, -1);
  EXPECT_EQ(refused->error->errNo, 600000);
  EXPECT_EQ(refused->error->errMsg,
            "connectSocket:fail connect socket fail: errno:111 errmsg:Connection refused");
  WsContext status;
  status.httpStatus = 404;
  EXPECT_EQ(
      wsEnding(WsStep::upgrade, websocket::error::upgrade_declined, status)->error->errMsg,
      "connectSocket:fail server answered HTTP status 404 instead of 101 Switching Protocols");
  WsContext expired;
  expired.tlsVerifyResult = 10;  // X509_V_ERR_CERT_HAS_EXPIRED
  EXPECT_EQ(
      wsEnding(WsStep::tlsHandshake, boost::asio::error::fault, expired)->error->errMsg,
      "connectSocket:fail certificate verify failed: certificate has expired (trust a private "
      "CA with Policy::caFile)");
}

TEST(WsErrors, AServerThatAskedForAClientCertificateAndEndedTheUpgradeIsNamed) {
  WsContext c;
  c.clientCertificateRequested = true;
  auto e = wsEnding(WsStep::upgrade, boost::asio::error::connection_reset, c);
  ASSERT_TRUE(e && e->error);
  EXPECT_NE(e->error->errMsg.find("asked for a client certificate"), std::string::npos)
      << e->error->errMsg;
  EXPECT_NE(e->error->errMsg.find("may require one"), std::string::npos) << e->error->errMsg;
  c.clientCertificateSent = true;
  e = wsEnding(WsStep::upgrade, boost::asio::error::connection_reset, c);
  ASSERT_TRUE(e && e->error);
  EXPECT_NE(e->error->errMsg.find("refused the one given"), std::string::npos) << e->error->errMsg;
  // Not asked: the plain text, no guess.
  e = wsEnding(WsStep::upgrade, boost::asio::error::connection_reset, WsContext{});
  ASSERT_TRUE(e && e->error);
  EXPECT_EQ(e->error->errMsg.find("certificate"), std::string::npos) << e->error->errMsg;
}

TEST(WsErrors, AnAnswerWhoseBodyCannotBeReadIsReportedByItsStatus) {
  WsContext c;
  c.answerStatus = 404;
  auto e = wsEnding(WsStep::upgrade, boost::beast::http::error::body_limit, c);
  ASSERT_TRUE(e && e->error);
  EXPECT_EQ(e->code, 1006);
  EXPECT_EQ(e->error->errMsg,
            "connectSocket:fail server answered HTTP status 404 instead of 101 Switching Protocols "
            "(its answer was not read whole: body limit exceeded)");
  // No status line read: the answer is not HTTP.
  e = wsEnding(WsStep::upgrade, boost::beast::http::error::bad_version, WsContext{});
  ASSERT_TRUE(e && e->error);
  EXPECT_NE(e->error->errMsg.find("is not valid HTTP"), std::string::npos) << e->error->errMsg;
}
