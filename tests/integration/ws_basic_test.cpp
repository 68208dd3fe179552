// SocketTask against the Beast echo server on loopback: the seed examples, data round trips,
// options, the documented failures, the policy rules and the older global calls.
#include <gtest/gtest.h>

#include <cstring>
#include <minisock/echo_servers.hpp>
#include <minisock/minisock.hpp>
#include <random>
#include <set>

#include "event_recorder.hpp"
#include "raw_peers.hpp"
#include "ws_recorder.hpp"

using namespace minisock;
using namespace minisock::testing;
using namespace std::chrono_literals;

namespace {

std::string wsUrl(const servers::WsEchoServer& server, const std::string& path = "/echo") {
  return "ws://127.0.0.1:" + std::to_string(server.port()) + path;
}

}  // namespace

TEST(SocketTask, SeedExampleSendsReceivesAndCloses) {
  servers::WsEchoServer server;
  WsRecorder rec;
  Runtime rt;
  auto task = rt.connectSocket({.url = wsUrl(server), .success = rec.callback("success")});
  EXPECT_EQ(task->readyState(), SocketTask::CONNECTING);
  rec.attach(*task);
  task->onOpen([&](const SocketTask::OpenEvent&) {
    EXPECT_EQ(task->readyState(), SocketTask::OPEN);
    task->send({.data = "xxx"});
  });
  task->onMessage([&](const SocketTask::MessageEvent&) { task->close(); });
  ASSERT_TRUE(runUntil(rt, [&] { return !rec.closes.empty(); }));
  EXPECT_EQ((std::vector<std::string>{"success", "open", "message", "close"}), rec.order);
  EXPECT_EQ(rec.results.at(0).errMsg, "connectSocket:ok");
  EXPECT_EQ(rec.texts, std::vector<std::string>{"xxx"});
  EXPECT_EQ(rec.closes[0].code, 1000);
  EXPECT_EQ(rec.closes[0].reason, "");
  EXPECT_EQ(task->readyState(), SocketTask::CLOSED);
  EXPECT_GE(task->socketTaskId(), 1u);
  EXPECT_TRUE(drained(rt));
}

TEST(SocketTask, OpenEventCarriesHeadersProtocolAndProfile) {
  servers::WsEchoServer server;
  WsRecorder rec;
  Runtime rt;
  auto task = rt.connectSocket({.url = wsUrl(server),
                                .header = {{"X-Test", "1"}, {"content-type", "application/json"}},
                                .protocols = {"chat", "superchat"},
                                .perMessageDeflate = true});
  rec.attach(*task);
  task->onOpen([&](const SocketTask::OpenEvent&) { task->close({.code = 4000, .reason = "bye"}); });
  ASSERT_TRUE(runUntil(rt, [&] { return !rec.closes.empty(); }));
  ASSERT_EQ(rec.opens.size(), 1u);
  const auto& open = rec.opens[0];
  EXPECT_EQ(open.protocol, "chat");
  bool upgrade = false, deflate = false;
  for (const auto& [name, value] : open.header) {
    if (name == "Upgrade") upgrade = value == "websocket";
    if (name == "Sec-WebSocket-Extensions")
      deflate = value.find("permessage-deflate") != std::string::npos;
  }
  EXPECT_TRUE(upgrade);
  EXPECT_TRUE(deflate);
  const auto& p = open.profile;
  EXPECT_GT(p.fetchStart, 1.6e12);  // a real epoch timestamp in ms
  EXPECT_LE(p.fetchStart, p.domainLookUpStart);
  EXPECT_LE(p.domainLookUpStart, p.domainLookUpEnd);
  EXPECT_LE(p.domainLookUpEnd, p.connectStart);
  EXPECT_LE(p.connectStart, p.connectEnd);
  EXPECT_GT(p.cost, 0);
  EXPECT_GE(p.cost, p.handshakeCost);
  EXPECT_GE(p.rtt, 0);
  EXPECT_EQ(rec.closes[0].code, 4000);  // echoed by the server
  EXPECT_EQ(rec.closes[0].reason, "");  // what the server sent: Beast echoes the code only
  bool sawHeader = false, sawReferer = false;
  for (const auto& [name, value] : server.lastRequestHeaders()) {
    if (name == "X-Test" && value == "1") sawHeader = true;
    if (name == "Referer") sawReferer = true;
  }
  EXPECT_TRUE(sawHeader);
  EXPECT_FALSE(sawReferer);
}

