// The proxy URL, the no-proxy list and the tunnel protocols' bytes (core/proxy, sans-I/O).

#include "core/proxy.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace minisock::detail;

namespace {

ProxyUrl parsed(const std::string& text) {
  ProxyUrlResult r = parseProxyUrl(text);
  EXPECT_TRUE(r.url) << text << ": " << r.problem;
  return r.url.value_or(ProxyUrl{});
}

std::string problem(const std::string& text) {
  ProxyUrlResult r = parseProxyUrl(text);
  EXPECT_FALSE(r.url) << text;
  return r.problem;
}

ParsedHost host(const std::string& text) { return parseHost(text); }

}  // namespace

TEST(ProxyUrl, SchemesPortsAndCredentials) {
  ProxyUrl http = parsed("http://proxy.example:3128");
  EXPECT_EQ(http.kind, ProxyUrl::Kind::http);
  EXPECT_EQ(http.host.name, "proxy.example");
  EXPECT_EQ(http.port, 3128);
  EXPECT_FALSE(http.hasCredentials);
  EXPECT_EQ(http.display, "http://proxy.example:3128");

  ProxyUrl socks = parsed("SOCKS5H://u%40corp:p%3Aw@[::1]/");
  EXPECT_EQ(socks.kind, ProxyUrl::Kind::socks5);
  EXPECT_EQ(socks.port, 1080);  // curl's default
  EXPECT_EQ(socks.user, "u@corp");
  EXPECT_EQ(socks.password, "p:w");
  EXPECT_EQ(socks.display, "socks5://[::1]:1080");  // no credentials

  EXPECT_EQ(parsed("127.0.0.1:8080").display, "http://127.0.0.1:8080");  // no scheme: http
  EXPECT_EQ(parsed("http://user@host").password, "");
}

TEST(ProxyUrl, ProblemsAreNamedWithoutTheCredentials) {
  EXPECT_EQ(problem("gopher://h:1"),
            "the proxy URL is not valid: unknown scheme 'gopher' (use http:// or socks5://)");
  EXPECT_NE(problem("socks4://h:1").find("SOCKS4 is not supported"), std::string::npos);
  EXPECT_NE(problem("http://h:0").find("invalid port '0'"), std::string::npos);
  EXPECT_NE(problem("http://h:").find("empty port"), std::string::npos);
  EXPECT_NE(problem("http://[::1:80").find("without its ']'"), std::string::npos);
  EXPECT_NE(problem("http://h:1/x").find("no path"), std::string::npos);
  EXPECT_NE(problem("http://:secret@h:1").find("empty user name"), std::string::npos);
  EXPECT_EQ(problem("http://a:s%ZZecret@h:1").find("secret"), std::string::npos);
  EXPECT_NE(problem("socks5://" + std::string(256, 'u') + ":p@h:1").find("255 bytes"),
            std::string::npos);
}

TEST(NoProxy, NamesAddressesAndBlocks) {
  const std::vector<std::string> list = {".corp.example", "example.org", "10.0.0.0/8", "::1",
                                         "fd00::/8"};
  EXPECT_TRUE(bypassesProxy(list, host("corp.example")));
  EXPECT_TRUE(bypassesProxy(list, host("API.Corp.Example.")));
  EXPECT_TRUE(bypassesProxy(list, host("www.example.org")));
  EXPECT_FALSE(bypassesProxy(list, host("badexample.org")));  // a label boundary
  EXPECT_FALSE(bypassesProxy(list, host("example.com")));
  EXPECT_TRUE(bypassesProxy(list, host("10.200.1.2")));
  EXPECT_FALSE(bypassesProxy(list, host("11.0.0.1")));
  EXPECT_TRUE(bypassesProxy(list, host("[::1]")));
  EXPECT_TRUE(bypassesProxy(list, host("fd12::5")));
  EXPECT_FALSE(bypassesProxy(list, host("fe80::1")));
  EXPECT_TRUE(bypassesProxy({"*"}, host("anything.example")));
  EXPECT_FALSE(bypassesProxy({}, host("anything.example")));
  EXPECT_EQ(checkNoProxyEntry("10.0.0.0/8"), "");
  EXPECT_NE(checkNoProxyEntry("10.0.0.0/40").find("invalid prefix length"), std::string::npos);
  EXPECT_NE(checkNoProxyEntry("nohost/8").find("does not start with an IP"), std::string::npos);
  EXPECT_NE(checkNoProxyEntry("").find("empty entry"), std::string::npos);
}

