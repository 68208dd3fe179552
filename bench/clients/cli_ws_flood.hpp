// The cli_ws_flood row of the minisock peer (bench/README.md): the built `minisock` CLI, run as
// `minisock ws URL --json` with stdout redirected to a file, receives bench_server's ws_flood
// (binary messages of `--size` bytes, back to back, for `--flood` seconds). This process is
// only the harness: it starts the CLI, sends the flood's "go" line through the CLI's stdin,
// samples the CLI's VmRSS every 100 ms, takes its peak RSS from wait4(), and checks that the
// file holds every message the server sent, in order and whole.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common.hpp"

namespace bench::cli_flood {

// What atexit() cleans up when the row fails (bench::die exits with status 1).
inline pid_t g_child = -1;
inline std::string g_dir, g_file;

inline void cleanup() {
  if (g_child > 0) {
    ::kill(g_child, SIGKILL);
    ::waitpid(g_child, nullptr, 0);
    g_child = -1;
  }
  if (!g_file.empty()) ::unlink(g_file.c_str());
  if (!g_dir.empty()) ::rmdir(g_dir.c_str());
  g_file.clear();
  g_dir.clear();
}

/// The CLI of the build this client belongs to: MINISOCK_BENCH_CLI, else
/// <this executable's folder>/tools/minisock/minisock (build/bench configured with
/// -DMINISOCK_BUILD_TOOLS=ON), else <folder>/minisock.
inline std::string findCli() {
  if (const char* e = std::getenv("MINISOCK_BENCH_CLI"); e && *e) return e;
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    std::string dir(self);
    dir.resize(dir.rfind('/'));
    for (const char* rel : {"/tools/minisock/minisock", "/minisock"}) {
      const std::string p = dir + rel;
      struct stat st {};
      if (::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0)
        return p;
    }
  }
  die("cli_ws_flood: no minisock CLI next to this client (tools/minisock/minisock: configure "
      "build/bench with -DMINISOCK_BUILD_TOOLS=ON) and MINISOCK_BENCH_CLI is not set");
}

struct Status {
  long rss = -1, hwm = -1;  // VmRSS, VmHWM in KiB; -1 when gone (a zombie has neither)
};

inline Status readStatus(pid_t pid) {
  Status s;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss = std::strtol(line.c_str() + 6, nullptr, 10);
    if (line.rfind("VmHWM:", 0) == 0) s.hwm = std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return s;
}

inline std::string hexOf(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = digits[b >> 4];
    out[2 * i + 1] = digits[b & 15];
  }
  return out;
}

struct FileCheck {
  std::uint64_t messages = 0, fileBytes = 0;
};

/// Reads the CLI's NDJSON back: "open", then the flood's binary messages 0, 1, …, each exactly
/// `size` bytes of ws_flood's pattern (lower-case hex in "data", the sequence number in its
/// first 8 bytes), then the text message "end <count>" with count equal to the messages read,
/// then "close" with code 1000; every line whole. Anything else fails the row.
inline FileCheck checkFile(const std::string& file, std::size_t size) {
  std::string pattern(size - 8, 'x');
  for (std::size_t i = 8; i < size; ++i) pattern[i - 8] = static_cast<char>('a' + i % 26);
  const std::string tail = hexOf(pattern);
  const std::string sizeField = "\"size\":" + std::to_string(size);
  std::ifstream in(file, std::ios::binary);
  if (!in) die("cli_ws_flood: cannot read " + file);
  FileCheck c;
  std::string line;
  bool opened = false, closed = false;
  long long endCount = -1;
  while (std::getline(in, line)) {
    const bool newline = !in.eof();
    c.fileBytes += line.size() + (newline ? 1 : 0);
    if (!newline) die("cli_ws_flood: the output's last line has no newline (cut short)");
    if (closed) die("cli_ws_flood: output after the close event: " + line.substr(0, 200));
    if (line.rfind("{\"event\":\"open\"", 0) == 0) {
      if (opened) die("cli_ws_flood: two open events");
      opened = true;
      continue;
    }
    if (!opened) die("cli_ws_flood: output before the open event: " + line.substr(0, 200));
    if (line.rfind("{\"event\":\"message\"", 0) == 0) {
      const auto at = line.find("\"data\":\"");
      if (at == std::string::npos) die("cli_ws_flood: a message without data");
      const std::size_t d = at + 8;
      if (line.find("\"type\":\"binary\"") != std::string::npos) {
        if (endCount >= 0) die("cli_ws_flood: a binary message after the end message");
        if (line.size() < d + 2 * size + 1 || line[d + 2 * size] != '"' ||
            line.find(sizeField, d + 2 * size) == std::string::npos)
          die("cli_ws_flood: binary message " + std::to_string(c.messages) + " is not " +
              std::to_string(size) + " bytes");
        std::uint64_t seq = 0;
        for (int i = 0; i < 8; ++i)
          seq |= static_cast<std::uint64_t>(std::stoul(line.substr(d + 2 * i, 2), nullptr, 16))
                 << (8 * i);
        if (seq != c.messages)
          die("cli_ws_flood: message " + std::to_string(c.messages) + " has sequence number " +
              std::to_string(seq) + " (lost, repeated or reordered)");
        if (line.compare(d + 16, tail.size(), tail) != 0)
          die("cli_ws_flood: message " + std::to_string(c.messages) + ": payload differs");
        ++c.messages;
      } else if (line.compare(d, 4, "end ") == 0) {
        endCount = std::atoll(line.c_str() + d + 4);
      } else {
        die("cli_ws_flood: unexpected message: " + line.substr(0, 200));
      }
      continue;
    }
    if (line.rfind("{\"event\":\"close\"", 0) == 0) {
      if (line.find("\"code\":1000") == std::string::npos)
        die("cli_ws_flood: closed with another code: " + line);
      closed = true;
      continue;
    }
    die("cli_ws_flood: unexpected event: " + line.substr(0, 300));
  }
  if (!closed) die("cli_ws_flood: no close event in the output");
  if (endCount < 0) die("cli_ws_flood: no end message in the output");
  if (static_cast<std::uint64_t>(endCount) != c.messages)
    die("cli_ws_flood: the server sent " + std::to_string(endCount) + " messages, the output has " +
        std::to_string(c.messages));
  if (c.messages == 0) die("cli_ws_flood: no message received");
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0 || static_cast<std::uint64_t>(st.st_size) != c.fileBytes)
    die("cli_ws_flood: the file's size differs from the lines read");
  return c;
}

