#include <gtest/gtest.h>

#include "core/utf8.hpp"
#include "core/ws_options.hpp"

using namespace minisock;
using namespace minisock::detail;

TEST(WsUrl, ParsesSchemesHostsPortsAndTargets) {
  WsUrl u;
  ASSERT_EQ(parseWsUrl("wss://Example.com/chat?x=1", u), "");
  EXPECT_TRUE(u.secure);
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.target, "/chat?x=1");
  EXPECT_EQ(u.hostHeader, "Example.com");
  EXPECT_EQ(u.parsedHost.name, "example.com");
  ASSERT_EQ(parseWsUrl("ws://[::1]:8080", u), "");
  EXPECT_EQ(u.target, "/");
  EXPECT_EQ(u.hostHeader, "[::1]:8080");
  ASSERT_EQ(parseWsUrl("ws://127.0.0.1:9?q", u), "");
  EXPECT_EQ(u.target, "/?q");
  EXPECT_EQ(parseWsUrl("http://x", u), "url not ws or wss");
  EXPECT_NE(parseWsUrl("ws://a@b/", u), "");
  EXPECT_NE(parseWsUrl("ws://h/#frag", u), "");
  EXPECT_NE(parseWsUrl("ws://::1/", u), "");
  EXPECT_NE(parseWsUrl("ws://h:0/", u), "");
  EXPECT_NE(parseWsUrl("ws://h:/", u), "");
}

TEST(WsOptions, AHeaderFieldOrTheProtocolOfferOverTheFieldLimitIsRefusedNamingIt) {
  constexpr std::size_t limit = minisock::SocketTask::kMaxRequestFieldBytes;
  EXPECT_EQ(checkHeaders({{"X-Big", std::string(limit, 'a')}}), "");
  const std::string value = checkHeaders({{"X-Big", std::string(limit + 1, 'a')}});
  EXPECT_NE(value.find("header 'X-Big' has a value of 65534 bytes"), std::string::npos) << value;
  EXPECT_NE(value.find("at most 65533 bytes: SocketTask::kMaxRequestFieldBytes"), std::string::npos)
      << value;
  const std::string name = checkHeaders({{std::string(limit + 1, 'X'), "v"}});
  EXPECT_NE(name.find("is 65534 bytes long"), std::string::npos) << name;
  // Joined with ", ": two offers of 32765 bytes take 65532 bytes, one byte more is too many.
  EXPECT_EQ(checkProtocols({std::string(32765, 'a'), std::string(32765, 'b')}), "");
  const std::string offer = checkProtocols({std::string(32766, 'a'), std::string(32766, 'b')});
  EXPECT_NE(offer.find("protocols take 65534 bytes"), std::string::npos) << offer;
}

TEST(WsOptions, ADuplicateProtocolIsFoundAmongManyOffersAndNamed) {
  std::vector<std::string> offers;
  for (int i = 0; i < 5000; ++i) {
    std::string offer = "p";  // appended: GCC 12 at -O3 reports a false -Wrestrict for "p" + s
    offer += std::to_string(i);
    offers.push_back(std::move(offer));
  }
  EXPECT_EQ(checkProtocols(offers), "");
  offers.push_back("p4321");
  EXPECT_EQ(checkProtocols(offers), "protocol 'p4321' is listed twice");
}

TEST(WsOptions, HeadersProtocolsAndCloseRules) {
  EXPECT_EQ(checkHeaders({{"X-Ok", "value with spaces"}}), "");
  EXPECT_NE(checkHeaders({{"Referer", "x"}}), "");
  EXPECT_NE(checkHeaders({{"referer", "x"}}), "");
  EXPECT_NE(checkHeaders({{"X", "a\nb"}}), "");
  EXPECT_NE(checkHeaders({{"Sec-WebSocket-Key", "x"}}), "");
  EXPECT_NE(checkHeaders({{"", "x"}}), "");
  EXPECT_EQ(checkProtocols({"chat", "v2.json"}), "");
  EXPECT_NE(checkProtocols({"chat", "chat"}), "");
  EXPECT_NE(checkProtocols({""}), "");
  for (int ok : {1000, 3000, 4999}) EXPECT_EQ(checkCloseCode(ok), "") << ok;
  for (int bad : {0, 999, 1001, 1005, 1006, 2999, 5000, -1})
    EXPECT_NE(checkCloseCode(bad), "") << bad;
  EXPECT_EQ(checkCloseReason(std::string(123, 'a')), "");
  EXPECT_NE(checkCloseReason(std::string(124, 'a')), "");
  EXPECT_NE(checkCloseReason("\xff"), "");
}

TEST(WsOptions, UpgradeResponseMustMatchWhatWasOffered) {
  EXPECT_EQ(checkUpgradeResponse({"chat"}, false, "chat", ""), "");
  EXPECT_EQ(checkUpgradeResponse({"chat"}, false, "", ""), "");  // the server may pick none
  EXPECT_NE(checkUpgradeResponse({"chat"}, false, "superchat", "").find("subprotocol"),
            std::string::npos);
  EXPECT_NE(checkUpgradeResponse({}, false, "chat", ""), "");
  EXPECT_EQ(checkUpgradeResponse({}, true, "", "permessage-deflate; client_max_window_bits=15"),
            "");
  EXPECT_NE(checkUpgradeResponse({}, false, "", "permessage-deflate").find("extension"),
            std::string::npos);
  EXPECT_NE(checkUpgradeResponse({}, true, "", "permessage-deflate, x-webkit-deflate-frame"), "");
}

TEST(WsOptions, PermessageDeflateParametersAreValidated) {
  for (const char* ok : {"permessage-deflate", "permessage-deflate; server_no_context_takeover",
                         "permessage-deflate; client_max_window_bits=15; server_max_window_bits=8",
                         "permessage-deflate; server_max_window_bits=\"12\"",
                         "permessage-deflate;client_no_context_takeover"}) {
    EXPECT_EQ(checkUpgradeResponse({}, true, "", ok), "") << ok;
  }
  for (const char* bad :
       {"permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_max_window_bits=010",
        "permessage-deflate; client_max_window_bits=7", "permessage-deflate; foo=1",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate, permessage-deflate"}) {
    EXPECT_NE(checkUpgradeResponse({}, true, "", bad), "") << bad;
  }
}

TEST(Utf8, ValidationAndIncompleteTails) {
  EXPECT_TRUE(isValidUtf8("héllo ✓ 𝄞"));
  EXPECT_FALSE(isValidUtf8("\xC3\x28"));
  EXPECT_FALSE(isValidUtf8("\xE0\x80\x80"));      // overlong
  EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(isValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(isValidUtf8("\xE2\x82"));
  EXPECT_TRUE(endsInsideUtf8Sequence("ab\xE2\x82"));
  EXPECT_TRUE(endsInsideUtf8Sequence("\xF0\x9D\x84"));
  EXPECT_FALSE(endsInsideUtf8Sequence("ab\xE2\x82\xAC"));
  EXPECT_FALSE(endsInsideUtf8Sequence(""));
  EXPECT_FALSE(endsInsideUtf8Sequence("abc"));
}