class SocketTaskRoundTrip : public ::testing::TestWithParam<bool> {};

TEST_P(SocketTaskRoundTrip, SixteenMiBBinaryAndTextAreByteExactInOrder) {
  servers::WsEchoServer server;
  WsRecorder rec;
  Runtime rt;
  std::vector<std::byte> big(16u << 20);
  std::mt19937 rng(7);
  for (auto& b : big) b = static_cast<std::byte>(rng());
  auto task = rt.connectSocket({.url = wsUrl(server), .perMessageDeflate = GetParam()});
  rec.attach(*task);
  std::vector<std::string> sent;
  int okCallbacks = 0;
  task->onOpen([&](const SocketTask::OpenEvent&) {
    task->send({.data = "héllo ✓", .success = [&](const CallbackResult& r) {
                  EXPECT_EQ(r.errMsg, "sendSocketMessage:ok");
                  ++okCallbacks;
                }});
    task->send({.data = big, .success = [&](const CallbackResult&) { ++okCallbacks; }});
    EXPECT_GE(task->bufferedAmount(), big.size());
    task->send({.data = std::string(""), .success = [&](const CallbackResult&) { ++okCallbacks; }});
  });
  task->onMessage([&](const SocketTask::MessageEvent&) {
    if (rec.texts.size() + rec.binaries.size() == 3) task->close();
  });
  ASSERT_TRUE(runUntil(
      rt, [&] { return !rec.closes.empty(); }, 120s));
  ASSERT_EQ(rec.texts.size(), 2u);
  EXPECT_EQ(rec.texts[0], "héllo ✓");
  EXPECT_EQ(rec.texts[1], "");
  ASSERT_EQ(rec.binaries.size(), 1u);
  EXPECT_TRUE(rec.binaries[0] == big);
  EXPECT_EQ((std::vector<std::string>{"open", "message", "message", "message", "close"}),
            rec.order);
  EXPECT_EQ(okCallbacks, 3);
  EXPECT_EQ(task->bufferedAmount(), 0u);
  EXPECT_EQ(rec.closes[0].code, 1000);
}

INSTANTIATE_TEST_SUITE_P(Deflate, SocketTaskRoundTrip, ::testing::Values(false, true));

TEST(SocketTask, SendBeforeOpenAndAfterCloseFailsWithoutThrowing) {
  servers::WsEchoServer server;
  WsRecorder rec;
  Runtime rt;
  auto task = rt.connectSocket({.url = wsUrl(server)});
  rec.attach(*task);
  task->send({.data = "early", .fail = rec.callback("fail"), .complete = rec.callback("complete")});
  task->onOpen([&](const SocketTask::OpenEvent&) {
    task->close();
    task->send({.data = "late", .fail = rec.callback("fail")});
  });
  ASSERT_TRUE(runUntil(rt, [&] { return !rec.closes.empty(); }));
  EXPECT_EQ((std::vector<std::string>{"fail", "complete", "open", "fail", "close"}), rec.order);
  EXPECT_EQ(rec.results[0].errMsg, "sendSocketMessage:fail webSocket is not connected");
  EXPECT_EQ(rec.results[1].errMsg, "sendSocketMessage:fail webSocket is not connected");
  EXPECT_NE(rec.results[2].errMsg.find("sendSocketMessage:fail webSocket is not connected"),
            std::string::npos);
  EXPECT_EQ(server.messageCount(), 0u);
}

TEST(SocketTask, NonUtf8TextIsRefusedAndBinaryIsSent) {
  servers::WsEchoServer server;
  WsRecorder rec;
  Runtime rt;
  auto task = rt.connectSocket({.url = wsUrl(server)});
  rec.attach(*task);
  task->onOpen([&](const SocketTask::OpenEvent&) {
    task->send({.data = std::string("\xC3\x28"), .fail = rec.callback("fail")});
    task->send({.data = std::vector<std::byte>{std::byte{0xC3}, std::byte{0x28}}});
  });
  task->onMessage([&](const SocketTask::MessageEvent&) { task->close(); });
  ASSERT_TRUE(runUntil(rt, [&] { return !rec.closes.empty(); }));
  EXPECT_NE(rec.results.at(0).errMsg.find("not valid UTF-8"), std::string::npos);
  ASSERT_EQ(rec.binaries.size(), 1u);
  EXPECT_EQ(rec.binaries[0].size(), 2u);
}