inline int run(const Args& a) {
  const double flood = a.extra.count("flood") ? std::stod(a.extra.at("flood")) : 5.0;
  if (flood <= 0 || flood > 600) die("cli_ws_flood: --flood must be in (0, 600] seconds");
  if (a.size < 8) die("cli_ws_flood: --size must be at least 8");
  const std::string cli = findCli();
  const bool v6 = a.host.find(':') != std::string::npos;
  const std::string url =
      "ws://" + (v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port) + "/";

  std::atexit(cleanup);
  const char* tmpRoot = std::getenv("TMPDIR");
  std::string dirTemplate =
      std::string(tmpRoot && *tmpRoot ? tmpRoot : "/tmp") + "/minisock-cli-flood-XXXXXX";
  if (!::mkdtemp(dirTemplate.data())) die("cli_ws_flood: mkdtemp: " + std::string(strerror(errno)));
  g_dir = dirTemplate;
  g_file = g_dir + "/out.ndjson";
  const int outFd = ::open(g_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (outFd < 0) die("cli_ws_flood: cannot create " + g_file);
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) die("cli_ws_flood: pipe failed");

  const auto t0 = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) die("cli_ws_flood: fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the harness (run.sh's timeout)
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(outFd, STDOUT_FILENO);
    const char* argv[] = {"minisock", "ws", url.c_str(), "--json", nullptr};
    ::execv(cli.c_str(), const_cast<char* const*>(argv));
    static const char msg[] = "cli_ws_flood: cannot exec the minisock CLI\n";
    [[maybe_unused]] const auto w = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  g_child = pid;
  ::close(in[0]);
  ::close(outFd);
  // The CLI sends each stdin line once the connection is open; stdin stays open until it exits
  // (the server's close ends it).
  const std::string go =
      "go " + std::to_string(static_cast<long>(flood * 1000)) + " " + std::to_string(a.size) + "\n";
  if (::write(in[1], go.data(), go.size()) != static_cast<ssize_t>(go.size()))
    die("cli_ws_flood: cannot write the CLI's stdin");

  // Samples every 100 ms, at most (flood + 15) s: the flood, the CLI's close, a margin.
  struct Sample {
    double t;
    long rss;
  };
  std::vector<Sample> samples;
  long sampledPeak = 0, hwm = 0;
  const double bound = flood + 15;
  const int maxSamples = static_cast<int>(bound * 10) + 1;
  int status = 0;
  rusage ru{};
  bool exited = false;
  for (int i = 0; i < maxSamples && secondsSince(t0) < bound; ++i) {
    if (::wait4(pid, &status, WNOHANG, &ru) == pid) {
      exited = true;
      break;
    }
    const Status s = readStatus(pid);
    if (s.rss >= 0) {
      samples.push_back({secondsSince(t0), s.rss});
      sampledPeak = std::max(sampledPeak, s.rss);
      hwm = std::max(hwm, s.hwm);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!exited) die("cli_ws_flood: the CLI did not end within " + std::to_string(bound) + " s");
  g_child = -1;
  const double wall = secondsSince(t0);
  ::close(in[1]);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    die("cli_ws_flood: the CLI ended with " + (WIFEXITED(status)
                                                   ? "status " + std::to_string(WEXITSTATUS(status))
                                                   : "signal " + std::to_string(WTERMSIG(status))));
  if (samples.empty()) die("cli_ws_flood: no RSS sample (the CLI ended at once)");

  const FileCheck c = checkFile(g_file, a.size);
  cleanup();

  // The kernel's high-water mark of the CLI's RSS (wait4's ru_maxrss, KiB) is the value; the
  // 100 ms samples show the course (the last one: the RSS as the flood ended).
  const long peak = std::max({static_cast<long>(ru.ru_maxrss), hwm, sampledPeak});
  const long finalRss = samples.back().rss;
  // Growth per second from the sample nearest 1 s to the last one (a leak shows here).
  std::string growth;
  const auto first =
      std::find_if(samples.begin(), samples.end(), [](const Sample& s) { return s.t >= 1.0; });
  if (first != samples.end() && samples.back().t - first->t >= 1.0)
    growth =
        ",\"rss_growth_kib_per_s\":" +
        std::to_string(static_cast<long>((finalRss - first->rss) / (samples.back().t - first->t)));
  const double mb = static_cast<double>(c.messages) * static_cast<double>(a.size) / 1e6;
  char extra[512];
  std::snprintf(extra, sizeof extra,
                "\"mb_received\":%.1f,\"messages\":%llu,\"output_mb\":%.1f,\"mb_per_s\":%.1f,"
                "\"final_rss_kib\":%ld,\"sampled_peak_kib\":%ld,\"samples\":%zu,\"flood_s\":%g",
                mb, static_cast<unsigned long long>(c.messages),
                static_cast<double>(c.fileBytes) / 1e6, mb / wall, finalRss, sampledPeak,
                samples.size(), flood);
  report(static_cast<double>(peak), "KiB", extra + growth);
  return 0;
}

}  // namespace bench::cli_flood
