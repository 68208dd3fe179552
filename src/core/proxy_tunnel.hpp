#pragma once
// The I/O of a proxy tunnel (core/proxy has the bytes): over a TCP connection to the proxy,
// HTTP CONNECT or SOCKS5's exchange, reading never past the proxy's last byte, so that what
// follows on the socket is the destination's. One implementation for TCPSocket and
// SocketTask; the socket's own deadline (connect timeout, opening handshake) bounds it: a
// socket closed under it ends it with operation_aborted.

#include <functional>
#include <memory>
#include <string>

#include <vector>

#include "core/admission.hpp"
#include "core/asio_types.hpp"
#include "core/proxy.hpp"

namespace minisock::detail {

/// How the exchange ended: `problem` empty = the tunnel is open. `errNo` is the OS error when
/// the socket failed under it (0 otherwise); `aborted` when the socket was closed meanwhile.
struct TunnelResult {
  std::string problem{};
  int errNo = 0;
  bool aborted = false;
};

/// The endpoints of the proxy from the lookup of its own name (no Policy rule applies: the
/// rules are the destination's); empty with `problem` naming the proxy when there are none.
std::vector<boost::asio::ip::tcp::endpoint> proxyEndpoints(const ProxyUrl& proxy,
                                                           const Lookup& lookup,
                                                           std::string& problem);

/// Runs the exchange on `socket` (connected to `proxy`), then `done` on the loop thread. The
/// caller keeps the socket alive until `done` (its handler holds the socket's owner).
void openTunnel(TcpSocket& socket, const ProxyUrl& proxy, TunnelTarget target,
                std::function<void(const TunnelResult&)> done);

}  // namespace minisock::detail