TEST(HttpConnect, RequestAndAnswer) {
  const ProxyUrl proxy = parsed("http://alice:pw@127.0.0.1:3128");
  const TunnelTarget target{host("[::1]"), 443};
  EXPECT_EQ(httpConnectRequest(proxy, target),
            "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n"
            "Proxy-Authorization: Basic YWxpY2U6cHc=\r\n\r\n");
  EXPECT_EQ(httpConnectReadSize(""), 4u);
  EXPECT_EQ(httpConnectReadSize("HTTP/1.1 200 OK"), 4u);
  EXPECT_EQ(httpConnectReadSize("HTTP/1.1 200 OK\r"), 3u);
  EXPECT_EQ(httpConnectReadSize("HTTP/1.1 200 OK\r\n"), 2u);
  EXPECT_EQ(httpConnectReadSize("HTTP/1.1 200 OK\r\n\r"), 1u);
  EXPECT_TRUE(httpConnectAnswerComplete("HTTP/1.1 200 OK\r\n\r\n"));
  EXPECT_EQ(httpConnectAnswerProblem(proxy, target, "HTTP/1.0 200 Connection established\r\n\r\n"),
            "");
  EXPECT_EQ(httpConnectAnswerProblem(proxy, target, "HTTP/1.1 204\r\n\r\n"), "");
  EXPECT_EQ(httpConnectAnswerProblem(proxy, target, "HTTP/1.1 503 Busy\r\n\r\n"),
            "proxy http://127.0.0.1:3128 refused the tunnel to [::1]:443: HTTP status 503 Busy");
  EXPECT_NE(httpConnectAnswerProblem(proxy, target, "HTTP/1.1 407 Auth\r\n\r\n")
                .find("rejected the credentials"),
            std::string::npos);
  EXPECT_NE(httpConnectAnswerProblem(proxy, target, "HTTP/1.1 2000 OK\r\n\r\n")
                .find("did not answer CONNECT with HTTP"),
            std::string::npos);
}

TEST(Socks5, Messages) {
  const ProxyUrl anonymous = parsed("socks5://127.0.0.1:1080");
  const ProxyUrl alice = parsed("socks5://alice:pw@127.0.0.1:1080");
  EXPECT_EQ(socks5Greeting(anonymous), std::string("\x05\x01\x00", 3));
  EXPECT_EQ(socks5Greeting(alice), std::string("\x05\x02\x00\x02", 4));
  bool usePassword = true;
  EXPECT_EQ(socks5MethodProblem(anonymous, std::string("\x05\x00", 2), usePassword), "");
  EXPECT_FALSE(usePassword);
  EXPECT_EQ(socks5MethodProblem(alice, std::string("\x05\x02", 2), usePassword), "");
  EXPECT_TRUE(usePassword);
  EXPECT_NE(socks5MethodProblem(anonymous, std::string("\x05\x02", 2), usePassword)
                .find("was not offered"),
            std::string::npos);
  std::string why;
  EXPECT_EQ(socks5PasswordRequest(alice, why), std::string("\x01\x05"
                                                           "alice\x02pw",
                                                           10));
  EXPECT_EQ(socks5PasswordProblem(alice, std::string("\x01\x00", 2)), "");
  EXPECT_NE(socks5PasswordProblem(alice, std::string("\x01\x01", 2)).find("status 1"),
            std::string::npos);
  EXPECT_EQ(socks5ConnectRequest({host("[::1]"), 80}), std::string("\x05\x01\x00\x04", 4) +
                                                           std::string(15, '\0') + "\x01" +
                                                           std::string("\x00\x50", 2));
  const TunnelTarget target{host("example.com"), 80};
  std::string replyProblem;
  EXPECT_EQ(
      socks5ReplyRest(anonymous, target, std::string("\x05\x00\x00\x01", 4), -1, replyProblem), 6u);
  EXPECT_EQ(
      socks5ReplyRest(anonymous, target, std::string("\x05\x00\x00\x03", 4), -1, replyProblem), 1u);
  EXPECT_EQ(
      socks5ReplyRest(anonymous, target, std::string("\x05\x00\x00\x03", 4), 11, replyProblem),
      13u);
  EXPECT_EQ(replyProblem, "");
  EXPECT_EQ(
      socks5ReplyRest(anonymous, target, std::string("\x05\x02\x00\x01", 4), -1, replyProblem), 0u);
  EXPECT_EQ(replyProblem,
            "SOCKS5 proxy socks5://127.0.0.1:1080 refused the connection to example.com:80: "
            "reply 2 (connection not allowed by ruleset)");
}
