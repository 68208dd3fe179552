// Shared by every C++ benchmark client: argument parsing, timing, result output.
// The contract every client (C++ or Node) follows is in bench/README.md ("Client contract").
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

namespace bench {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string row;  // first positional argument
  std::string host = "127.0.0.1";
  int port = 0;                         // --port
  int port2 = 0;                        // --port2 (second server port where a row needs one)
  double seconds = 2.0;                 // --seconds: measured window
  double warmup = 0.3;                  // --warmup: seconds before the window opens
  std::uint64_t bytes = 2ull << 30;     // --bytes: tcp_stream total
  std::size_t size = 64;                // --size: message size
  int inflight = 1;                     // --inflight
  std::vector<int> conns{1000, 10000};  // --conns 1000,10000 (ws_idle checkpoints)
  std::string ca;                       // --ca: CA file that signed the wss server's certificate
  std::map<std::string, std::string> extra;

  static Args parse(int argc, char** argv) {
    Args a;
    if (argc < 2) throw std::runtime_error("usage: client ROW --port P [options]");
    a.row = argv[1];
    for (int i = 2; i < argc; ++i) {
      std::string k = argv[i];
      if (k.rfind("--", 0) != 0 || i + 1 >= argc) throw std::runtime_error("bad argument: " + k);
      std::string v = argv[++i];
      k = k.substr(2);
      if (k == "host")
        a.host = v;
      else if (k == "port")
        a.port = std::stoi(v);
      else if (k == "port2")
        a.port2 = std::stoi(v);
      else if (k == "seconds")
        a.seconds = std::stod(v);
      else if (k == "warmup")
        a.warmup = std::stod(v);
      else if (k == "bytes")
        a.bytes = std::stoull(v);
      else if (k == "size")
        a.size = std::stoull(v);
      else if (k == "inflight")
        a.inflight = std::stoi(v);
      else if (k == "ca")
        a.ca = v;
      else if (k == "conns") {
        a.conns.clear();
        std::stringstream ss(v);
        std::string item;
        while (std::getline(ss, item, ',')) a.conns.push_back(std::stoi(item));
      } else
        a.extra[k] = v;
    }
    return a;
  }
};

inline double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

/// Resident set size of this process in KiB (VmRSS).
inline long rssKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

/// Prints the one result line of the contract: {"value":V,"unit":"U"<,extra>}.
inline void report(double value, const char* unit, const std::string& extraJson = {}) {
  std::printf("{\"value\":%.6g,\"unit\":\"%s\"%s%s}\n", value, unit, extraJson.empty() ? "" : ",",
              extraJson.c_str());
  std::fflush(stdout);
}

[[noreturn]] inline void die(const std::string& why) {
  std::fprintf(stderr, "%s\n", why.c_str());
  std::exit(1);
}

/// A 64-byte (or any size) payload with a recognisable pattern.
inline std::string payload(std::size_t n) {
  std::string s(n, 'x');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

/// The contract's give-up rule: a thread that ends the process with status 1 (and a message on
/// stderr) `warmup + seconds + 20` seconds from now, whatever the client is doing.
inline void giveUpAfterLimit(const Args& a) {
  const double limit = a.warmup + a.seconds + 20.0;
  std::thread([limit, row = a.row] {
    std::this_thread::sleep_for(std::chrono::duration<double>(limit));
    std::fprintf(stderr, "%s: gave up after %.1f s\n", row.c_str(), limit);
    std::fflush(stderr);
    ::_exit(1);
  }).detach();
}

/// Raises the soft limit on open descriptors to the hard limit (ws_idle opens thousands).
inline void raiseFileLimit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
}

/// The contract's per-row defaults for options not given on the command line: ws_pipelined
/// --inflight 100; ws_1mib and wss_1mib --size 1048576 --inflight 4; cli_ws_flood --size 1048576.
inline void applyRowDefaults(Args& a, int argc, char** argv) {
  auto given = [&](const char* flag) {
    for (int i = 2; i < argc; ++i)
      if (std::string(argv[i]) == flag) return true;
    return false;
  };
  const bool mib = a.row == "ws_1mib" || a.row == "wss_1mib";
  if (!given("--inflight")) {
    if (a.row == "ws_pipelined" || a.row == "wss_pipelined") a.inflight = 100;
    if (mib) a.inflight = 4;
  }
  if ((mib || a.row == "cli_ws_flood") && !given("--size")) a.size = 1 << 20;
}

/// Exit status 3, nothing printed: the client does not support this row.
[[noreturn]] inline void unsupportedRow() { std::exit(3); }

}  // namespace bench