TEST(SocketTask, SharedBytesAreSentWithoutCopyAndReleasedAfterTheCallbacks) {
  servers::WsEchoServer server;
  WsRecorder rec;
  Runtime rt;
  auto shared = std::make_shared<std::vector<std::byte>>(300 * 1024);
  for (std::size_t i = 0; i < shared->size(); ++i) (*shared)[i] = std::byte(i * 7 % 251);
  auto task = rt.connectSocket({.url = wsUrl(server)});
  rec.attach(*task);
  int ok = 0;
  task->onOpen([&](const SocketTask::OpenEvent&) {
    for (int i = 0; i < 3; ++i)  // the same bytes three times, no copy each
      task->send({.data = SocketTask::SharedBytes(shared),
                  .success = [&](const CallbackResult&) { ++ok; }});
    task->send({.data = SocketTask::SharedBytes{}, .fail = rec.callback("fail")});
  });
  task->onMessage([&](const SocketTask::MessageEvent&) {
    if (rec.binaries.size() == 3) task->close();
  });
  ASSERT_TRUE(runUntil(rt, [&] { return !rec.closes.empty(); }));
  EXPECT_EQ(ok, 3);
  ASSERT_EQ(rec.binaries.size(), 3u);
  for (const auto& b : rec.binaries) {
    ASSERT_EQ(b.size(), shared->size());
    EXPECT_TRUE(std::equal(b.begin(), b.end(), shared->begin()));
  }
  ASSERT_EQ(rec.results.size(), 1u);
  EXPECT_EQ(rec.results[0].errMsg, "sendSocketMessage:fail data is a null SharedBytes");
  EXPECT_EQ(shared.use_count(), 1);  // minisock kept no reference after the sends
}

TEST(SocketTask, RunReturnsOnceTheLastTaskHasClosed) {
  // Nothing may keep the loop busy after the Close event (its timeouts are cancelled).
  servers::WsEchoServer server;
  Runtime rt;
  auto task = rt.connectSocket({.url = wsUrl(server), .timeout = 30s});
  int closes = 0;
  task->onOpen([&](const SocketTask::OpenEvent&) { task->close(); });
  task->onClose([&](const SocketTask::CloseEvent&) { ++closes; });
  const auto start = std::chrono::steady_clock::now();
  rt.runFor(20s);
  EXPECT_EQ(closes, 1);
  // The close-answer timeout (5 s) is the earliest one armed: returning well before it shows
  // that the cancelled timeouts do not hold the loop.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(rt.socketCount(), 0u);
}

TEST(SocketTask, BurstsOfSendsArriveCompleteAndInOrder) {
  // Sends made from onOpen (a burst while nothing is received) and from onMessage (answers
  // while received messages are being handled) take minisock's two write paths: straight to
  // the socket, and gathered into one write. Every message must come back, once, in order.
  servers::WsEchoServer server;
  WsRecorder rec;
  Runtime rt;
  auto task = rt.connectSocket({.url = wsUrl(server)});
  rec.attach(*task);
  constexpr int kFirst = 500, kTotal = 2000;
  int sent = 0, ok = 0;
  auto sendNext = [&] {
    std::vector<std::byte> m(8 + sent % 200, std::byte(sent % 251));
    std::memcpy(m.data(), &sent, sizeof sent);
    ++sent;
    task->send({.data = std::move(m), .success = [&](const CallbackResult&) { ++ok; }});
  };
  task->onOpen([&](const SocketTask::OpenEvent&) {
    for (int i = 0; i < kFirst; ++i) sendNext();
  });
  task->onMessage([&](const SocketTask::MessageEvent&) {
    if (sent < kTotal) sendNext();
    if (rec.binaries.size() == kTotal) task->close();
  });
  ASSERT_TRUE(runUntil(rt, [&] { return !rec.closes.empty(); }));
  EXPECT_EQ(ok, kTotal);
  ASSERT_EQ(rec.binaries.size(), static_cast<std::size_t>(kTotal));
  for (int i = 0; i < kTotal; ++i) {
    const auto& b = rec.binaries[i];
    ASSERT_EQ(b.size(), 8u + i % 200) << "message " << i;
    int seq = -1;
    std::memcpy(&seq, b.data(), sizeof seq);
    ASSERT_EQ(seq, i);
    for (std::size_t k = 8; k < b.size(); ++k) ASSERT_EQ(b[k], std::byte(i % 251)) << i;
  }
  EXPECT_EQ(rec.closes.at(0).code, 1000);
}

