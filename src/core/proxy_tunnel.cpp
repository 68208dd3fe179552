#include "core/proxy_tunnel.hpp"

#include "core/asio_address.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace minisock::detail {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// One tunnel's state, shared by its handlers.
struct Tunnel : std::enable_shared_from_this<Tunnel> {
  TcpSocket& socket;
  ProxyUrl proxy;
  TunnelTarget target;
  std::function<void(const TunnelResult&)> done;
  std::string out;  // the request being written
  std::string in;   // what was read of the answer
  std::size_t have = 0;
  bool usePassword = false;

  Tunnel(TcpSocket& s, const ProxyUrl& p, TunnelTarget t,
         std::function<void(const TunnelResult&)> d)
      : socket(s), proxy(p), target(std::move(t)), done(std::move(d)) {}

  std::string who() const {
    return (proxy.kind == ProxyUrl::Kind::socks5 ? "SOCKS5 proxy " : "proxy ") + proxy.display;
  }

  void finish(TunnelResult result) {
    auto d = std::move(done);
    d(result);
  }
  void failIo(const error_code& ec, const char* during) {
    TunnelResult r;
    if (ec == asio::error::operation_aborted) {
      r.aborted = true;
      r.problem = "cancelled";
    } else if (ec == asio::error::eof) {
      r.problem = who() + " closed the connection during " + during;
    } else {
      r.problem = who() + " failed during " + during + ": " + ec.message();
      if (ec.category() == boost::system::system_category()) r.errNo = ec.value();
    }
    finish(std::move(r));
  }
  void fail(std::string problem) { finish(TunnelResult{std::move(problem)}); }

  // Writes `out`, then `next`.
  template <class Next>
  void write(std::string bytes, const char* during, Next next) {
    out = std::move(bytes);
    asio::async_write(socket, asio::buffer(out),
                      [self = shared_from_this(), during, next](const error_code& ec, std::size_t) {
                        if (ec) return self->failIo(ec, during);
                        next();
                      });
  }
  // Appends exactly `n` bytes to `in`, then `next`.
  template <class Next>
  void read(std::size_t n, const char* during, Next next) {
    have = in.size();
    in.resize(have + n);
    asio::async_read(socket, asio::buffer(in.data() + have, n),
                     [self = shared_from_this(), during, next](const error_code& ec, std::size_t) {
                       if (ec) return self->failIo(ec, during);
                       next();
                     });
  }

  void start() {
    if (proxy.kind == ProxyUrl::Kind::http) {
      write(httpConnectRequest(proxy, target), "the CONNECT request",
            [self = shared_from_this()] { self->readConnectAnswer(); });
    } else {
      write(socks5Greeting(proxy), "the SOCKS5 greeting",
            [self = shared_from_this()] { self->readMethod(); });
    }
  }

  // ---- HTTP CONNECT: the answer's head, a few bytes at a time, never past its end ----
  void readConnectAnswer() {
    if (httpConnectAnswerComplete(in)) {
      std::string problem = httpConnectAnswerProblem(proxy, target, in);
      return problem.empty() ? finish({}) : fail(std::move(problem));
    }
    if (in.size() >= kMaxProxyAnswerBytes) {
      return fail(who() + " answered CONNECT with a head longer than " +
                  std::to_string(kMaxProxyAnswerBytes) + " bytes");
    }
    read(httpConnectReadSize(in), "the CONNECT answer",
         [self = shared_from_this()] { self->readConnectAnswer(); });
  }

  // ---- SOCKS5 ----
  void readMethod() {
    read(2, "the SOCKS5 method choice", [self = shared_from_this()] {
      if (std::string p = socks5MethodProblem(self->proxy, self->in, self->usePassword); !p.empty())
        return self->fail(std::move(p));
      self->in.clear();
      if (!self->usePassword) return self->sendConnect();
      std::string problem;
      std::string request = socks5PasswordRequest(self->proxy, problem);
      if (!problem.empty()) return self->fail(std::move(problem));
      self->write(std::move(request), "the SOCKS5 authentication",
                  [self] { self->readPasswordReply(); });
    });
  }
  void readPasswordReply() {
    read(2, "the SOCKS5 authentication", [self = shared_from_this()] {
      if (std::string p = socks5PasswordProblem(self->proxy, self->in); !p.empty())
        return self->fail(std::move(p));
      self->in.clear();
      self->sendConnect();
    });
  }
  void sendConnect() {
    write(socks5ConnectRequest(target), "the SOCKS5 CONNECT request",
          [self = shared_from_this()] { self->readReply(-1); });
  }
  // The reply: 4 bytes, then (ATYP 3) its length byte, then the rest.
  void readReply(int fifth) {
    const std::size_t first = in.empty() ? 4 : 0;
    if (first != 0) {
      return read(first, "the SOCKS5 CONNECT reply",
                  [self = shared_from_this()] { self->readReply(-1); });
    }
    std::string problem;
    const std::size_t rest = socks5ReplyRest(proxy, target, in, fifth, problem);
    if (!problem.empty()) return fail(std::move(problem));
    if (in[3] == 3 && fifth < 0) {
      return read(1, "the SOCKS5 CONNECT reply", [self = shared_from_this()] {
        self->readReply(static_cast<unsigned char>(self->in.back()));
      });
    }
    read(rest, "the SOCKS5 CONNECT reply", [self = shared_from_this()] { self->finish({}); });
  }
};

}  // namespace

void openTunnel(TcpSocket& socket, const ProxyUrl& proxy, TunnelTarget target,
                std::function<void(const TunnelResult&)> done) {
  std::make_shared<Tunnel>(socket, proxy, std::move(target), std::move(done))->start();
}

std::vector<boost::asio::ip::tcp::endpoint> proxyEndpoints(const ProxyUrl& proxy,
                                                           const Lookup& lookup,
                                                           std::string& problem) {
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  if (lookup.outcome != Lookup::Outcome::found || lookup.addresses.empty()) {
    problem = "cannot resolve the host of proxy " + proxy.display +
              (lookup.message.empty() ? "" : ": " + lookup.message);
    return endpoints;
  }
  for (const IPAddress& ip : lookup.addresses) endpoints.emplace_back(fromIP(ip), proxy.port);
  return endpoints;
}

}  // namespace minisock::detail
