// The minisock client of the benchmark rows (bench/README.md, "Client contract"), written as a
// user of the public API would write it: one Runtime, everything on its loop thread.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <minisock/minisock.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli_ws_flood.hpp"
#include "common.hpp"

namespace {

using namespace minisock;
using bench::Args;
using bench::Clock;

// Counts events inside the measured window: `warmup` seconds after start(), then `seconds`.
struct Window {
  explicit Window(const Args& a) : warmup(a.warmup), seconds(a.seconds) {}
  double warmup, seconds;
  Clock::time_point begin{}, opened{};
  bool measuring = false, done = false;
  std::uint64_t count = 0;
  void start() { begin = Clock::now(); }
  /// One unit of work finished; returns false once the window has closed.
  bool tick(std::uint64_t units = 1) {
    const auto now = Clock::now();
    if (!measuring) {
      if (std::chrono::duration<double>(now - begin).count() >= warmup) {
        measuring = true;
        opened = now;
      }
      return true;
    }
    count += units;
    if (std::chrono::duration<double>(now - opened).count() >= seconds) {
      done = true;
      seconds = std::chrono::duration<double>(now - opened).count();
      return false;
    }
    return true;
  }
  double rate() const { return static_cast<double>(count) / seconds; }
};

Policy benchPolicy(const Args& a) {
  Policy p = Policy::unrestricted();
  if (!a.ca.empty()) p.caFile = a.ca;
  return p;
}

void failOnError(Runtime& rt, const ErrorEvent& e) {
  std::fprintf(stderr, "error: %s\n", e.errMsg.c_str());
  rt.stop();
  std::exit(1);
}

std::vector<std::byte> bytes(std::size_t n) {
  const std::string p = bench::payload(n);
  std::vector<std::byte> v(n);
  std::memcpy(v.data(), p.data(), n);
  return v;
}

int tcpPingPong(const Args& a) {
  Runtime rt(benchPolicy(a));
  Window w(a);
  const std::string msg = bench::payload(a.size);
  auto s = rt.createTCPSocket();
  std::size_t got = 0;
  s->onConnect([&](const auto&) {
    w.start();
    s->write(std::string_view(msg));
  });
  s->onMessage([&](const TCPSocket::MessageEvent& m) {
    got += m.message.size();
    if (got < msg.size()) return;
    got -= msg.size();
    if (!w.tick()) return s->close();
    s->write(std::string_view(msg));
  });
  s->onError([&](const ErrorEvent& e) { failOnError(rt, e); });
  s->connect({.address = a.host, .port = a.port});
  rt.run();
  if (!w.done) bench::die("tcp_pingpong: did not finish");
  bench::report(w.rate(), "round trips/s");
  return 0;
}

// TCPSocket has no drain event (neither has the platform's): a writer keeps bufferedAmount()
// under a bound, as a user streaming data would, and the loop thread does the sending.
int tcpStream(const Args& a) {
  Runtime rt(benchPolicy(a));
  auto s = rt.createTCPSocket();
  const std::vector<std::byte> chunk = bytes(64 * 1024);
  std::uint64_t sent = 0, reply = 0;
  std::size_t replyBytes = 0;
  Clock::time_point t0{}, t1{};
  // 64 KiB writes from the loop for as long as the OS takes them at once (a write on the loop
  // thread goes straight to the socket; only what it does not take is copied and queued);
  // Drain (minisock's extension: TCPSocket, like the platform's, has no such event) continues
  // once the queued rest has left.
  auto pump = [&] {
    while (sent < a.bytes && s->bufferedAmount() == 0) {
      const auto n =
          static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), a.bytes - sent));
      s->write(std::span<const std::byte>(chunk.data(), n));
      sent += n;
    }
  };
  s->onConnect([&](const auto&) {
    t0 = Clock::now();
    // The 8-byte header announces the total; the server answers with its count once it has
    // received that much (TCPSocket, like the platform's, has no half-close).
    std::array<std::byte, 8> total{};
    for (int i = 0; i < 8; ++i) total[i] = static_cast<std::byte>(a.bytes >> (8 * i));
    s->write(std::span<const std::byte>(total));
    pump();
  });
  s->onDrain([&](const auto&) { pump(); });
  s->onMessage([&](const TCPSocket::MessageEvent& m) {
    for (auto b : m.message) {
      if (replyBytes < 8) reply |= static_cast<std::uint64_t>(b) << (8 * replyBytes++);
    }
    if (replyBytes == 8) {
      t1 = Clock::now();
      s->offError();  // the server ends the connection after its answer
      s->close();
      rt.stop();
    }
  });
  s->onError([&](const ErrorEvent& e) { failOnError(rt, e); });
  s->connect({.address = a.host, .port = a.port});
  rt.run();  // main()'s watchdog bounds it
  if (replyBytes < 8 || reply != a.bytes)
    bench::die("tcp_stream: the server counted " + std::to_string(reply) + " bytes of " +
               std::to_string(a.bytes));
  const double secs = std::chrono::duration<double>(t1 - t0).count();
  bench::report(static_cast<double>(a.bytes) / secs / 1e9, "GB/s");
  return 0;
}

