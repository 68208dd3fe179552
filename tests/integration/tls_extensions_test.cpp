// The TLS extensions of NetworkOptions for wss: client certificates (mutual TLS; PEM file or
// text, encrypted keys), CAs as PEM text, public-key pins and session resumption. The server
// is real TLS (TlsRelay, OpenSSL, with a CA made at test time) in front of the embedded plain
// WebSocket echo server; every case is a real handshake on loopback.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <minisock/echo_servers.hpp>
#include <minisock/minisock.hpp>
#include <string>
#include <vector>

#include "event_recorder.hpp"
#include "tls_fixture.hpp"
#include "tls_relay.hpp"
#include "ws_recorder.hpp"

using namespace minisock;
using namespace minisock::testing;
using namespace std::chrono_literals;

namespace {

using Strings = std::vector<std::string>;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

Policy trustingTestCa() {
  Policy p = Policy::development();
  p.caFile = tlsFiles().caCert;
  return p;
}

NetworkOptions withClientCertificate(const std::string& cert, const std::string& key) {
  NetworkOptions n;
  n.clientCertificateFile = cert;
  n.clientKeyFile = key;
  return n;
}

// The pin of a PEM certificate file's key, computed by the openssl tool (not by minisock).
std::string pinOf(const std::string& certFile) {
  const std::string script = "openssl x509 -in '" + certFile +
                             "' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst "
                             "-sha256 -binary | openssl base64 -A";
  CommandResult r = runCommand({"sh", "-c", script}, 30s);
  EXPECT_EQ(r.exitCode, 0) << r.output;
  std::string b64 = r.output;
  while (!b64.empty() && (b64.back() == '\n' || b64.back() == '\r')) b64.pop_back();
  return "sha256//" + b64;
}

/// One wss SocketTask to `url` with `network`, run to Open (then a text echoed and a clean
/// close) or to its failure.
struct Client {
  WsRecorder rec;
  Runtime rt;
  std::shared_ptr<SocketTask> task;
  Client(NetworkOptions network, const std::string& url, Policy policy = trustingTestCa())
      : rt(std::move(policy), std::move(network)) {
    task = rt.connectSocket({.url = url, .timeout = 10s});
    rec.attach(*task);
  }
  std::string firstErrMsg() const {
    return rec.errors.empty() ? "(no error)" : rec.errors[0].errMsg;
  }
  /// Expects Open, an echo of one text message, Close 1000; returns the Open event's profile.
  SocketTask::Profile expectEcho() {
    task->onOpen([&](const SocketTask::OpenEvent&) { task->send({.data = "pinned hello"}); });
    EXPECT_TRUE(runUntil(
        rt, [&] { return !rec.texts.empty() || !rec.closes.empty(); }, 20s))
        << firstErrMsg();
    EXPECT_EQ(rec.texts, Strings{"pinned hello"}) << firstErrMsg();
    task->close({});
    EXPECT_TRUE(runUntil(
        rt, [&] { return !rec.closes.empty(); }, 20s));
    EXPECT_TRUE(rec.errors.empty()) << firstErrMsg();
    if (!rec.closes.empty()) {
      EXPECT_EQ(rec.closes[0].code, 1000);
    }
    return rec.opens.empty() ? SocketTask::Profile{} : rec.opens[0].profile;
  }
  /// Expects Error then Close 1006; returns the errMsg.
  std::string failure() {
    EXPECT_TRUE(runUntil(
        rt, [&] { return !rec.closes.empty(); }, 20s))
        << ::testing::PrintToString(rec.order);
    EXPECT_EQ((Strings{"error", "close"}), rec.order);
    if (!rec.closes.empty()) {
      EXPECT_EQ(rec.closes[0].code, 1006);
    }
    return firstErrMsg();
  }
};

/// A wss server: TlsRelay (with `options`) in front of the embedded plain echo server.
struct Server {
  servers::WsEchoServer echo{"127.0.0.1", 0};
  TlsRelay relay;
  explicit Server(const TlsRelay::Options& options = {}) : relay(echo.port(), options) {}
  std::string url() const { return relay.url("/"); }
};

TlsRelay::Options requiringClientCertificates() {
  TlsRelay::Options o;
  o.requireClientCa = tlsFiles().caCert;
  return o;
}

}  // namespace

// ---- client certificates (mutual TLS) ----

TEST(TlsClientCertificate, AcceptedWithTheRightCertificate) {
  Server server(requiringClientCertificates());
  Client client(withClientCertificate(moreTlsFiles().clientCert, moreTlsFiles().clientKey),
                server.url());
  client.expectEcho();
  EXPECT_EQ(server.relay.failedHandshakes(), 0);
}