TEST(SocketTask, CloseValidatesCodeAndReasonAndStaysOpen) {
  servers::WsEchoServer server;
  WsRecorder rec;
  Runtime rt;
  auto task = rt.connectSocket({.url = wsUrl(server)});
  rec.attach(*task);
  task->onOpen([&](const SocketTask::OpenEvent&) {
    task->close({.code = 1001, .fail = rec.callback("fail")});
    task->close({.code = 2999, .fail = rec.callback("fail")});
    task->close({.code = 5000, .fail = rec.callback("fail")});
    task->close({.code = 3000, .reason = std::string(124, 'r'), .fail = rec.callback("fail")});
    task->close({.code = 3000, .reason = std::string("\xff"), .fail = rec.callback("fail")});
    task->send({.data = "still open"});
  });
  task->onMessage([&](const SocketTask::MessageEvent&) {
    task->close(
        {.code = 4999, .reason = std::string(123, 'r'), .success = rec.callback("success")});
    task->close({.fail = rec.callback("fail")});  // already closing
  });
  ASSERT_TRUE(runUntil(rt, [&] { return !rec.closes.empty(); }));
  ASSERT_EQ(rec.results.size(), 7u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(rec.results[i].errMsg.find(
                  "closeSocket:fail The code must be either 1000, or between 3000 and 4999"),
              std::string::npos)
        << rec.results[i].errMsg;
  }
  EXPECT_NE(rec.results[3].errMsg.find("at most 123 bytes"), std::string::npos);
  EXPECT_NE(rec.results[4].errMsg.find("UTF-8"), std::string::npos);
  EXPECT_EQ(rec.results[5].errMsg, "closeSocket:ok");
  EXPECT_NE(rec.results[6].errMsg.find("closeSocket:fail"), std::string::npos);
  EXPECT_EQ(rec.texts, std::vector<std::string>{"still open"});
  EXPECT_EQ(rec.closes[0].code, 4999);
  EXPECT_EQ(rec.closes[0].reason, "");  // the server's own close frame has no reason
}

TEST(SocketTask, CloseWhileConnectingCancels) {
  servers::WsEchoServer server;
  WsRecorder rec;
  Runtime rt;
  auto task = rt.connectSocket({.url = wsUrl(server)});
  rec.attach(*task);
  task->close({.success = rec.callback("success")});
  ASSERT_TRUE(runUntil(rt, [&] { return !rec.closes.empty(); }));
  EXPECT_EQ((std::vector<std::string>{"success", "close"}), rec.order);
  EXPECT_EQ(rec.closes[0].code, 1006);
  EXPECT_TRUE(drained(rt));
}

TEST(SocketTask, InvalidOptionsFailThenErrorThenClose) {
  struct Case {
    ConnectSocketOption option;
    std::string expected;
    int errNo;
  };
  std::vector<Case> cases;
  cases.push_back({{.url = "http://127.0.0.1:9/"}, "connectSocket:fail url not ws or wss", 600009});
  cases.push_back({{.url = ""}, "connectSocket:fail url is empty", 600009});
  cases.push_back({{.url = "ws://"}, "connectSocket:fail url has no host", 600009});
  cases.push_back(
      {{.url = "ws://127.0.0.1:99999/"}, "connectSocket:fail url has an invalid port", 600009});
  cases.push_back({{.url = "ws://[::1/"}, "connectSocket:fail url has an unclosed", 600009});
  cases.push_back(
      {{.url = "ws://127.0.0.1:9/", .header = {{"Referer", "x"}}}, "must not set Referer", 0});
  cases.push_back(
      {{.url = "ws://127.0.0.1:9/", .header = {{"X-A", "a\r\nInjected: 1"}}}, "CR, LF or NUL", 0});
  cases.push_back(
      {{.url = "ws://127.0.0.1:9/", .header = {{"Bad Name", "v"}}}, "not a valid HTTP token", 0});
  cases.push_back(
      {{.url = "ws://127.0.0.1:9/", .protocols = {"a b"}}, "not a valid HTTP token", 0});
  cases.push_back({{.url = "ws://127.0.0.1:9/", .timeout = 0ms}, "invalid timeout", 0});
  cases.push_back({{.url = "ws://127.0.0.1:9/", .timeout = -5ms}, "invalid timeout -5 ms", 0});
  cases.push_back(
      {{.url = "ws://127.0.0.1:9/", .method = "PATCH"},
       "method 'PATCH' is not one of OPTIONS, GET, HEAD, POST, PUT, DELETE, TRACE, CONNECT",
       0});
  for (auto& c : cases) {
    WsRecorder rec;
    Runtime rt;
    c.option.fail = rec.callback("fail");
    c.option.complete = rec.callback("complete");
    const std::string url = c.option.url;
    auto task = rt.connectSocket(std::move(c.option));
    rec.attach(*task);
    ASSERT_TRUE(runUntil(rt, [&] { return !rec.closes.empty(); })) << url;
    EXPECT_EQ((std::vector<std::string>{"fail", "complete", "error", "close"}), rec.order) << url;
    EXPECT_NE(rec.results.at(0).errMsg.find(c.expected), std::string::npos)
        << rec.results[0].errMsg;
    EXPECT_EQ(rec.results.at(0).errNo, c.errNo) << url;
    EXPECT_EQ(rec.errors.at(0).errMsg, rec.results[0].errMsg);
    EXPECT_EQ(rec.closes.at(0).code, 1006);
    EXPECT_EQ(task->readyState(), SocketTask::CLOSED);
  }
}