int udpPingPong(const Args& a) {
  Runtime rt(benchPolicy(a));
  Window w(a);
  const std::string msg = bench::payload(a.size);
  auto u = rt.createUDPSocket(a.host.find(':') != std::string::npos ? "udp6" : "udp4");
  u->onError([&](const ErrorEvent& e) { failOnError(rt, e); });
  std::atomic<std::uint64_t> received{0};
  std::uint64_t lost = 0;
  u->onMessage([&](const UDPSocket::MessageEvent&) {
    received.fetch_add(1, std::memory_order_relaxed);
    if (!w.tick()) return u->close();
    u->write({.address = a.host, .port = a.port, .message = msg});
  });
  u->onClose([&](const auto&) { rt.stop(); });
  u->bind();
  u->connect({.address = a.host, .port = a.port});
  w.start();
  u->write({.address = a.host, .port = a.port, .message = msg});
  // A lost datagram would end the exchange: resend after 200 ms without progress.
  std::atomic<bool> over{false};
  std::thread watchdog([&] {
    std::uint64_t seen = 0;
    for (int i = 0; i < 200 && !over; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      const auto now = received.load();
      if (now == seen && !over) {
        ++lost;
        u->write({.address = a.host, .port = a.port, .message = msg});
      }
      seen = now;
    }
  });
  rt.run();  // main()'s watchdog bounds it, as io.run() in the other clients
  over = true;
  watchdog.join();
  if (!w.done) bench::die("udp_pingpong: did not finish");
  bench::report(w.rate(), "round trips/s", "\"lost\":" + std::to_string(lost));
  return 0;
}

int udpOneWay(const Args& a) {
  Runtime rt(benchPolicy(a));
  auto u = rt.createUDPSocket(a.host.find(':') != std::string::npos ? "udp6" : "udp4");
  u->onError([&](const ErrorEvent& e) { failOnError(rt, e); });
  Clock::time_point open{}, close{}, ended{};
  bool started = false;
  std::uint64_t count = 0;
  u->onMessage([&](const UDPSocket::MessageEvent& m) {
    const auto now = Clock::now();
    if (m.message.size() != 64) {  // "end": the blast is over (read to here, so it does not
      ended = now;                 // spill into the next run)
      u->close();
      return;
    }
    if (!started) {
      started = true;
      open = now +
             std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(a.warmup));
      close = open +
              std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(a.seconds));
    }
    if (now >= open && now < close) ++count;
  });
  u->onClose([&](const auto&) { rt.stop(); });
  u->bind();
  // Connected to the blaster, as a user receiving from one server would: the socket's
  // datagrams then come from its peer, and the receive path skips each sender's address (the
  // Asio client receives without one too).
  u->connect({.address = a.host, .port = a.port});
  const int ms = static_cast<int>((a.warmup + a.seconds) * 1000) + 100;
  u->write({.address = a.host, .port = a.port, .message = "go " + std::to_string(ms)});
  // The blast lasts `ms`; its "end" datagrams may be dropped like any other under load, so the
  // wait for them is bounded (2 s past the blast).
  rt.runFor(std::chrono::milliseconds(ms + 2000));
  if (!started) bench::die("udp_oneway: nothing received");
  // A blast that ended early closes the window there.
  const auto last = ended != Clock::time_point{} && ended < close ? ended : close;
  const double window = std::chrono::duration<double>(last - open).count();
  if (window <= 0) bench::die("udp_oneway: the blast ended before the window opened");
  bench::report(static_cast<double>(count) / window, "datagrams/s",
                "\"dropped\":" + std::to_string(u->droppedCount()));
  return 0;
}