TEST(TlsClientCertificate, AcceptedFromPemTextInMemory) {
  Server server(requiringClientCertificates());
  NetworkOptions n;
  n.clientCertificatePem = readTextFile(moreTlsFiles().clientCert);
  n.clientKeyPem = readTextFile(moreTlsFiles().clientKey);
  Client client(n, server.url());
  client.expectEcho();
}

TEST(TlsClientCertificate, RefusedWithout) {
  Server server(requiringClientCertificates());
  Client client(NetworkOptions{}, server.url());
  const std::string errMsg = client.failure();
  EXPECT_TRUE(contains(errMsg, "connectSocket:fail")) << errMsg;
  EXPECT_TRUE(contains(errMsg, "the server asked for a client certificate")) << errMsg;
  EXPECT_TRUE(contains(errMsg, "NetworkOptions::clientCertificateFile")) << errMsg;
  EXPECT_EQ(server.relay.failedHandshakesReaching(1), 1);
}

TEST(TlsClientCertificate, RefusedWithoutOverTls12) {
  // TLS 1.2: the refusal comes inside the TLS handshake itself.
  TlsRelay::Options o = requiringClientCertificates();
  o.maxVersion = TLS1_2_VERSION;
  Server server(o);
  Client client(NetworkOptions{}, server.url());
  const std::string errMsg = client.failure();
  EXPECT_TRUE(contains(errMsg, "TLS handshake failed")) << errMsg;
  EXPECT_TRUE(contains(errMsg, "the server asked for a client certificate")) << errMsg;
  EXPECT_EQ(server.relay.failedHandshakesReaching(1), 1);
}

TEST(TlsClientCertificate, AcceptedOverTls12) {
  TlsRelay::Options o = requiringClientCertificates();
  o.maxVersion = TLS1_2_VERSION;
  Server server(o);
  Client client(withClientCertificate(moreTlsFiles().clientCert, moreTlsFiles().clientKey),
                server.url());
  client.expectEcho();
}

TEST(TlsClientCertificate, RefusedWithOneFromAnotherCa) {
  Server server(requiringClientCertificates());
  Client client(
      withClientCertificate(moreTlsFiles().otherCaClientCert, moreTlsFiles().otherCaClientKey),
      server.url());
  const std::string errMsg = client.failure();
  EXPECT_TRUE(contains(errMsg, "connectSocket:fail")) << errMsg;
  EXPECT_TRUE(contains(errMsg, "refused the one given in NetworkOptions")) << errMsg;
  EXPECT_EQ(server.relay.failedHandshakesReaching(1), 1);
}

TEST(TlsClientCertificate, EncryptedKeyWithTheRightPassphrase) {
  Server server(requiringClientCertificates());
  NetworkOptions n =
      withClientCertificate(moreTlsFiles().clientCert, moreTlsFiles().clientKeyEncrypted);
  n.clientKeyPassphrase = MoreTlsFiles::kKeyPassphrase;
  Client client(n, server.url());
  client.expectEcho();
}

TEST(TlsClientCertificate, EncryptedKeyWithAWrongPassphraseIsNamedAndNotShown) {
  Server server(requiringClientCertificates());
  NetworkOptions n =
      withClientCertificate(moreTlsFiles().clientCert, moreTlsFiles().clientKeyEncrypted);
  n.clientKeyPassphrase = "hunter2-wrong";
  Client client(n, server.url());
  const std::string errMsg = client.failure();
  EXPECT_TRUE(contains(errMsg, "wrong passphrase")) << errMsg;
  EXPECT_TRUE(contains(errMsg, moreTlsFiles().clientKeyEncrypted)) << errMsg;
  EXPECT_FALSE(contains(errMsg, "hunter2")) << errMsg;
  EXPECT_EQ(server.relay.handshakes() + server.relay.failedHandshakes(), 0)
      << "nothing is sent before the key can be used";
}

TEST(TlsClientCertificate, EncryptedKeyWithoutPassphraseIsNamed) {
  Server server(requiringClientCertificates());
  Client client(withClientCertificate(moreTlsFiles().clientCert, moreTlsFiles().clientKeyEncrypted),
                server.url());
  const std::string errMsg = client.failure();
  EXPECT_TRUE(contains(errMsg, "is encrypted")) << errMsg;
  EXPECT_TRUE(contains(errMsg, "clientKeyPassphrase")) << errMsg;
}

