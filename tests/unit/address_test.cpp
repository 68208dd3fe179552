#include <gtest/gtest.h>

#include "core/address.hpp"

using namespace minisock::detail;

namespace {

std::string asIp(std::string_view s) {
  ParsedHost h = parseHost(s);
  EXPECT_TRUE(h.kind == HostKind::ipv4 || h.kind == HostKind::ipv6) << s << ": " << h.problem;
  return h.ip.toString();
}

}  // namespace

TEST(ParseHost, PlainLiterals) {
  EXPECT_EQ(asIp("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(asIp("::1"), "::1");
  EXPECT_EQ(asIp("[::1]"), "::1");
  EXPECT_EQ(parseHost("192.168.193.2").kind, HostKind::ipv4);
}

TEST(ParseHost, LegacyIPv4SpellingsAreRecognisedAsTheAddressLinuxWouldUse) {
  EXPECT_EQ(asIp("127.1"), "127.0.0.1");
  EXPECT_EQ(asIp("0x7f.1"), "127.0.0.1");
  EXPECT_EQ(asIp("0177.0.0.1"), "127.0.0.1");
  EXPECT_EQ(asIp("2130706433"), "127.0.0.1");
  EXPECT_EQ(asIp("0x7F000001"), "127.0.0.1");
}

TEST(ParseHost, MappedAddressesUnmap) {
  ParsedHost h = parseHost("::ffff:127.0.0.1");
  ASSERT_EQ(h.kind, HostKind::ipv6);
  EXPECT_FALSE(h.ip.unmapped().v6);
  EXPECT_EQ(h.ip.unmapped().toString(), "127.0.0.1");
  EXPECT_EQ(parseHost("10.0.0.1").ip.mapped().toString(), "::ffff:10.0.0.1");
}

TEST(ParseHost, NamesAreNormalised) {
  ParsedHost h = parseHost("Example.COM.");
  ASSERT_EQ(h.kind, HostKind::name);
  EXPECT_EQ(h.name, "example.com");
  EXPECT_EQ(parseHost("localhost").kind, HostKind::name);
  EXPECT_EQ(parseHost("my_host-1.local").kind, HostKind::name);
}

TEST(ParseHost, InvalidInputNamesTheProblem) {
  for (const char* bad :
       {"", "a b", "1.2.3.4.5", "256.1.1.1", "[127.0.0.1]", "[::1", "::g", "-bad.com", "bad-.com",
        "a..b", ".", "bad!host", "1.2.3.999", "host\n", "caf\xc3\xa9.com"}) {
    ParsedHost h = parseHost(bad);
    EXPECT_EQ(h.kind, HostKind::invalid) << '"' << bad << '"';
    EXPECT_FALSE(h.problem.empty()) << bad;
  }
  EXPECT_EQ(parseHost(std::string(64, 'a') + ".com").kind, HostKind::invalid);
  EXPECT_EQ(parseHost(std::string(300, 'a')).kind, HostKind::invalid);
}

TEST(Classify, LoopbackUnspecifiedAndLan) {
  EXPECT_TRUE(isLoopbackOrUnspecified(parseHost("127.0.0.1").ip));
  EXPECT_TRUE(isLoopbackOrUnspecified(parseHost("127.255.0.9").ip));
  EXPECT_TRUE(isLoopbackOrUnspecified(parseHost("0.0.0.0").ip));
  EXPECT_TRUE(isLoopbackOrUnspecified(parseHost("::").ip));
  EXPECT_TRUE(isLoopbackOrUnspecified(parseHost("::1").ip));
  EXPECT_TRUE(isLoopbackOrUnspecified(parseHost("::ffff:127.0.0.1").ip));
  EXPECT_TRUE(isLoopbackOrUnspecified(parseHost("::ffff:0.0.0.0").ip));
  EXPECT_FALSE(isLoopbackOrUnspecified(parseHost("10.1.2.3").ip));
  EXPECT_TRUE(isLanAddress(parseHost("10.1.2.3").ip));
  EXPECT_TRUE(isLanAddress(parseHost("172.16.0.1").ip));
  EXPECT_TRUE(isLanAddress(parseHost("172.31.255.1").ip));
  EXPECT_FALSE(isLanAddress(parseHost("172.32.0.1").ip));
  EXPECT_TRUE(isLanAddress(parseHost("192.168.193.2").ip));
  EXPECT_TRUE(isLanAddress(parseHost("fd00::1").ip));
  EXPECT_TRUE(isLanAddress(parseHost("fe80::1").ip));
  EXPECT_FALSE(isLanAddress(parseHost("8.8.8.8").ip));
  EXPECT_FALSE(isLanAddress(parseHost("2001:db8::1").ip));
}

TEST(Classify, InterfaceAddressesIncludeLoopback) {
  auto all = interfaceAddresses();
  EXPECT_NE(std::find(all.begin(), all.end(), parseHost("127.0.0.1").ip), all.end());
}