TEST(SocketTask, ATimeoutAboveSixtySecondsIsCappedNotRefused) {
  // The platform caps the opening's timeout at 60 s: code that passes 120000 works there.
  servers::WsEchoServer server;
  WsRecorder rec;
  Runtime rt;
  auto task = rt.connectSocket({.url = wsUrl(server),
                                .timeout = std::chrono::seconds(120),
                                .success = rec.callback("success")});
  rec.attach(*task);
  task->onOpen([&](const SocketTask::OpenEvent&) { task->close(); });
  ASSERT_TRUE(runUntil(rt, [&] { return !rec.closes.empty(); }));
  EXPECT_EQ((std::vector<std::string>{"success", "open", "close"}), rec.order);
  EXPECT_EQ(rec.closes[0].code, 1000);
}

TEST(SocketTask, ServerThatIsNotListeningGivesErrorThenClose) {
  RefusingPort refusing;
  WsRecorder rec;
  Runtime rt;
  auto task = rt.connectSocket({.url = "ws://127.0.0.1:" + std::to_string(refusing.port()) + "/",
                                .success = rec.callback("success")});
  rec.attach(*task);
  ASSERT_TRUE(runUntil(rt, [&] { return !rec.closes.empty(); }));
  EXPECT_EQ((std::vector<std::string>{"success", "error", "close"}), rec.order);
  EXPECT_NE(rec.errors[0].errMsg.find("Connection refused"), std::string::npos)
      << rec.errors[0].errMsg;
  EXPECT_EQ(rec.closes[0].code, 1006);
}

TEST(SocketTaskPolicy, ReleaseAllowsWssOnlyAndTheDomainList) {
  WsRecorder a, b;
  Runtime rt(Policy::release());
  auto plain = rt.connectSocket({.url = "ws://example.com/", .fail = a.callback("fail")});
  a.attach(*plain);
  auto unlisted = rt.connectSocket({.url = "wss://example.com/", .fail = b.callback("fail")});
  b.attach(*unlisted);
  ASSERT_TRUE(runUntil(rt, [&] { return !a.closes.empty() && !b.closes.empty(); }));
  EXPECT_NE(a.results.at(0).errMsg.find("allows wss:// only"), std::string::npos)
      << a.results[0].errMsg;
  EXPECT_EQ(a.errors.at(0).errCode, -3);
  EXPECT_EQ(b.results.at(0).errMsg.rfind("connectSocket:fail url not in domain list", 0), 0u)
      << b.results[0].errMsg;
  EXPECT_EQ(b.results.at(0).errNo, 600002);
  EXPECT_EQ(b.errors.at(0).errNo, 600002);
}

