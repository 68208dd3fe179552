// The WebSocket client (SocketTask) against misbehaving servers: a scripted raw-socket server
// on 127.0.0.1 that answers the upgrade however each test wants, and (suite WsTls) the
// embedded WsEchoServer over TLS with throwaway certificates.
#include <gtest/gtest.h>

#include <minisock/echo_servers.hpp>
#include <minisock/minisock.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "event_recorder.hpp"
#include "numbered.hpp"
#include "tls_fixture.hpp"
#include "tls_relay.hpp"
#include "ws_scripted_server.hpp"

using namespace minisock;
using namespace minisock::testing;
using namespace std::chrono_literals;

namespace {

using Strings = std::vector<std::string>;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// Case-insensitive substring test (errMsg texts are checked only this way).
bool containsNoCase(const std::string& haystack, const std::string& needle) {
  return lower(haystack).find(lower(needle)) != std::string::npos;
}

/// Records a SocketTask's events in order.
struct WsRecorder {
  Strings order;  // "open", "message", "error", "close"
  int opens = 0;
  int messages = 0;
  int errors = 0;
  int closes = 0;
  std::vector<SocketTask::OpenEvent> openEvents;
  Strings texts;  // text messages, and binary ones as "<binary N bytes>"
  std::vector<ErrorEvent> errorEvents;
  std::vector<SocketTask::CloseEvent> closeEvents;
  std::function<void()> onOpenHook;
  std::function<void()> onMessageHook;

  void attach(SocketTask& task) {
    task.onOpen([this](const SocketTask::OpenEvent& e) {
      ++opens;
      order.emplace_back("open");
      openEvents.push_back(e);
      if (onOpenHook) onOpenHook();
    });
    task.onMessage([this](const SocketTask::MessageEvent& e) {
      ++messages;
      order.emplace_back("message");
      if (const auto* t = std::get_if<std::string_view>(&e.data))
        texts.emplace_back(*t);
      else
        texts.push_back("<binary " +
                        std::to_string(std::get<std::span<const std::byte>>(e.data).size()) +
                        " bytes>");
      if (onMessageHook) onMessageHook();
    });
    task.onError([this](const ErrorEvent& e) {
      ++errors;
      order.emplace_back("error");
      errorEvents.push_back(e);
    });
    task.onClose([this](const SocketTask::CloseEvent& e) {
      ++closes;
      order.emplace_back("close");
      closeEvents.push_back(e);
    });
  }

  std::string firstErrMsg() const { return errorEvents.empty() ? "" : errorEvents[0].errMsg; }
  int closeCode() const { return closeEvents.empty() ? -1 : closeEvents[0].code; }
};

// Options are built by assignment, not designated initializers: GCC 12's -Wextra
// (missing-field-initializers) rejects designated initializers that omit members without a
// default member initializer (ConnectSocketOption::header, the callbacks, ...).

/// connectSocket options for `url`, changed by `tweak`.
ConnectSocketOption wsOption(std::string url,
                             const std::function<void(ConnectSocketOption&)>& tweak = {}) {
  ConnectSocketOption option;
  option.url = std::move(url);
  if (tweak) tweak(option);
  return option;
}

SocketTask::SendOption textMessage(std::string text) {
  SocketTask::SendOption option;
  option.data = std::move(text);
  return option;
}

SocketTask::CloseOption closeWith(int code, std::string reason) {
  SocketTask::CloseOption option;
  option.code = code;
  option.reason = std::move(reason);
  return option;
}

/// One Runtime with one task whose events are recorded. The recorder outlives the Runtime
/// (which drops the listeners when destroyed).
struct Client {
  WsRecorder rec;
  Runtime rt;
  std::shared_ptr<SocketTask> task;

  explicit Client(ConnectSocketOption option, Policy policy = Policy::development())
      : rt(std::move(policy)) {
    task = rt.connectSocket(std::move(option));
    rec.attach(*task);  // events are never dispatched inside connectSocket
  }

  /// Runs until the Close event and until the Runtime holds no socket (bounded).
  void runToClose(std::chrono::milliseconds limit = 20s) {
    EXPECT_TRUE(runUntil(
        rt, [&] { return rec.closes >= 1; }, limit))
        << "no Close event; events so far: " << ::testing::PrintToString(rec.order);
    EXPECT_TRUE(drained(rt));
  }
};

/// What a well-behaved server does once the test's point is made: read client frames until
/// the client's close frame, answer it with the same payload, and return (the server then
/// closes TCP first, as RFC 6455 says). Returns the client's close frame, or nullopt when the
/// client went away (or stayed silent for `limit`).
std::optional<Frame> answerClose(ScriptedConnection& c, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return std::nullopt;
    std::optional<Frame> f = c.readFrame(left);
    if (!f) return std::nullopt;
    if (f->opcode == ws_opcode::close) {
      c.sendFrame(ws_opcode::close, f->payload);
      return f;
    }
  }
}

/// A server whose script is: send `response` as is, then wait for the client to go away.
WsScriptedServer::Script answerRaw(std::string response) {
  return [response](ScriptedConnection& c) {
    c.sendRaw(response);
    c.waitForPeerClose(10s);
  };
}

/// A server whose script is: a correct 101 (plus extra headers), then `after`, then answerClose.
WsScriptedServer::Script openThen(std::function<void(ScriptedConnection&)> after,
                                  std::string extraHeaders = "") {
  return [after = std::move(after), extraHeaders](ScriptedConnection& c) {
    c.sendHandshake(extraHeaders);
    if (after) after(c);
    if (c.isOpen()) answerClose(c);
  };
}

/// Expects a handshake that failed: Error once (errMsg containing `needle`), then Close 1006,
/// no Open, and readyState CLOSED.
void expectHandshakeFailure(Client& client, const std::string& needle) {
  const WsRecorder& rec = client.rec;
  ASSERT_EQ((Strings{"error", "close"}), rec.order) << rec.firstErrMsg();
  EXPECT_TRUE(containsNoCase(rec.firstErrMsg(), needle))
      << "errMsg '" << rec.firstErrMsg() << "' does not contain '" << needle << "'";
  EXPECT_EQ(rec.closeCode(), 1006);
  EXPECT_EQ(client.task->readyState(), SocketTask::CLOSED);
}

