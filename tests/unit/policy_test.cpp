#include <gtest/gtest.h>

#include "core/policy_check.hpp"

using namespace minisock;
using namespace minisock::detail;
using namespace std::chrono_literals;

TEST(Policy, PresetsMatchThePlatform) {
  Policy r = Policy::release();
  EXPECT_TRUE(r.enforceDomainList);
  EXPECT_FALSE(r.allowOwnAddresses);
  EXPECT_TRUE(r.lanAddressesOnly);
  EXPECT_EQ(r.maxTCPSocketsPerWindow, 20);
  EXPECT_EQ(r.tcpSocketWindow, 300s);
  EXPECT_TRUE(r.verifyCertificates);

  Policy d = Policy::development();
  EXPECT_FALSE(d.enforceDomainList);
  EXPECT_TRUE(d.allowOwnAddresses);
  EXPECT_EQ(d.maxTCPSocketsPerWindow, 20);
  EXPECT_FALSE(d.blockedTCPPorts.empty());
  EXPECT_TRUE(d.verifyCertificates);

  Policy u = Policy::unrestricted();
  EXPECT_TRUE(u.blockedTCPPorts.empty());
  EXPECT_EQ(u.maxTCPSocketsPerWindow, 0);
  EXPECT_TRUE(u.verifyCertificates);
}

TEST(Policy, EveryDocumentedBlockedPortIsRefusedAndNeighboursAreNot) {
  Policy p = Policy::development();
  for (int port :
       {1,    80,   443,  1023, 1099, 1433, 1521, 1719,  1720,  1723,  2049,  2375,  3128,
        3306, 3389, 3659, 4045, 5060, 5061, 5432, 5984,  6379,  6000,  6566,  7001,  7002,
        8000, 8050, 8100, 8443, 8888, 9200, 9300, 10051, 10080, 11211, 27017, 27018, 27019}) {
    std::string why = refuseTCPPort(p, port);
    EXPECT_NE(why.find("port " + std::to_string(port) + " is blocked"), std::string::npos) << port;
    EXPECT_NE(why.find("blockedTCPPorts"), std::string::npos);
  }
  for (int port : {1024, 1098, 1100, 7999, 8101, 8442, 8444, 9000, 27016, 27020, 40000, 65535}) {
    EXPECT_EQ(refuseTCPPort(p, port), "") << port;
  }
  EXPECT_EQ(refuseTCPPort(Policy::unrestricted(), 22), "");
}

TEST(Policy, ReleaseRefusesOwnAddressesInEverySpelling) {
  Policy p = Policy::release();
  for (const char* host : {"127.0.0.1", "127.1", "0x7f.1", "0177.0.0.1", "2130706433", "0.0.0.0",
                           "::", "::1", "[::1]", "::ffff:127.0.0.1", "::ffff:0.0.0.0"}) {
    ParsedHost h = parseHost(host);
    ASSERT_NE(h.kind, HostKind::invalid) << host;
    EXPECT_NE(refuseHost(p, h).find("own address"), std::string::npos) << host;
  }
  for (const auto& mine : interfaceAddresses()) {
    EXPECT_NE(refuseResolvedAddress(p, mine), "") << mine.toString();
  }
  EXPECT_EQ(refuseHost(Policy::development(), parseHost("127.1")), "");
}

TEST(Policy, WebSocketUrlsAreNotUnderTheTcpPortList) {
  // The platform's port list is createTCPSocket's: no preset blocks a WebSocket port.
  for (const Policy& p : {Policy::release(), Policy::development(), Policy::unrestricted()}) {
    EXPECT_TRUE(p.blockedWebSocketPorts.empty());
    for (int port : {22, 80, 443, 1023, 3306, 8080, 8443, 27017, 40000})
      EXPECT_EQ(refuseWebSocketPort(p, port), "") << port;
  }
  // A list the user fills is applied, naming the rule.
  Policy p = Policy::release();
  p.blockedWebSocketPorts = {{8443, 8443}};
  EXPECT_NE(refuseWebSocketPort(p, 8443).find("blockedWebSocketPorts"), std::string::npos);
  EXPECT_EQ(refuseWebSocketPort(p, 8444), "");
}

TEST(Policy, ReleaseAllowsLanLiteralsOnly) {
  Policy p = Policy::release();
  EXPECT_EQ(refuseHost(p, parseHost("192.168.193.2")), "");
  EXPECT_NE(refuseHost(p, parseHost("8.8.8.8")).find("lanAddressesOnly"), std::string::npos);
}

TEST(Policy, DomainListMatchesNormalisedNames) {
  Policy p = Policy::release();
  p.allowedDomains = {"Example.com."};
  EXPECT_EQ(refuseHost(p, parseHost("example.com")), "");
  EXPECT_EQ(refuseHost(p, parseHost("EXAMPLE.COM.")), "");
  std::string why = refuseHost(p, parseHost("evil.example.com"));
  EXPECT_NE(why.find("url not in domain list"), std::string::npos);
  EXPECT_NE(why.find("evil.example.com"), std::string::npos);
  EXPECT_EQ(refuseHost(Policy::development(), parseHost("anything.test")), "");
}

TEST(RateWindow, TwentyPerFiveMinutesRolling) {
  RateWindow w;
  const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
  for (int i = 0; i < 20; ++i)
    EXPECT_TRUE(w.tryAcquire(t0 + std::chrono::seconds(i), 20, 300s)) << i;
  EXPECT_FALSE(w.tryAcquire(t0 + 20s, 20, 300s));
  EXPECT_FALSE(w.tryAcquire(t0 + 299s, 20, 300s));
  EXPECT_TRUE(w.tryAcquire(t0 + 300s, 20, 300s));  // the first grant left the window
  EXPECT_FALSE(w.tryAcquire(t0 + 300s, 20, 300s));
  EXPECT_TRUE(w.tryAcquire(t0 + 302s, 20, 300s));
  RateWindow unlimited;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(unlimited.tryAcquire(t0, 0, 300s));
}