std::string wsUrl(const Args& a, bool tls) {
  const bool v6 = a.host.find(':') != std::string::npos;
  return std::string(tls ? "wss://" : "ws://") + (v6 ? "[" + a.host + "]" : a.host) + ":" +
         std::to_string(a.port) + "/";
}

std::shared_ptr<SocketTask> connect(Runtime& rt, const Args& a, bool tls) {
  auto t = rt.connectSocket({.url = wsUrl(a, tls), .tcpNoDelay = true});
  t->onError([&rt](const ErrorEvent& e) { failOnError(rt, e); });
  return t;
}

int wsPingPong(const Args& a, bool tls) {
  Runtime rt(benchPolicy(a));
  Window w(a);
  const std::string msg = bench::payload(a.size);
  auto t = connect(rt, a, tls);
  t->onOpen([&](const auto&) {
    w.start();
    t->send({.data = msg});
  });
  t->onMessage([&](const SocketTask::MessageEvent&) {
    if (!w.tick()) return t->close();
    t->send({.data = msg});
  });
  t->onClose([&](const auto&) { rt.stop(); });
  rt.run();  // main()'s watchdog bounds it, as io.run() in the other clients
  if (!w.done) bench::die("ws_pingpong: did not finish");
  bench::report(w.rate(), "round trips/s");
  return 0;
}

// `inflight` binary messages of `size` bytes in flight; one more sent per echo received.
int wsStream(const Args& a, bool tls, const char* unit, double scale) {
  Runtime rt(benchPolicy(a));
  Window w(a);
  // The same bytes every time: shared, not copied (SocketTask::SharedBytes), as a user sending
  // one buffer repeatedly would (Beast's client still copies them once, to mask them).
  const auto msg = std::make_shared<const std::vector<std::byte>>(bytes(a.size));
  auto t = connect(rt, a, tls);
  t->onOpen([&](const auto&) {
    w.start();
    for (int i = 0; i < a.inflight; ++i) t->send({.data = msg});
  });
  t->onMessage([&](const SocketTask::MessageEvent&) {
    if (w.done) return;
    if (!w.tick()) return t->close();
    t->send({.data = msg});
  });
  t->onClose([&](const auto&) { rt.stop(); });
  rt.run();  // main()'s watchdog bounds it, as io.run() in the other clients
  if (!w.done) bench::die("ws stream: did not finish");
  bench::report(w.rate() * scale, unit);
  return 0;
}