/// Expects a connection that opened and then failed with close code `code`.
void expectFailureAfterOpen(Client& client, int code) {
  const WsRecorder& rec = client.rec;
  ASSERT_EQ((Strings{"open", "error", "close"}), rec.order) << rec.firstErrMsg();
  EXPECT_EQ(rec.messages, 0);
  EXPECT_EQ(rec.closeCode(), code) << rec.firstErrMsg();
  EXPECT_EQ(client.task->readyState(), SocketTask::CLOSED);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The fixtures themselves (no minisock client involved).

TEST(WsFixtures, TlsFilesVerify) {
  const TlsFiles& f = tlsFiles();
  CommandResult good = runCommand({"openssl", "verify", "-CAfile", f.caCert, "-verify_hostname",
                                   "localhost", "-verify_ip", "127.0.0.1", f.serverCert});
  EXPECT_EQ(good.exitCode, 0) << good.output;
  CommandResult ipv6 =
      runCommand({"openssl", "verify", "-CAfile", f.caCert, "-verify_ip", "::1", f.serverCert});
  EXPECT_EQ(ipv6.exitCode, 0) << ipv6.output;

  CommandResult expired = runCommand({"openssl", "verify", "-CAfile", f.caCert, f.expiredCert});
  EXPECT_NE(expired.exitCode, 0) << expired.output;
  EXPECT_TRUE(containsNoCase(expired.output, "certificate has expired")) << expired.output;

  CommandResult wrongHostChain =
      runCommand({"openssl", "verify", "-CAfile", f.caCert, f.wrongHostCert});
  EXPECT_EQ(wrongHostChain.exitCode, 0) << wrongHostChain.output;
  CommandResult wrongHost = runCommand(
      {"openssl", "verify", "-CAfile", f.caCert, "-verify_hostname", "localhost", f.wrongHostCert});
  EXPECT_NE(wrongHost.exitCode, 0) << wrongHost.output;
  EXPECT_TRUE(containsNoCase(wrongHost.output, "hostname mismatch")) << wrongHost.output;

  CommandResult otherCa = runCommand({"openssl", "verify", "-CAfile", f.otherCaCert, f.serverCert});
  EXPECT_NE(otherCa.exitCode, 0) << otherCa.output;

  // Made once per process.
  EXPECT_EQ(&tlsFiles(), &f);
}

TEST(WsFixtures, ScriptedServerHandshakeWithRawClient) {
  EXPECT_EQ(websocketAccept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

  Outbox<Frame> fromClient;
  Outbox<std::string> acceptSeen;
  const std::string big16(300, 'x');       // 16-bit length
  const std::string big64(70000, '\xA5');  // 64-bit length
  WsScriptedServer server([&, fromClient, acceptSeen](ScriptedConnection& c) mutable {
    acceptSeen.set(c.acceptKey() + "|" + c.header("sec-websocket-protocol").value_or("-"));
    c.sendHandshake("X-Extra: 1");
    c.sendFrame(ws_opcode::text, "hi");
    c.sendFrame(ws_opcode::text, big16, false);
    c.sendFrame(ws_opcode::continuation, big64, true, false, kRsv1 | kRsv3);
    if (auto f = c.readFrame(10s)) fromClient.set(*f);
    c.sendClose(1000, "ok");
    c.waitForPeerClose(10s);
  });

  const std::string request =
      "GET /chat HTTP/1.1\r\n"
      "Host: 127.0.0.1:" +
      std::to_string(server.port()) +
      "\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Protocol: chat, superchat\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n";
  RawWsClient client(server.port(), request);
  ASSERT_TRUE(client.response().starts_with("HTTP/1.1 101 Switching Protocols\r\n"))
      << client.response();
  EXPECT_EQ(client.connection().header("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_EQ(client.connection().header("UPGRADE"), "websocket");
  EXPECT_EQ(client.connection().header("x-extra"), "1");
  EXPECT_EQ(client.connection().header("absent"), std::nullopt);

  auto hi = client.connection().readFrame(10s);
  ASSERT_TRUE(hi);
  EXPECT_TRUE(hi->fin);
  EXPECT_FALSE(hi->masked);
  EXPECT_EQ(hi->opcode, ws_opcode::text);
  EXPECT_EQ(hi->payload, "hi");
  auto first = client.connection().readFrame(10s);
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->fin);
  EXPECT_EQ(first->payload, big16);
  auto second = client.connection().readFrame(10s);
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->fin);
  EXPECT_EQ(second->rsv, kRsv1 | kRsv3);
  EXPECT_EQ(second->opcode, ws_opcode::continuation);
  EXPECT_EQ(second->payload, big64);

  ASSERT_TRUE(client.connection().sendFrame(ws_opcode::binary, "masked!", true, true));
  auto close = client.connection().readFrame(10s);
  ASSERT_TRUE(close);
  EXPECT_EQ(close->opcode, ws_opcode::close);
  EXPECT_EQ(close->closeCode(), 1000);
  EXPECT_EQ(close->closeReason(), "ok");
  client.connection().closeAbruptly();

  // The script's view, handed over from the server thread (set before it sent its close).
  ASSERT_TRUE(fromClient.ready());
  const Frame got = fromClient.get();
  EXPECT_TRUE(got.masked);
  EXPECT_EQ(got.maskKey, (std::array<std::uint8_t, 4>{0x37, 0xfa, 0x21, 0x3d}));
  EXPECT_EQ(got.opcode, ws_opcode::binary);
  EXPECT_EQ(got.payload, "masked!");
  ASSERT_TRUE(acceptSeen.ready());
  EXPECT_EQ(acceptSeen.get(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=|chat, superchat");
  EXPECT_EQ(splitList("chat, superchat"), (Strings{"chat", "superchat"}));
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(server.requests(), (Strings{request}));
}

// ---------------------------------------------------------------------------------------------
// The opening handshake goes wrong: Error, then Close 1006, never Open.

TEST(WsBadServer, Status200InsteadOf101) {
  WsScriptedServer server(answerRaw("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  Client client(wsOption(server.url("/path")));
  client.runToClose();
  expectHandshakeFailure(client, "status 200");
}

TEST(WsBadServer, Status404InsteadOf101) {
  WsScriptedServer server(answerRaw(
      "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found"));
  Client client(wsOption(server.url("/path")));
  client.runToClose();
  expectHandshakeFailure(client, "status 404");
}

/// A 101 answer whose header (status line to the blank line) is exactly `bytes` long, padded
/// with one X-Pad field, or made of `fields` small fields when that is not 0; then the close
/// handshake when the client opens.
WsScriptedServer::Script oversizedAnswer(std::size_t bytes, std::size_t fields = 0) {
  return [bytes, fields](ScriptedConnection& c) {
    std::string head =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
        "Upgrade\r\nSec-WebSocket-Accept: " +
        c.acceptKey() + "\r\n";
    if (fields > 0) {
      for (std::size_t i = 0; i < fields; ++i) head += "X-" + std::to_string(i) + ": y\r\n";
    } else {
      const std::size_t fixed = head.size() + std::string_view("X-Pad: \r\n\r\n").size();
      head += "X-Pad: " + std::string(bytes - fixed, 'a') + "\r\n";
    }
    head += "\r\n";
    if (fields == 0 && head.size() != bytes) return;  // the test then sees no open: fails
    if (!c.sendRaw(head)) return;
    answerClose(c);
  };
}

TEST(WsBadServer, UpgradeAnswerJustUnderTheHeaderLimitOpens) {
  WsScriptedServer server(oversizedAnswer(SocketTask::kMaxUpgradeAnswerHeaderBytes));
  Client client(wsOption(server.url("/")));
  client.rec.onOpenHook = [&] { client.task->close(); };
  client.runToClose();
  ASSERT_EQ((Strings{"open", "close"}), client.rec.order) << client.rec.firstErrMsg();
  EXPECT_EQ(client.rec.closeCode(), 1000);
}

TEST(WsBadServer, UpgradeAnswerJustOverTheHeaderLimitNamesTheLimit) {
  WsScriptedServer server(oversizedAnswer(SocketTask::kMaxUpgradeAnswerHeaderBytes + 1));
  Client client(wsOption(server.url("/")));
  client.runToClose();
  expectHandshakeFailure(client, "handshake answer exceeded the header limit");
  EXPECT_TRUE(containsNoCase(client.rec.firstErrMsg(), "8192 bytes")) << client.rec.firstErrMsg();
  EXPECT_FALSE(containsNoCase(client.rec.firstErrMsg(), "HTTP status")) << client.rec.firstErrMsg();
}

TEST(WsBadServer, UpgradeAnswerWithAMegabyteFieldNamesTheLimit) {
  WsScriptedServer server(oversizedAnswer(std::size_t{1} << 20));
  Client client(wsOption(server.url("/")));
  client.runToClose();
  expectHandshakeFailure(client, "handshake answer exceeded the header limit");
}

TEST(WsBadServer, UpgradeAnswerWithTenThousandFieldsNamesTheLimit) {
  WsScriptedServer server(oversizedAnswer(0, 10000));
  Client client(wsOption(server.url("/")));
  client.runToClose();
  expectHandshakeFailure(client, "handshake answer exceeded the header limit");
}

/// The policy of a wss client that trusts the test CA.
Policy trustingTestCa() {
  Policy policy = Policy::development();
  policy.caFile = tlsFiles().caCert;
  return policy;
}

// The same limit over TLS: the answer is counted after decryption, however TLS records cut it.
TEST(WsBadServer, WssUpgradeAnswerJustUnderTheHeaderLimitOpens) {
  WsScriptedServer server(oversizedAnswer(SocketTask::kMaxUpgradeAnswerHeaderBytes));
  TlsRelay tls(server.port());
  Client client(wsOption(tls.url("/")), trustingTestCa());
  client.rec.onOpenHook = [&] { client.task->close(); };
  client.runToClose();
  ASSERT_EQ((Strings{"open", "close"}), client.rec.order) << client.rec.firstErrMsg();
  EXPECT_EQ(client.rec.closeCode(), 1000);
  EXPECT_EQ(tls.handshakes(), 1);
}

TEST(WsBadServer, WssUpgradeAnswerJustOverTheHeaderLimitNamesTheLimit) {
  WsScriptedServer server(oversizedAnswer(SocketTask::kMaxUpgradeAnswerHeaderBytes + 1));
  TlsRelay tls(server.port());
  Client client(wsOption(tls.url("/")), trustingTestCa());
  client.runToClose();
  expectHandshakeFailure(client, "handshake answer exceeded the header limit");
  EXPECT_TRUE(containsNoCase(client.rec.firstErrMsg(), "8192 bytes")) << client.rec.firstErrMsg();
  EXPECT_EQ(tls.handshakes(), 1);  // TLS itself succeeded: the answer inside it failed
}

TEST(WsBadServer, WssUpgradeAnswerWithAMegabyteFieldNamesTheLimit) {
  WsScriptedServer server(oversizedAnswer(std::size_t{1} << 20));
  TlsRelay tls(server.port());
  Client client(wsOption(tls.url("/")), trustingTestCa());
  client.runToClose();
  expectHandshakeFailure(client, "handshake answer exceeded the header limit");
}

TEST(WsBadServer, Status404WithABodyOverBeastsLimitNamesTheStatus) {
  // Beast stops reading at a body over its limit; the status line had been read.
  WsScriptedServer server(answerRaw("HTTP/1.1 404 Not Found\r\nContent-Length: 104857600\r\n\r\n" +
                                    std::string(4096, 'x')));
  Client client(wsOption(server.url("/")));
  client.runToClose();
  expectHandshakeFailure(client, "server answered HTTP status 404 instead of 101");
}

TEST(WsBadServer, UpgradeAnswerThatIsNotHttpIsNamed) {
  WsScriptedServer server(answerRaw("SSH-2.0-OpenSSH_9.2\r\n\r\n"));
  Client client(wsOption(server.url("/")));
  client.runToClose();
  expectHandshakeFailure(client, "handshake answer is not valid HTTP");
}

TEST(WsBadServer, SubprotocolNotOfferedIsRefused) {
  WsScriptedServer server(openThen(nullptr, "Sec-WebSocket-Protocol: superchat\r\n"));
  Client client(wsOption(server.url("/"), [](auto& o) { o.protocols = {"chat"}; }));
  client.runToClose();
  expectHandshakeFailure(client, "subprotocol");
}

TEST(WsBadServer, SubprotocolWhenNoneOfferedIsRefused) {
  WsScriptedServer server(openThen(nullptr, "Sec-WebSocket-Protocol: chat\r\n"));
  Client client(wsOption(server.url("/")));
  client.runToClose();
  expectHandshakeFailure(client, "subprotocol");
}

TEST(WsBadServer, OfferedSubprotocolIsAccepted) {  // the positive control of the two above
  WsScriptedServer server(openThen(nullptr, "Sec-WebSocket-Protocol: chat\r\n"));
  Client client(wsOption(server.url("/"), [](auto& o) { o.protocols = {"superchat", "chat"}; }));
  client.rec.onOpenHook = [&] { client.task->close(); };
  client.runToClose();
  ASSERT_EQ((Strings{"open", "close"}), client.rec.order) << client.rec.firstErrMsg();
  EXPECT_EQ(client.rec.openEvents[0].protocol, "chat");
  EXPECT_EQ(client.rec.closeCode(), 1000);
}

TEST(WsBadServer, PermessageDeflateNotOfferedIsRefused) {
  WsScriptedServer server(openThen(nullptr, "Sec-WebSocket-Extensions: permessage-deflate\r\n"));
  Client client(wsOption(server.url("/"), [](auto& o) { o.perMessageDeflate = false; }));
  client.runToClose();
  expectHandshakeFailure(client, "extension");
}

TEST(WsBadServer, SilentServerTimesOut) {
  WsScriptedServer server([](ScriptedConnection& c) { c.waitForPeerClose(10s); });
  const auto start = std::chrono::steady_clock::now();
  Client client(wsOption(server.url("/"), [](auto& o) { o.timeout = 300ms; }));
  client.runToClose();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  expectHandshakeFailure(client, "timeout");
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 10s);
  EXPECT_EQ(server.connections(), 1);
}

// Slowloris: the answer trickles in, one byte every 100 ms, and never ends; the opening
// handshake's timeout ends it (Beast's parser would wait for ever).
TEST(WsBadServer, SlowlorisAnswerEndsAtTheTimeout) {
  WsScriptedServer server([](ScriptedConnection& c) {
    const std::string trickle =
        "HTTP/1.1 101 Switching Protocols\r\nX-Slow: " + std::string(200, 'z');
    for (char ch : trickle) {  // at most 20 s of trickling, far past the client's timeout
      if (!c.sendRaw(std::string_view(&ch, 1))) return;
      std::this_thread::sleep_for(100ms);
    }
  });
  const auto start = std::chrono::steady_clock::now();
  Client client(wsOption(server.url("/"), [](auto& o) { o.timeout = 800ms; }));
  client.runToClose();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  expectHandshakeFailure(client, "timeout");
  EXPECT_GE(elapsed, 700ms);
  EXPECT_LT(elapsed, 15s);
}

// ---------------------------------------------------------------------------------------------
// Protocol violations after Open: Open, Error, Close with the RFC 6455 code.

// The server's message and its close frame arrive together; the client's listener closes and
// sends in answer. The callbacks those calls queued run before the Close event, which comes
// once, with the server's code.
TEST(WsBadServer, CallbacksQueuedBeforeTheServersCloseRunBeforeClose) {
  WsScriptedServer server([](ScriptedConnection& c) {
    c.sendHandshake();
    c.sendFrame(ws_opcode::text, "bye");
    c.sendClose(1001, "going");
    for (int i = 0; i < 10; ++i) {  // until the client's close frame (bounded)
      std::optional<Frame> f = c.readFrame(10s);
      if (!f || f->opcode == ws_opcode::close) break;
    }
  });
  Client client(wsOption(server.url("/")));
  client.rec.onMessageHook = [&] {
    SocketTask::CloseOption close = closeWith(1000, "");
    close.success = [&](const CallbackResult&) { client.rec.order.emplace_back("close:ok"); };
    client.task->close(std::move(close));
    SocketTask::SendOption late = textMessage("late");
    late.fail = [&](const CallbackResult&) { client.rec.order.emplace_back("send:fail"); };
    client.task->send(std::move(late));
  };
  client.runToClose();
  EXPECT_EQ((Strings{"open", "message", "close:ok", "send:fail", "close"}), client.rec.order)
      << client.rec.firstErrMsg();
  EXPECT_EQ(client.rec.closes, 1);
  EXPECT_EQ(client.task->readyState(), SocketTask::CLOSED);
}

TEST(WsBadServer, MaskedServerFrameGives1002) {
  WsScriptedServer server(
      openThen([](ScriptedConnection& c) { c.sendFrame(ws_opcode::text, "hi", true, true); }));
  Client client(wsOption(server.url("/")));
  client.runToClose();
  expectFailureAfterOpen(client, 1002);
}

TEST(WsBadServer, Rsv1WithoutExtensionGives1002) {
  WsScriptedServer server(openThen(
      [](ScriptedConnection& c) { c.sendFrame(ws_opcode::text, "hi", true, false, kRsv1); }));
  Client client(wsOption(server.url("/")));
  client.runToClose();
  expectFailureAfterOpen(client, 1002);
}

TEST(WsBadServer, ReservedOpcodesGive1002) {
  for (std::uint8_t opcode : {std::uint8_t{0x3}, std::uint8_t{0xB}}) {
    SCOPED_TRACE("opcode " + std::to_string(opcode));
    WsScriptedServer server(
        openThen([opcode](ScriptedConnection& c) { c.sendFrame(opcode, "x"); }));
    Client client(wsOption(server.url("/")));
    client.runToClose();
    expectFailureAfterOpen(client, 1002);
  }
}

TEST(WsBadServer, InvalidUtf8TextGives1007) {
  WsScriptedServer server(
      openThen([](ScriptedConnection& c) { c.sendFrame(ws_opcode::text, "\xC3\x28"); }));
  Client client(wsOption(server.url("/")));
  client.runToClose();
  expectFailureAfterOpen(client, 1007);
}

// Beast 1.81 accepts a text message whose last fragment is empty while the previous one ended
// inside a multi-byte sequence; the message is still invalid UTF-8.
TEST(WsBadServer, IncompleteUtf8BeforeEmptyFinalFragmentGives1007) {
  WsScriptedServer server(openThen([](ScriptedConnection& c) {
    c.sendFrame(ws_opcode::text, "ab\xE2\x82", false);
    c.sendFrame(ws_opcode::continuation, "", true);
  }));
  Client client(wsOption(server.url("/")));
  client.runToClose();
  expectFailureAfterOpen(client, 1007);
}

TEST(WsBadServer, TcpCloseWithoutCloseFrameIsNetworkInterrupted) {
  WsScriptedServer server(openThen([](ScriptedConnection& c) { c.closeAbruptly(); }));
  Client client(wsOption(server.url("/")));
  client.runToClose();
  expectFailureAfterOpen(client, 1006);
  ASSERT_EQ(client.rec.errorEvents.size(), 1u);
  EXPECT_EQ(client.rec.errorEvents[0].errNo, 600003) << client.rec.firstErrMsg();
}

TEST(WsBadServer, TcpResetAfterOpenGives1006) {
  WsScriptedServer server(openThen([](ScriptedConnection& c) { c.reset(); }));
  Client client(wsOption(server.url("/")));
  client.runToClose();
  expectFailureAfterOpen(client, 1006);
}

// ---------------------------------------------------------------------------------------------
// Control frames and the closing handshake.

TEST(WsBadServer, ServerCloseFrameIsReportedAndAnswered) {
  Outbox<std::optional<Frame>> reply;
  WsScriptedServer server([reply](ScriptedConnection& c) mutable {
    c.sendHandshake();
    c.sendClose(4000, "bye");
    reply.set(c.readFrame(10s));
  });
  Client client(wsOption(server.url("/")));
  client.runToClose();
  ASSERT_EQ((Strings{"open", "close"}), client.rec.order) << client.rec.firstErrMsg();
  EXPECT_EQ(client.rec.closeEvents[0].code, 4000);
  EXPECT_EQ(client.rec.closeEvents[0].reason, "bye");
  EXPECT_EQ(client.task->readyState(), SocketTask::CLOSED);

  ASSERT_TRUE(runUntil(
      client.rt, [&] { return reply.ready(); }, 10s));
  const std::optional<Frame> frame = reply.get();
  ASSERT_TRUE(frame) << "the client did not answer the close frame";
  EXPECT_EQ(frame->opcode, ws_opcode::close);
  EXPECT_TRUE(frame->masked);
  EXPECT_TRUE(frame->fin);
  EXPECT_EQ(frame->closeCode(), 4000);
}

// A server that ends the closing handshake's exchange of frames but never ends TCP (RFC 6455
// 7.1.1 says it ends TCP first): the task waits SocketTask::kServerEndTimeout for it, then ends
// TCP itself, with the code the close frames carried and no descriptor error.
struct KeptOpen {
  Outbox<std::optional<Frame>> clientClose;  // the client's close frame
  Outbox<bool> clientEnded;                  // whether the client then ended TCP itself
};

/// A correct 101, then `after`, then the client's close frame read, then TCP kept open until the
/// client ends it (at most 10 s).
WsScriptedServer::Script keepTcpOpen(KeptOpen seen,  // shares its outboxes
                                     std::function<void(ScriptedConnection&)> after) {
  return [seen, after = std::move(after)](ScriptedConnection& c) mutable {
    c.sendHandshake();
    after(c);
    std::optional<Frame> frame;
    for (int i = 0; i < 8 && (!frame || frame->opcode != ws_opcode::close); ++i)
      frame = c.readFrame(10s);
    seen.clientClose.set(frame);
    seen.clientEnded.set(c.waitForPeerClose(10s));
  };
}

/// Bounded well inside the 40 s and more such a task used to stay open.
constexpr auto kKeptOpenLimit = SocketTask::kServerEndTimeout + 8s;

void expectClientEndedTcp(Client& client, const KeptOpen& seen, int closeFrameCode) {
  ASSERT_TRUE(runUntil(
      client.rt, [&] { return seen.clientEnded.ready(); }, 12s));
  EXPECT_TRUE(seen.clientEnded.get()) << "the client never ended TCP";
  const std::optional<Frame> frame = seen.clientClose.get();
  ASSERT_TRUE(frame) << "the client sent no close frame";
  EXPECT_EQ(frame->closeCode(), closeFrameCode);
}

TEST(WsBadServer, ServerCloseFrameThenTcpKeptOpenClosesWithItsCode) {
  KeptOpen seen;
  WsScriptedServer server(
      keepTcpOpen(seen, [](ScriptedConnection& c) { c.sendClose(4000, "bye"); }));
  Client client(wsOption(server.url("/")));
  client.runToClose(kKeptOpenLimit);
  ASSERT_EQ((Strings{"open", "close"}), client.rec.order) << client.rec.firstErrMsg();
  EXPECT_EQ(client.rec.closeEvents[0].code, 4000);
  EXPECT_EQ(client.rec.closeEvents[0].reason, "bye");
  EXPECT_EQ(client.task->readyState(), SocketTask::CLOSED);
  expectClientEndedTcp(client, seen, 4000);
}

TEST(WsBadServer, ServerCloseFrameThenTcpKeptOpenWithHeartbeatIsNotADescriptorError) {
  KeptOpen seen;
  WsScriptedServer server(
      keepTcpOpen(seen, [](ScriptedConnection& c) { c.sendClose(4000, "bye"); }));
  Client client(wsOption(server.url("/"), [](ConnectSocketOption& o) { o.heartbeat = 1000ms; }));
  client.runToClose(kKeptOpenLimit);
  ASSERT_EQ((Strings{"open", "close"}), client.rec.order) << client.rec.firstErrMsg();
  EXPECT_EQ(client.rec.closeCode(), 4000);
  expectClientEndedTcp(client, seen, 4000);
}

TEST(WsBadServer, CloseAnsweredThenTcpKeptOpenIsAnOrderlyClose) {
  // Before the bound, Beast's close waited for the server's end of TCP and the task reported
  // "the server did not answer the close frame within 5 s", although it had.
  Outbox<bool> clientEnded;
  WsScriptedServer server([clientEnded](ScriptedConnection& c) mutable {
    c.sendHandshake();
    answerClose(c);  // echoes the client's close frame, then keeps TCP open
    clientEnded.set(c.waitForPeerClose(10s));
  });
  Client client(wsOption(server.url("/")));
  client.rec.onOpenHook = [&] { client.task->close(closeWith(4001, "done")); };
  client.runToClose(kKeptOpenLimit);
  ASSERT_EQ((Strings{"open", "close"}), client.rec.order) << client.rec.firstErrMsg();
  EXPECT_EQ(client.rec.closeCode(), 4001);
  EXPECT_EQ(client.rec.closeEvents[0].reason, "done");
  ASSERT_TRUE(runUntil(
      client.rt, [&] { return clientEnded.ready(); }, 12s));
  EXPECT_TRUE(clientEnded.get()) << "the client never ended TCP";
}

TEST(WsBadServer, ProtocolViolationsThenTcpKeptOpenEndWithTheirCodes) {
  struct Case {
    const char* name;
    std::function<void(ScriptedConnection&)> send;
    int code;
  };
  const std::vector<Case> cases = {
      {"invalid UTF-8", [](ScriptedConnection& c) { c.sendFrame(ws_opcode::text, "\xC3\x28"); },
       1007},
      {"a 126-byte ping",
       [](ScriptedConnection& c) { c.sendFrame(ws_opcode::ping, std::string(126, 'p')); }, 1002},
      {"a fragmented ping", [](ScriptedConnection& c) { c.sendFrame(ws_opcode::ping, "p", false); },
       1002},
      {"a 202-byte close frame",
       [](ScriptedConnection& c) { c.sendClose(1000, std::string(200, 'r')); }, 1002},
      {"reserved opcode 3", [](ScriptedConnection& c) { c.sendFrame(0x3, "x"); }, 1002},
      {"RSV1 without an extension",
       [](ScriptedConnection& c) { c.sendFrame(ws_opcode::text, "hi", true, false, kRsv1); }, 1002},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    KeptOpen seen;
    WsScriptedServer server(keepTcpOpen(seen, k.send));
    Client client(wsOption(server.url("/")));
    client.runToClose(kKeptOpenLimit);
    expectFailureAfterOpen(client, k.code);
    EXPECT_FALSE(containsNoCase(client.rec.firstErrMsg(), "errno")) << client.rec.firstErrMsg();
    EXPECT_TRUE(containsNoCase(client.rec.firstErrMsg(), "protocol error"))
        << client.rec.firstErrMsg();
    expectClientEndedTcp(client, seen, k.code);
  }
}

TEST(WsBadServer, AHeaderFieldOverTheLimitIsRefusedBeforeConnectingNamingIt) {
  WsScriptedServer server(openThen({}));
  for (const bool protocols : {false, true}) {
    SCOPED_TRACE(protocols ? "protocols" : "header");
    Client client(wsOption(server.url("/"), [&](ConnectSocketOption& o) {
      if (protocols) {
        o.protocols = {std::string(40000, 'a'), std::string(40000, 'b')};
      } else {
        o.header = {{"X-Big", std::string(70000, 'v')}};
      }
    }));
    client.runToClose();
    expectHandshakeFailure(client, "SocketTask::kMaxRequestFieldBytes");
    EXPECT_TRUE(containsNoCase(client.rec.firstErrMsg(),
                               protocols ? "protocols take 80002 bytes" : "header 'X-Big'"))
        << client.rec.firstErrMsg();
  }
  EXPECT_EQ(server.connections(), 0);
}

TEST(WsBadServer, CloseCodesNotAllowedOnTheWireAreAnsweredWith1002) {
  // RFC 6455 7.4: 5000 and up are not defined, 1005/1006 reserved for local use; Beast 1.81
  // refuses the reserved ones itself and would echo 5000-65535.
  for (int code : {5000, 65535, 1005, 1006, 1015, 999, 2999}) {
    SCOPED_TRACE("close code " + std::to_string(code));
    Outbox<std::optional<Frame>> reply;
    WsScriptedServer server([reply, code](ScriptedConnection& c) mutable {
      c.sendHandshake();
      c.sendClose(code, "");
      reply.set(c.readFrame(10s));
    });
    Client client(wsOption(server.url("/")));
    client.runToClose();
    ASSERT_EQ((Strings{"open", "error", "close"}), client.rec.order);
    EXPECT_EQ(client.rec.closeCode(), 1002);
    ASSERT_TRUE(runUntil(
        client.rt, [&] { return reply.ready(); }, 10s));
    const std::optional<Frame> frame = reply.get();
    ASSERT_TRUE(frame) << "the client did not answer the close frame";
    EXPECT_EQ(frame->opcode, ws_opcode::close);
    EXPECT_TRUE(frame->masked);
    EXPECT_EQ(frame->closeCode(), 1002);  // not an echo
    if (code >= 5000) {
      EXPECT_TRUE(containsNoCase(client.rec.firstErrMsg(), "close code " + std::to_string(code) +
                                                               " is not allowed on the wire"))
          << client.rec.firstErrMsg();
    }
  }
}

TEST(WsBadServer, EveryDocumentedMethodOpensWithGet) {
  for (const char* method :
       {"GET", "get", "OPTIONS", "HEAD", "POST", "put", "DELETE", "TRACE", "CONNECT"}) {
    SCOPED_TRACE(method);
    WsScriptedServer server(openThen({}));
    Client client(wsOption(server.url("/m"), [&](ConnectSocketOption& o) { o.method = method; }));
    client.rec.onOpenHook = [&] { client.task->close(); };
    client.runToClose();
    EXPECT_EQ((Strings{"open", "close"}), client.rec.order) << client.rec.firstErrMsg();
    const auto requests = server.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].rfind("GET /m HTTP/1.1\r\n", 0), 0u) << requests[0];
  }
  // Anything else is refused, naming the documented values.
  Client client(wsOption("ws://127.0.0.1:1/", [](ConnectSocketOption& o) { o.method = "FOO"; }));
  client.runToClose();
  EXPECT_EQ((Strings{"error", "close"}), client.rec.order);
  EXPECT_TRUE(containsNoCase(
      client.rec.firstErrMsg(),
      "method 'FOO' is not one of OPTIONS, GET, HEAD, POST, PUT, DELETE, TRACE, CONNECT"))
      << client.rec.firstErrMsg();
}

TEST(WsBadServer, PingIsAnsweredWithMaskedPong) {
  Outbox<std::optional<Frame>> pong;
  WsScriptedServer server(openThen([pong](ScriptedConnection& c) mutable {
    c.sendFrame(ws_opcode::ping, "p");
    pong.set(c.readFrame(10s));
  }));
  Client client(wsOption(server.url("/")));
  ASSERT_TRUE(runUntil(
      client.rt, [&] { return pong.ready(); }, 20s));
  client.task->close();
  client.runToClose();

  const std::optional<Frame> frame = pong.get();
  ASSERT_TRUE(frame) << "no frame after the ping";
  EXPECT_EQ(frame->opcode, ws_opcode::pong);
  EXPECT_TRUE(frame->masked);
  EXPECT_TRUE(frame->fin);
  EXPECT_EQ(frame->payload, "p");
  ASSERT_EQ((Strings{"open", "close"}), client.rec.order) << client.rec.firstErrMsg();
  EXPECT_EQ(client.rec.closeCode(), 1000);
}

TEST(WsBadServer, ClientCloseSendsMaskedCloseFrameWithCodeAndReason) {
  Outbox<std::optional<Frame>> seen;
  WsScriptedServer server([seen](ScriptedConnection& c) mutable {
    c.sendHandshake();
    std::optional<Frame> f = c.readFrame(10s);
    seen.set(f);
    if (f && f->opcode == ws_opcode::close) c.sendClose(4001, "done");
  });
  Client client(wsOption(server.url("/")));
  client.rec.onOpenHook = [&] { client.task->close(closeWith(4001, "done")); };
  client.runToClose();

  ASSERT_TRUE(runUntil(
      client.rt, [&] { return seen.ready(); }, 10s));
  const std::optional<Frame> frame = seen.get();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->opcode, ws_opcode::close);
  EXPECT_TRUE(frame->masked);
  EXPECT_EQ(frame->closeCode(), 4001);
  EXPECT_EQ(frame->closeReason(), "done");
  ASSERT_EQ((Strings{"open", "close"}), client.rec.order) << client.rec.firstErrMsg();
  EXPECT_EQ(client.rec.closeEvents[0].code, 4001);
  EXPECT_EQ(client.rec.closeEvents[0].reason, "done");
}

// ---------------------------------------------------------------------------------------------
// Freshness of the random values (Beast 1.81 repeats them).

TEST(WsBadServer, SecWebSocketKeysAreFresh) {
  WsScriptedServer server(openThen(nullptr));
  constexpr int kRuntimes = 6;
  constexpr int kPerRuntime = 10;  // 60 connections, one at a time
  for (int r = 0; r < kRuntimes; ++r) {
    WsRecorder recs[kPerRuntime];
    Runtime rt;
    for (int i = 0; i < kPerRuntime; ++i) {
      auto task = rt.connectSocket(wsOption(server.url("/")));
      recs[i].attach(*task);
      recs[i].onOpenHook = [&task] { task->close(); };
      ASSERT_TRUE(runUntil(rt, [&] { return recs[i].closes == 1; }))
          << "runtime " << r << " connection " << i;
      ASSERT_EQ((Strings{"open", "close"}), recs[i].order) << recs[i].firstErrMsg();
    }
    EXPECT_TRUE(drained(rt));
  }
  const Strings requests = server.requests();
  ASSERT_EQ(requests.size(), static_cast<std::size_t>(kRuntimes * kPerRuntime));
  std::set<std::string> keys;
  for (const auto& request : requests) {
    const std::string key = headerValue(request, "Sec-WebSocket-Key").value_or("");
    EXPECT_EQ(key.size(), 24u) << key;  // base64 of 16 bytes
    EXPECT_TRUE(key.ends_with("==")) << key;
    keys.insert(key);
  }
  EXPECT_EQ(keys.size(), requests.size()) << "Sec-WebSocket-Key values repeat";
}

TEST(WsBadServer, MaskingKeysAreFresh) {
  constexpr int kMessages = 300;
  Outbox<std::vector<Frame>> frames;
  WsScriptedServer server(openThen([frames](ScriptedConnection& c) mutable {
    std::vector<Frame> got;
    while (got.size() < static_cast<std::size_t>(kMessages)) {
      std::optional<Frame> f = c.readFrame(10s);
      if (!f) break;
      got.push_back(std::move(*f));
    }
    frames.set(std::move(got));
  }));
  Client client(wsOption(server.url("/")));
  client.rec.onOpenHook = [&] {
    for (int i = 0; i < kMessages; ++i)
      client.task->send(textMessage(minisock::test::numbered("m", i)));
  };
  ASSERT_TRUE(runUntil(
      client.rt, [&] { return frames.ready(); }, 30s));
  client.task->close();
  client.runToClose();
  ASSERT_EQ((Strings{"open", "close"}), client.rec.order) << client.rec.firstErrMsg();

  const std::vector<Frame> got = frames.get();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kMessages));
  std::set<std::array<std::uint8_t, 4>> keys;
  for (int i = 0; i < kMessages; ++i) {
    const Frame& f = got[static_cast<std::size_t>(i)];
    EXPECT_TRUE(f.masked) << i;
    EXPECT_TRUE(f.fin) << i;
    EXPECT_EQ(f.rsv, 0) << i;
    EXPECT_EQ(f.opcode, ws_opcode::text) << i;
    EXPECT_EQ(f.payload, minisock::test::numbered("m", i));
    keys.insert(f.maskKey);
  }
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(kMessages)) << "masking keys repeat";
}