TEST(SocketTaskPolicy, SixthConcurrentTaskIsCreatedThenFailsWithExceedMaxTaskCount) {
  servers::WsEchoServer server;
  Runtime rt;  // development: 5 at most
  std::vector<std::shared_ptr<SocketTask>> tasks;
  std::vector<WsRecorder> recs(7);
  int opened = 0;
  for (int i = 0; i < 6; ++i) {
    tasks.push_back(
        rt.connectSocket({.url = wsUrl(server), .success = recs[i].callback("success")}));
    recs[i].attach(*tasks.back());
    tasks.back()->onOpen([&](const SocketTask::OpenEvent&) { ++opened; });
  }
  ASSERT_TRUE(runUntil(rt, [&] { return opened == 5 && !recs[5].closes.empty(); }));
  EXPECT_EQ((std::vector<std::string>{"success", "error", "close"}), recs[5].order);
  EXPECT_EQ(recs[5].errors[0].errNo, 600007);
  EXPECT_NE(recs[5].errors[0].errMsg.find("exceed max task count"), std::string::npos);
  EXPECT_EQ(server.acceptedCount(), 5u);
  // Closing one frees a place.
  tasks[0]->close();
  ASSERT_TRUE(runUntil(rt, [&] { return !recs[0].closes.empty(); }));
  tasks.push_back(rt.connectSocket({.url = wsUrl(server)}));
  recs[6].attach(*tasks.back());
  ASSERT_TRUE(runUntil(rt, [&] { return !recs[6].opens.empty(); }));
  for (int i = 1; i < 7; ++i) tasks[i]->close();
  EXPECT_TRUE(drained(rt));
  std::set<std::uint64_t> ids;
  for (auto& t : tasks) ids.insert(t->socketTaskId());
  EXPECT_EQ(ids.size(), tasks.size());
}

TEST(SocketTaskGlobal, OlderGlobalCallsActOnTheMostRecentTask) {
  servers::WsEchoServer server;
  Runtime rt;
  std::vector<std::string> order;
  rt.onSocketOpen([&](const SocketTask::OpenEvent&) {
    order.emplace_back("open");
    rt.sendSocketMessage(
        {.data = "global", .success = [&](const CallbackResult& r) { order.push_back(r.errMsg); }});
  });
  rt.onSocketMessage([&](const SocketTask::MessageEvent& e) {
    order.emplace_back("message:" + std::string(std::get<std::string_view>(e.data)));
    rt.closeSocket({.code = 3001, .reason = "global close"});
  });
  rt.onSocketError([&](const ErrorEvent&) { order.emplace_back("error"); });
  rt.onSocketClose([&](const SocketTask::CloseEvent& e) {
    order.emplace_back("close:" + std::to_string(e.code) + ":" + e.reason);
  });
  std::vector<std::string> early;
  rt.closeSocket({.fail = [&](const CallbackResult& r) { early.push_back(r.errMsg); }});
  auto task = rt.connectSocket({.url = wsUrl(server)});
  // Documented: closing before open does not close.
  rt.closeSocket({.fail = [&](const CallbackResult& r) { early.push_back(r.errMsg); }});
  ASSERT_TRUE(runUntil(rt, [&] { return !order.empty() && order.back().rfind("close:", 0) == 0; }));
  EXPECT_EQ(
      (std::vector<std::string>{"open", "sendSocketMessage:ok", "message:global", "close:3001:"}),
      order);
  ASSERT_EQ(early.size(), 2u);
  EXPECT_NE(early[0].find("closeSocket:fail"), std::string::npos);
  EXPECT_NE(early[1].find("closing it before onSocketOpen does not close it"), std::string::npos);
  std::vector<std::string> after;
  rt.sendSocketMessage({.fail = [&](const CallbackResult& r) { after.push_back(r.errMsg); }});
  ASSERT_TRUE(runUntil(rt, [&] { return !after.empty(); }));
  EXPECT_NE(after[0].find("sendSocketMessage:fail"), std::string::npos);
}