int wsIdle(const Args& a) {
  Runtime rt(benchPolicy(a));
  std::vector<std::shared_ptr<SocketTask>> tasks;
  std::size_t opened = 0, started = 0, target = 0;
  std::string fields;
  std::vector<long> rss;
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  std::function<void()> more = [&] {
    while (started < target && started - opened < 64) {
      auto t = connect(rt, a, false);
      t->onOpen([&](const auto&) {
        ++opened;
        more();
      });
      tasks.push_back(std::move(t));
      ++started;
    }
  };
  rt.start();
  for (int n : a.conns) {
    target = static_cast<std::size_t>(n);
    // connectSocket and listeners are thread-safe; `more` runs on the loop from onOpen.
    std::atomic<bool> kicked{false};
    auto kick = rt.createUDPSocket();  // a cheap way to run `more` on the loop thread
    kick->onClose([&](const auto&) {
      more();
      kicked = true;
    });
    kick->close();
    while ((!kicked || opened < target) && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (opened < target) bench::die("ws_idle: only " + std::to_string(opened) + " opened");
    std::this_thread::sleep_for(std::chrono::seconds(1));
    rss.push_back(bench::rssKiB());
    fields += (fields.empty() ? "" : ",") + std::string("\"rss_kib_") + std::to_string(n) +
              "\":" + std::to_string(rss.back());
  }
  const double perConn = static_cast<double>(rss.back() - rss.front()) /
                         static_cast<double>(a.conns.back() - a.conns.front());
  rt.stop();
  bench::report(perConn, "KiB/conn", fields);
  std::_Exit(0);  // skip closing 10,000 connections one by one
}

struct HandshakeRun {
  double rate = 0;
  std::uint64_t opens = 0, resumed = 0;
};

// Sequential handshakes on one Runtime: connect, open, close (1000), wait for the Close event.
HandshakeRun handshakes(const Args& a, bool tls, bool resume) {
  NetworkOptions network;
  network.tlsSessionResumption = resume;
  Runtime rt(benchPolicy(a), network);
  Window w(a);
  HandshakeRun run;
  std::function<void()> next = [&] {
    auto t = connect(rt, a, tls);
    t->onOpen([t, &run](const SocketTask::OpenEvent& e) {
      ++run.opens;
      if (e.profile.tlsSessionReused) ++run.resumed;
      t->close();
    });
    t->onClose([&](const SocketTask::CloseEvent& e) {
      if (e.code != 1000) bench::die("ws_handshakes: close code " + std::to_string(e.code));
      if (!w.tick()) return rt.stop();
      next();
    });
  };
  w.start();
  next();
  rt.run();  // main()'s watchdog bounds it, as io.run() in the other clients
  if (!w.done) bench::die("ws_handshakes: did not finish");
  run.rate = w.rate();
  return run;
}

// ws_handshakes, wss_handshakes. wss: the Runtime resumes TLS sessions, as it does by default
// (NetworkOptions::tlsSessionResumption); a second window with resumption off, in the same
// process, gives what resumption saves ("no_resume_per_s", "resumed": the fraction resumed).
int wsHandshakes(const Args& a, bool tls) {
  const HandshakeRun on = handshakes(a, tls, true);
  if (!tls) {
    bench::report(on.rate, "handshakes/s");
    return 0;
  }
  const HandshakeRun off = handshakes(a, tls, false);
  const double resumed =
      on.opens == 0 ? 0 : static_cast<double>(on.resumed) / static_cast<double>(on.opens);
  const double savedMs = 1000.0 / off.rate - 1000.0 / on.rate;
  bench::report(on.rate, "handshakes/s",
                "\"resumed\":" + std::to_string(resumed) +
                    ",\"no_resume_per_s\":" + std::to_string(off.rate) +
                    ",\"saved_ms_per_handshake\":" + std::to_string(savedMs) +
                    ",\"no_resume_resumed\":" + std::to_string(off.resumed));
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  Args a = Args::parse(argc, argv);
  bench::applyRowDefaults(a, argc, argv);
  bench::raiseFileLimit();
  // cli_ws_flood: the flood (--flood, 5 s) and 10 s more; its harness bounds itself sooner.
  double flood = 0;
  if (a.row == "cli_ws_flood")
    flood = a.extra.count("flood") ? std::stod(a.extra.at("flood")) : 5.0;
  std::thread([limit = a.warmup + a.seconds + 20 + (a.row == "ws_idle" ? 120 : 0) +
                       (a.row == "tcp_stream" ? 30 : 0) + (flood > 0 ? flood + 10 : 0) +
                       (a.row == "wss_handshakes" ? a.warmup + a.seconds : 0)] {
    std::this_thread::sleep_for(std::chrono::duration<double>(limit));
    std::fprintf(stderr, "gave up after %.0f s\n", limit);
    std::_Exit(1);
  }).detach();
  if (a.row == "tcp_pingpong") return tcpPingPong(a);
  if (a.row == "tcp_stream") return tcpStream(a);
  if (a.row == "udp_pingpong") return udpPingPong(a);
  if (a.row == "udp_oneway") return udpOneWay(a);
  if (a.row == "ws_pingpong") return wsPingPong(a, false);
  if (a.row == "wss_pingpong") return wsPingPong(a, true);
  if (a.row == "ws_pipelined") return wsStream(a, false, "messages/s", 1);
  if (a.row == "ws_1mib" || a.row == "wss_1mib")
    return wsStream(a, a.row == "wss_1mib", "MB/s", static_cast<double>(a.size) / 1e6);
  if (a.row == "ws_idle") return wsIdle(a);
  if (a.row == "ws_handshakes") return wsHandshakes(a, false);
  if (a.row == "wss_handshakes") return wsHandshakes(a, true);
  if (a.row == "cli_ws_flood") return bench::cli_flood::run(a);
  return 3;
} catch (const std::exception& e) {
  bench::die(e.what());
}