// ---------------------------------------------------------------------------------------------
// What the upgrade request carries.

TEST(WsBadServer, RequestCarriesPathHeaderProtocolsAndDeflateOffer) {
  WsScriptedServer server(openThen(nullptr, "Sec-WebSocket-Protocol: chat\r\n"));
  Client client(wsOption(server.url("/path"), [](ConnectSocketOption& o) {
    o.header = {{"X-Test", "1"}};
    o.protocols = {"chat", "superchat"};
    o.perMessageDeflate = true;
  }));
  client.rec.onOpenHook = [&] { client.task->close(); };
  client.runToClose();
  ASSERT_EQ((Strings{"open", "close"}), client.rec.order) << client.rec.firstErrMsg();

  const Strings requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const std::string& request = requests[0];
  EXPECT_TRUE(request.starts_with("GET /path HTTP/1.1\r\n")) << request;
  EXPECT_EQ(headerValue(request, "X-Test"), "1") << request;
  EXPECT_EQ(splitList(headerValue(request, "Sec-WebSocket-Protocol").value_or("")),
            (Strings{"chat", "superchat"}))
      << request;
  EXPECT_TRUE(containsNoCase(headerValue(request, "Sec-WebSocket-Extensions").value_or(""),
                             "permessage-deflate"))
      << request;
  EXPECT_EQ(headerValue(request, "Sec-WebSocket-Version"), "13") << request;
  EXPECT_EQ(lower(headerValue(request, "Upgrade").value_or("")), "websocket") << request;
  EXPECT_TRUE(containsNoCase(headerValue(request, "Connection").value_or(""), "upgrade"))
      << request;
  EXPECT_TRUE(headerValue(request, "Host").value_or("").starts_with("127.0.0.1")) << request;
}