TEST(TlsClientCertificate, AKeyThatDoesNotMatchIsNamed) {
  Server server(requiringClientCertificates());
  Client client(withClientCertificate(moreTlsFiles().clientCert, moreTlsFiles().otherCaClientKey),
                server.url());
  const std::string errMsg = client.failure();
  EXPECT_TRUE(contains(errMsg, "does not match the client certificate")) << errMsg;
}

TEST(TlsClientCertificate, UnreadableFilesAreNamed) {
  Server server(requiringClientCertificates());
  const std::string missing = tlsFiles().dir + "/no-such-client.pem";
  {
    Client client(withClientCertificate(missing, moreTlsFiles().clientKey), server.url());
    const std::string errMsg = client.failure();
    EXPECT_TRUE(contains(errMsg, "cannot read NetworkOptions::clientCertificateFile")) << errMsg;
    EXPECT_TRUE(contains(errMsg, missing)) << errMsg;
    EXPECT_TRUE(contains(errMsg, "No such file")) << errMsg;
  }
  {
    Client client(withClientCertificate(moreTlsFiles().clientCert, missing), server.url());
    const std::string errMsg = client.failure();
    EXPECT_TRUE(contains(errMsg, "cannot read NetworkOptions::clientKeyFile")) << errMsg;
  }
}

TEST(TlsClientCertificate, TextThatIsNotPemIsNamed) {
  Server server(requiringClientCertificates());
  NetworkOptions n;
  n.clientCertificatePem = "not a certificate";
  n.clientKeyPem = readTextFile(moreTlsFiles().clientKey);
  {
    Client client(n, server.url());
    const std::string errMsg = client.failure();
    EXPECT_TRUE(contains(errMsg, "cannot load the client certificate")) << errMsg;
    EXPECT_TRUE(contains(errMsg, "NetworkOptions::clientCertificatePem")) << errMsg;
  }
  n.clientCertificatePem = readTextFile(moreTlsFiles().clientCert);
  n.clientKeyPem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  {
    Client client(n, server.url());
    const std::string errMsg = client.failure();
    EXPECT_TRUE(contains(errMsg, "cannot load the client key")) << errMsg;
  }
}

TEST(TlsClientCertificate, InconsistentSettingsAreNamedByCheckAndTheError) {
  NetworkOptions both = withClientCertificate(moreTlsFiles().clientCert, moreTlsFiles().clientKey);
  both.clientCertificatePem = "x";
  EXPECT_TRUE(contains(both.check(), "not both")) << both.check();
  NetworkOptions noKey;
  noKey.clientCertificateFile = moreTlsFiles().clientCert;
  EXPECT_TRUE(contains(noKey.check(), "needs its private key")) << noKey.check();
  Server server;
  Client client(noKey, server.url());
  EXPECT_TRUE(contains(client.failure(), "needs its private key"));
}

TEST(TlsClientCertificate, ATlsProblemLeavesTcpAndWsAlone) {
  NetworkOptions noKey;
  noKey.clientCertificateFile = moreTlsFiles().clientCert;
  servers::WsEchoServer echo("127.0.0.1", 0);
  Client client(noKey, "ws://127.0.0.1:" + std::to_string(echo.port()) + "/");
  client.expectEcho();
}

// ---- CA as PEM text ----

TEST(TlsCaPem, TrustsACaGivenAsText) {
  Server server;
  NetworkOptions n;
  n.caPem = readTextFile(tlsFiles().otherCaCert) + readTextFile(tlsFiles().caCert);
  Client client(n, server.url(), Policy::development());
  client.expectEcho();
}

TEST(TlsCaPem, WithoutItTheServerIsUntrusted) {
  Server server;
  Client client(NetworkOptions{}, server.url(), Policy::development());
  EXPECT_TRUE(contains(client.failure(), "certificate"));
}

TEST(TlsCaPem, TextThatIsNotPemIsNamed) {
  Server server;
  NetworkOptions n;
  n.caPem = "-----BEGIN CERTIFICATE-----\nnot base64 !\n-----END CERTIFICATE-----\n";
  Client client(n, server.url(), Policy::development());
  EXPECT_TRUE(contains(client.failure(), "cannot load NetworkOptions::caPem"));
}

// ---- pins ----

TEST(TlsPins, TheServersOwnKeyPinnedIsAccepted) {
  Server server;
  NetworkOptions n;
  n.pinnedPublicKeys = {pinOf(tlsFiles().serverCert)};
  Client client(n, server.url());
  client.expectEcho();
}

