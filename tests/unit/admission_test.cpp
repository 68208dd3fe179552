// Admission of destinations (src/core/admission.hpp): the address as written, a lookup under the
// Policy, and connectSocket's option check, as every socket kind uses them.
#include <gtest/gtest.h>

#include "core/admission.hpp"

using namespace minisock;
using namespace minisock::detail;

TEST(Admission, AnAddressAsWrittenIsParsedCheckedForTheFamilyAndThePolicy) {
  const Policy dev = Policy::development();
  Destination d = admitDestination(dev, "127.1", false, "ipv4");
  ASSERT_TRUE(d.admitted());
  EXPECT_EQ(d.host.kind, HostKind::ipv4);
  EXPECT_EQ(d.host.ip.toString(), "127.0.0.1");

  d = admitDestination(dev, "1.2.3.4.5", false, "ipv4");
  EXPECT_EQ(d.code, ErrorCode::invalidAddress);
  EXPECT_EQ(d.problem, "invalid address '1.2.3.4.5': not a valid IPv4 address");

  d = admitDestination(dev, "::1", false, "udp4");
  EXPECT_EQ(d.code, ErrorCode::invalidAddress);
  EXPECT_EQ(d.problem, "invalid address '::1': an IPv6 address on a socket of type \"udp4\"");
  // An IPv4-mapped literal is IPv4 on an IPv4 socket; any IPv6 literal on an IPv6 one.
  d = admitDestination(dev, "::ffff:10.0.0.1", false, "ipv4");
  ASSERT_TRUE(d.admitted());
  EXPECT_EQ(d.host.kind, HostKind::ipv4);
  EXPECT_TRUE(admitDestination(dev, "::1", true, "ipv6").admitted());

  d = admitDestination(Policy::release(), "127.0.0.1", false, "ipv4");
  EXPECT_EQ(d.code, ErrorCode::noPermission);
  EXPECT_NE(d.problem.find("(rule: allowOwnAddresses"), std::string::npos) << d.problem;
  d = admitDestination(Policy::release(), "example.com", false, "ipv4");
  EXPECT_NE(d.problem.find("(rule: enforceDomainList)"), std::string::npos) << d.problem;
}

TEST(Admission, ALookupLeavesTheAllowedAddressesOrSaysWhyNone) {
  const Policy release = [] {
    Policy p = Policy::release();
    p.allowedDomains = {"example.com"};
    return p;
  }();
  Lookup found;
  found.outcome = Lookup::Outcome::found;
  found.addresses = {parseHost("127.0.0.1").ip, parseHost("192.168.1.2").ip};
  Admitted a = admitResolved(release, "example.com", found);
  ASSERT_EQ(a.addresses.size(), 1u);  // the device's own address is refused
  EXPECT_EQ(a.addresses[0].toString(), "192.168.1.2");

  found.addresses = {parseHost("127.0.0.1").ip};
  a = admitResolved(release, "example.com", found);
  EXPECT_EQ(a.code, ErrorCode::noPermission);
  EXPECT_EQ(a.problem.rfind("host 'example.com' resolves to a refused address: ", 0), 0u)
      << a.problem;

  found.addresses.clear();  // the drift the issue found: nothing resolved is explained too
  a = admitResolved(release, "example.com", found);
  EXPECT_EQ(a.code, ErrorCode::invalidAddress);
  EXPECT_EQ(a.problem, "host 'example.com' has no address");

  Lookup missing{Lookup::Outcome::notFound, "Host not found (authoritative)", {}};
  a = admitResolved(release, "nowhere.invalid", missing);
  EXPECT_EQ(a.code, ErrorCode::invalidAddress);
  EXPECT_EQ(a.problem, "cannot resolve host 'nowhere.invalid': Host not found (authoritative)");
  Lookup broken{Lookup::Outcome::failed, "Temporary failure in name resolution", {}};
  EXPECT_EQ(admitResolved(release, "example.com", broken).code, ErrorCode::systemError);
}

TEST(Admission, ConnectSocketOptionsAreCheckedInThePlatformsOrder) {
  Policy release = Policy::release();
  release.allowedDomains = {"example.com"};
  ConnectSocketOption option;
  option.url = "wss://example.com:8443/chat";  // a port of the TCP list: fine for WebSocket
  WsUrl url;
  EXPECT_FALSE(checkConnectSocketOption(release, option, url, false));
  EXPECT_EQ(url.port, 8443);

  option.method = "post";  // documented, any case
  EXPECT_FALSE(checkConnectSocketOption(release, option, url, false));
  option.method = "PATCH";
  auto refusal = checkConnectSocketOption(release, option, url, false);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->reason,
            "method 'PATCH' is not one of OPTIONS, GET, HEAD, POST, PUT, DELETE, TRACE, CONNECT");

  option.method = "GET";
  option.url = "ws://example.com/";
  refusal = checkConnectSocketOption(release, option, url, false);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->code, ErrorCode::noPermission);
  EXPECT_EQ(refusal->errNo, 600009);

  option.url = "wss://other.example/";
  refusal = checkConnectSocketOption(release, option, url, false);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->errNo, 600002);

  option.url = "ftp://example.com/";
  refusal = checkConnectSocketOption(release, option, url, false);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->code, ErrorCode::invalidAddress);
  EXPECT_EQ(refusal->errNo, 600009);
}

TEST(Admission, WireCloseCodes) {
  for (int code : {1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999})
    EXPECT_TRUE(isWireCloseCode(code)) << code;
  for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535})
    EXPECT_FALSE(isWireCloseCode(code)) << code;
}