TEST(SocketTaskGlobal, ARefusedConnectSocketDoesNotTakeOverTheGlobalCalls) {
  // A bad URL, a policy refusal and the task over maxWebSockets are refused: the global calls
  // and events stay with the task that was admitted last.
  servers::WsEchoServer server;
  Policy policy = Policy::development();
  policy.maxWebSockets = 1;
  policy.blockedWebSocketPorts = {{25, 25}};
  Runtime rt(policy);
  std::vector<std::string> messages;
  int globalErrors = 0;
  rt.onSocketMessage([&](const SocketTask::MessageEvent& e) {
    messages.emplace_back(std::get<std::string_view>(e.data));
  });
  rt.onSocketError([&](const ErrorEvent&) { ++globalErrors; });
  bool opened = false;
  auto admitted = rt.connectSocket({.url = wsUrl(server)});
  admitted->onOpen([&](const SocketTask::OpenEvent&) { opened = true; });
  ASSERT_TRUE(runUntil(rt, [&] { return opened; }));
  int closes = 0;
  for (std::string url :
       {std::string("http://127.0.0.1:9/"), std::string("ws://127.0.0.1:25/"), wsUrl(server)}) {
    auto refused = rt.connectSocket({.url = url});
    refused->onClose([&](const SocketTask::CloseEvent&) { ++closes; });
  }
  ASSERT_TRUE(runUntil(rt, [&] { return closes == 3; }));
  std::vector<std::string> results;
  rt.sendSocketMessage({.data = "still here",
                        .success = [&](const CallbackResult& r) { results.push_back(r.errMsg); }});
  ASSERT_TRUE(runUntil(rt, [&] { return messages.size() == 1; }));
  EXPECT_EQ(messages[0], "still here");
  EXPECT_EQ(results, std::vector<std::string>{"sendSocketMessage:ok"});
  EXPECT_EQ(globalErrors, 0) << "a refused task's Error reached the global listeners";
  admitted->close();
  EXPECT_TRUE(drained(rt));
}

// The Close of a finished closing handshake is dispatched from inside the I/O completion:
// destroying the Runtime there (the listener's own) must be as safe as anywhere else.
TEST(SocketTask, RuntimeDestroyedInsideOnCloseAfterTheClosingHandshake) {
  servers::WsEchoServer server;
  auto rt = std::make_unique<Runtime>();
  int closes = 0, code = 0;
  auto task = rt->connectSocket({.url = wsUrl(server)});
  task->onOpen([&](const SocketTask::OpenEvent&) { task->close({.code = 4000}); });
  task->onClose([&](const SocketTask::CloseEvent& e) {
    ++closes;
    code = e.code;
    rt.reset();  // run() returns afterwards; nothing touches the destroyed Runtime
  });
  Runtime* raw = rt.get();
  raw->run();
  EXPECT_EQ(closes, 1);
  EXPECT_EQ(code, 4000);
  EXPECT_EQ(rt, nullptr);
  EXPECT_EQ(task->readyState(), SocketTask::CLOSED);
  task->send({.data = "no-op"});  // the runtime is gone: nothing happens, nothing crashes
}

// The same from the global calls' onSocketClose, whose registry the Runtime holds: the
// dispatch that called the listener must not touch the destroyed Runtime's state.
TEST(SocketTask, RuntimeDestroyedInsideTheGlobalOnSocketClose) {
  servers::WsEchoServer server;
  auto rt = std::make_unique<Runtime>();
  int closes = 0, laterListener = 0;
  auto task = rt->connectSocket({.url = wsUrl(server)});
  rt->onSocketOpen([&](const SocketTask::OpenEvent&) { rt->closeSocket({.code = 4001}); });
  rt->onSocketClose([&](const SocketTask::CloseEvent& e) {
    ++closes;
    EXPECT_EQ(e.code, 4001);
    rt.reset();
  });
  rt->onSocketClose([&](const SocketTask::CloseEvent&) { ++laterListener; });
  Runtime* raw = rt.get();
  raw->run();
  EXPECT_EQ(closes, 1);
  EXPECT_EQ(laterListener, 0);  // dropped with the Runtime, not called on freed state
  EXPECT_EQ(rt, nullptr);
  EXPECT_EQ(task->readyState(), SocketTask::CLOSED);
}

TEST(SocketTask, RuntimeDestroyedWithTasksOpenAndConnecting) {
  servers::WsEchoServer server;
  std::shared_ptr<SocketTask> open, connecting;
  {
    Runtime rt;
    open = rt.connectSocket({.url = wsUrl(server)});
    int opened = 0;
    open->onOpen([&](const SocketTask::OpenEvent&) { ++opened; });
    open->onClose([open](const SocketTask::CloseEvent&) {});  // a cycle the runtime breaks
    ASSERT_TRUE(runUntil(rt, [&] { return opened == 1; }));
    open->send({.data = std::string(1 << 20, 'x')});
    connecting = rt.connectSocket({.url = wsUrl(server)});
  }
  open->send({.data = "after"});
  open->close();
  EXPECT_EQ(open->readyState(), SocketTask::CLOSED);
  EXPECT_EQ(connecting->readyState(), SocketTask::CLOSED);
}