TEST(TlsPins, AMismatchFailsAndGivesTheActualPin) {
  Server server;
  NetworkOptions n;
  n.pinnedPublicKeys = {pinOf(tlsFiles().wrongHostCert)};
  Client client(n, server.url());
  const std::string errMsg = client.failure();
  EXPECT_TRUE(contains(errMsg, "not pinned")) << errMsg;
  EXPECT_TRUE(contains(errMsg, "its pin is " + pinOf(tlsFiles().serverCert))) << errMsg;
}

TEST(TlsPins, APinOnTheIntermediateIsAccepted) {
  TlsRelay::Options chained;
  chained.cert = moreTlsFiles().chainedServerCert;
  chained.key = moreTlsFiles().chainedServerKey;
  Server server(chained);
  NetworkOptions n;
  n.pinnedPublicKeys = {pinOf(tlsFiles().wrongHostCert), pinOf(moreTlsFiles().intermediateCaCert)};
  Client client(n, server.url());
  client.expectEcho();
}

TEST(TlsPins, APinDoesNotReplaceVerification) {
  // The server's own key is pinned, but its certificate is not trusted: still refused.
  Server server;
  NetworkOptions n;
  n.pinnedPublicKeys = {pinOf(tlsFiles().serverCert)};
  Client client(n, server.url(), Policy::development());
  const std::string errMsg = client.failure();
  EXPECT_TRUE(contains(errMsg, "certificate")) << errMsg;
  EXPECT_FALSE(contains(errMsg, "not pinned")) << errMsg;
}

TEST(TlsPins, APinOfTheWrongFormIsNamed) {
  for (const std::string& bad :
       Strings{"sha1//AAAA", "sha256//tooshort=", "sha256//" + std::string(43, '*') + "=",
               "sha256//" + std::string(44, 'A')}) {
    NetworkOptions n;
    n.pinnedPublicKeys = {bad};
    EXPECT_TRUE(contains(n.check(), "public-key pin")) << bad << ": " << n.check();
  }
  Server server;
  NetworkOptions n;
  n.pinnedPublicKeys = {"sha256//nope"};
  Client client(n, server.url());
  const std::string errMsg = client.failure();
  EXPECT_TRUE(contains(errMsg, "the public-key pin 'sha256//nope' is not valid")) << errMsg;
  EXPECT_EQ(server.relay.handshakes() + server.relay.failedHandshakes(), 0);
}

// ---- session resumption ----

namespace {

// Two connections, one after the other, on one Runtime; the second's profile.
std::vector<bool> reusedOverTwoConnections(Server& server, NetworkOptions network = {}) {
  Runtime rt(trustingTestCa(), std::move(network));
  std::vector<bool> reused;
  for (int i = 0; i < 2; ++i) {
    WsRecorder rec;
    auto task = rt.connectSocket({.url = server.url(), .timeout = 10s});
    rec.attach(*task);
    task->onOpen([&](const SocketTask::OpenEvent&) { task->send({.data = "again"}); });
    EXPECT_TRUE(runUntil(
        rt, [&] { return !rec.texts.empty() || !rec.closes.empty(); }, 20s));
    EXPECT_EQ(rec.texts, Strings{"again"}) << (rec.errors.empty() ? "" : rec.errors[0].errMsg);
    task->close({});
    EXPECT_TRUE(runUntil(
        rt, [&] { return !rec.closes.empty(); }, 20s));
    reused.push_back(!rec.opens.empty() && rec.opens[0].profile.tlsSessionReused);
  }
  return reused;
}

}  // namespace

TEST(TlsResumption, TheSecondConnectionResumesWithTls13) {
  Server server;
  EXPECT_EQ(reusedOverTwoConnections(server), (std::vector<bool>{false, true}));
  EXPECT_EQ(server.relay.resumedHandshakes(), 1);
}

TEST(TlsResumption, TheSecondConnectionResumesWithTls12) {
  TlsRelay::Options tls12;
  tls12.maxVersion = TLS1_2_VERSION;
  Server server(tls12);
  EXPECT_EQ(reusedOverTwoConnections(server), (std::vector<bool>{false, true}));
  EXPECT_EQ(server.relay.resumedHandshakes(), 1);
}

// TLS 1.2 without tickets: the server's session id, kept by the server's cache.
TEST(TlsResumption, TheSecondConnectionResumesBySessionIdWithTls12) {
  TlsRelay::Options ids;
  ids.maxVersion = TLS1_2_VERSION;
  ids.sessionTickets = false;
  Server server(ids);
  EXPECT_EQ(reusedOverTwoConnections(server), (std::vector<bool>{false, true}));
  EXPECT_EQ(server.relay.resumedHandshakes(), 1);
}