TEST(WsBadServer, DefaultRequestOffersNoExtensionAndNoProtocol) {
  WsScriptedServer server(openThen(nullptr));
  Client client(wsOption(server.url("/")));
  client.rec.onOpenHook = [&] { client.task->close(); };
  client.runToClose();
  ASSERT_EQ((Strings{"open", "close"}), client.rec.order) << client.rec.firstErrMsg();
  const Strings requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].starts_with("GET / HTTP/1.1\r\n")) << requests[0];
  EXPECT_FALSE(containsNoCase(headerValue(requests[0], "Sec-WebSocket-Extensions").value_or(""),
                              "permessage-deflate"))
      << requests[0];
  EXPECT_EQ(headerValue(requests[0], "Sec-WebSocket-Protocol"), std::nullopt) << requests[0];
}

// ---------------------------------------------------------------------------------------------
// wss against the embedded WsEchoServer over TLS.

namespace {

using servers::WsEchoServer;

std::string wssUrl(const WsEchoServer& server) {
  return "wss://localhost:" + std::to_string(server.port()) + "/";
}

Policy tlsPolicy(std::string caFile, bool verify = true) {
  Policy policy = Policy::development();
  policy.caFile = std::move(caFile);
  policy.verifyCertificates = verify;
  return policy;
}

/// Connects to a TLS echo server using `cert`/`key` under `policy`; expects Error (errMsg
/// containing "certificate"), then Close 1006, never Open.
void expectCertificateFailure(const std::string& cert, const std::string& key, Policy policy) {
  WsEchoServer server("127.0.0.1", 0, WsEchoServer::Tls{cert, key});
  Client client(wsOption(wssUrl(server)), std::move(policy));
  client.runToClose();
  expectHandshakeFailure(client, "certificate");
}

}  // namespace

