#pragma once
/// @file
/// minisock::NetworkOptions: how a Runtime reaches the network beyond what the platform's API
/// offers (extensions, all opt-in): a proxy for TCPSocket and SocketTask; for wss, a client
/// certificate, CAs as PEM text, public-key pins and TLS session resumption.

#include <string>
#include <vector>

#include "minisock/export.hpp"

namespace minisock {

/// Extension (the platform has none): per-Runtime network settings. With the defaults
/// (everything empty) a Runtime behaves exactly as the platform documents.
/// @code
///   minisock::NetworkOptions network;
///   network.proxy = "socks5://user:secret@127.0.0.1:1080";
///   network.noProxy = {"localhost", ".internal.example"};
///   minisock::Runtime rt(minisock::Policy::development(), network);
/// @endcode
struct MINISOCK_API NetworkOptions {
  /// The proxy every TCPSocket and SocketTask (ws and wss) connects through; empty = none.
  /// `http://[user:password@]host[:port]` (HTTP CONNECT, with Basic credentials when given)
  /// or `socks5://[user:password@]host[:port]` (RFC 1928, username/password per RFC 1929;
  /// `socks5h://` is the same). The port defaults to 1080, as curl's does; user and password
  /// may be percent-encoded. The proxy resolves the destination's host name (minisock sends
  /// the name as written), and TLS and the WebSocket handshake run through the tunnel with
  /// the real host's SNI and certificate check. UDPSocket is never proxied.
  ///
  /// The Policy applies to the destination, not to the proxy: its rules on the host and port
  /// as written still refuse a destination; its rules on resolved addresses
  /// (allowOwnAddresses, lanAddressesOnly for names) cannot, since minisock never resolves a
  /// proxied name. The proxy's own address needs no exception.
  ///
  /// A URL that cannot be used (check() says why) makes every connection that would use it
  /// fail through its Error event, naming the problem.
  std::string proxy{};
  /// Destinations reached directly, not through the proxy, as curl's NO_PROXY: "*" (every
  /// destination), an IP address ("10.1.2.3", "::1"), an address block in CIDR notation
  /// ("10.0.0.0/8", "fd00::/8"), or a domain name, which matches itself and every name below
  /// it ("example.com" and ".example.com" both match "api.example.com"); case-insensitive.
  std::vector<std::string> noProxy{};

  // ---- TLS (wss) ----

  /// CA certificates (PEM text, one or more) trusted besides the system store and
  /// Policy::caFile: certificates that come from app resources rather than files.
  std::string caPem{};
  /// The client certificate (mutual TLS) sent when a wss server asks for one: a PEM file
  /// holding the certificate followed by any intermediates, or the same as PEM text
  /// (clientCertificatePem); at most one of the two, and a key with it.
  std::string clientCertificateFile{};
  std::string clientCertificatePem{};  ///< as clientCertificateFile, PEM text
  /// The client certificate's private key: a PEM file or PEM text (at most one of the two),
  /// encrypted or not; it must match the certificate.
  std::string clientKeyFile{};
  std::string clientKeyPem{};  ///< as clientKeyFile, PEM text
  /// The passphrase of an encrypted key (never part of an errMsg).
  std::string clientKeyPassphrase{};
  /// Public-key pins, each `sha256//` and the base64 of the SHA-256 of a SubjectPublicKeyInfo
  /// (as curl's --pinnedpubkey and HPKP write them). When not empty, a wss handshake also
  /// needs one key of the server's certificate chain (its own, an intermediate's or the
  /// trust anchor's, as OkHttp's CertificatePinner checks them) to be pinned: otherwise it
  /// fails with an errMsg that gives the server's own key's pin. Checked in addition to the
  /// normal verification, never instead of it.
  std::vector<std::string> pinnedPublicKeys{};
  /// Keep each wss server's TLS session (TLS 1.3 tickets, TLS 1.2 session ids) and resume it
  /// on the next connection to the same host and port, as browsers do: a resumed handshake
  /// skips the certificate exchange. SocketTask::Profile::tlsSessionReused tells which.
  bool tlsSessionResumption = true;

  /// The first problem of these settings, in the words an Error would use ("the proxy URL
  /// 'x' is not valid: …"); empty when they are usable. Credentials and passphrases are never
  /// part of it. Checks the form only: files and PEM contents are read at the first wss
  /// connection, whose Error then names what could not be used. A proxy problem fails every
  /// TCP and WebSocket connection; a TLS problem fails wss connections only.
  std::string check() const;
};

}  // namespace minisock