TEST(TlsResumption, AServerThatRefusesResumptionStillWorks) {
  TlsRelay::Options noTickets;
  noTickets.sessionTickets = false;
  noTickets.sessionCache = false;
  Server server(noTickets);
  EXPECT_EQ(reusedOverTwoConnections(server), (std::vector<bool>{false, false}));
  EXPECT_EQ(server.relay.handshakes(), 2);
  EXPECT_EQ(server.relay.resumedHandshakes(), 0);
}

TEST(TlsResumption, OffWhenTurnedOff) {
  Server server;
  NetworkOptions n;
  n.tlsSessionResumption = false;
  EXPECT_EQ(reusedOverTwoConnections(server, n), (std::vector<bool>{false, false}));
  EXPECT_EQ(server.relay.resumedHandshakes(), 0);
}

TEST(TlsResumption, WithMutualTlsAndPins) {
  TlsRelay::Options o = requiringClientCertificates();
  Server server(o);
  NetworkOptions n = withClientCertificate(moreTlsFiles().clientCert, moreTlsFiles().clientKey);
  n.pinnedPublicKeys = {pinOf(tlsFiles().serverCert)};
  EXPECT_EQ(reusedOverTwoConnections(server, n), (std::vector<bool>{false, true}));
}

TEST(TlsResumption, AnotherRuntimeDoesNotShareSessions) {
  Server server;
  reusedOverTwoConnections(server);
  EXPECT_EQ(reusedOverTwoConnections(server), (std::vector<bool>{false, true}));
  EXPECT_EQ(server.relay.resumedHandshakes(), 2);
}

// ---- what goes on the wire ----

namespace {

/// `server`'s connections after two wss connections to it from one Runtime (full, resumed).
std::vector<TlsRelay::Connection> twoConnectionsSeenBy(Server& server,
                                                       NetworkOptions network = {}) {
  EXPECT_EQ(reusedOverTwoConnections(server, std::move(network)), (std::vector<bool>{false, true}));
  return server.relay.connections();
}

}  // namespace

// The client's last handshake flight (TLS 1.3: Finished) goes in one TCP segment with the
// upgrade request: when the request arrives the server has had two segments of data
// (ClientHello; Finished and request), on a full and on a resumed handshake.
TEST(TlsWire, Tls13FinishedTravelsWithTheUpgradeRequest) {
  Server server;
  const auto seen = twoConnectionsSeenBy(server);
  ASSERT_EQ(seen.size(), 2u);
  for (const auto& c : seen) {
    EXPECT_EQ(c.version, "TLSv1.3");
    EXPECT_EQ(c.dataSegmentsToFirstBytes, 2);
  }
  EXPECT_FALSE(seen[0].resumed);
  EXPECT_TRUE(seen[1].resumed);
}

// Under mutual TLS the last flight is Certificate, CertificateVerify and Finished: with the
// request too.
TEST(TlsWire, ClientCertificateFlightTravelsWithTheUpgradeRequest) {
  Server server(requiringClientCertificates());
  const auto seen = twoConnectionsSeenBy(
      server, withClientCertificate(moreTlsFiles().clientCert, moreTlsFiles().clientKey));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].dataSegmentsToFirstBytes, 2);
  EXPECT_EQ(seen[1].dataSegmentsToFirstBytes, 2);
}

// TLS 1.2: a full handshake sends ClientKeyExchange, ChangeCipherSpec and Finished before the
// server's Finished, so nothing waits (three segments: ClientHello, that flight, the request);
// a resumed one ends with the client's ChangeCipherSpec and Finished, sent with the request.
TEST(TlsWire, Tls12HoldsOnlyTheFlightThatEndsTheHandshake) {
  TlsRelay::Options tls12;
  tls12.maxVersion = TLS1_2_VERSION;
  Server server(tls12);
  const auto seen = twoConnectionsSeenBy(server);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].version, "TLSv1.2");
  EXPECT_EQ(seen[0].dataSegmentsToFirstBytes, 3);
  EXPECT_TRUE(seen[1].resumed);
  EXPECT_EQ(seen[1].dataSegmentsToFirstBytes, 2);
}

// TLS 1.3 suites are offered in the order browsers offer them: a server that follows the
// client's order (OpenSSL's default) picks AES-128-GCM (OpenSSL's own order: AES-256-GCM).
TEST(TlsWire, Tls13OffersAes128GcmFirst) {
  Server server;
  Client client(NetworkOptions{}, server.url());
  client.expectEcho();
  const auto seen = server.relay.connections();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].cipher, "TLS_AES_128_GCM_SHA256");
}