TEST(WsTls, EchoWithTrustedCa) {
  const TlsFiles& f = tlsFiles();
  WsEchoServer server("127.0.0.1", 0, WsEchoServer::Tls{f.serverCert, f.serverKey});
  Client client(wsOption(wssUrl(server)), tlsPolicy(f.caCert));
  client.rec.onOpenHook = [&] { client.task->send(textMessage("hello over tls")); };
  client.rec.onMessageHook = [&] { client.task->close(); };
  client.runToClose();
  ASSERT_EQ((Strings{"open", "message", "close"}), client.rec.order) << client.rec.firstErrMsg();
  EXPECT_EQ(client.rec.texts, (Strings{"hello over tls"}));
  EXPECT_EQ(client.rec.closeCode(), 1000);
}

TEST(WsTls, SystemStoreOnlyRejectsTestCa) {
  const TlsFiles& f = tlsFiles();
  expectCertificateFailure(f.serverCert, f.serverKey, tlsPolicy(""));
}

TEST(WsTls, UnrelatedCaFileRejectsServer) {
  const TlsFiles& f = tlsFiles();
  expectCertificateFailure(f.serverCert, f.serverKey, tlsPolicy(f.otherCaCert));
}

TEST(WsTls, HostNameMismatchIsRejected) {
  const TlsFiles& f = tlsFiles();
  expectCertificateFailure(f.wrongHostCert, f.wrongHostKey, tlsPolicy(f.caCert));
}

TEST(WsTls, ExpiredCertificateIsRejected) {
  const TlsFiles& f = tlsFiles();
  expectCertificateFailure(f.expiredCert, f.expiredKey, tlsPolicy(f.caCert));
}

TEST(WsTls, NoVerificationOpensWithUnknownCa) {
  const TlsFiles& f = tlsFiles();
  WsEchoServer server("127.0.0.1", 0, WsEchoServer::Tls{f.serverCert, f.serverKey});
  Client client(wsOption(wssUrl(server)), tlsPolicy("", /*verify=*/false));
  client.rec.onOpenHook = [&] { client.task->close(); };
  client.runToClose();
  ASSERT_EQ((Strings{"open", "close"}), client.rec.order) << client.rec.firstErrMsg();
  EXPECT_EQ(client.rec.closeCode(), 1000);
}
