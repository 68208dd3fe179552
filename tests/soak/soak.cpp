// Soak: N concurrent WebSocket tasks and N TCP sockets (unrestricted policy) against echo
// servers in a child process, every payload carrying a sequence number checked on return;
// all closed; repeated for R rounds. Reports RSS per connection, descriptors, and memory
// before/after each round; fails on lost, duplicated or reordered data, on descriptor leaks,
// or on memory growth after the first round. Loopback only, bounded in time.
//
//   soak [--ws N] [--tcp N] [--rounds R] [--messages M] [--seconds S]   (defaults: 10000 10000 3 10
//   120)
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <minisock/echo_servers.hpp>
#include <minisock/minisock.hpp>
#include <string>
#include <vector>

namespace {

long rssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

// Bytes the allocator has handed out and not got back (RSS also counts what it keeps).
long heapInUseKiB() {
  const struct mallinfo2 mi = mallinfo2();
  return static_cast<long>((mi.uordblks + mi.hblkhd) / 1024);
}

int openDescriptors() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d) != nullptr) ++n;
    closedir(d);
  }
  return n - 3;  // ".", "..", and the directory's own descriptor
}

int argInt(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

// Raises the descriptor limit as far as this process may (root may raise the hard limit).
rlim_t raiseDescriptorLimit(rlim_t wanted) {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  rlimit raised{wanted, wanted};
  if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    raised = {lim.rlim_max, lim.rlim_max};
    setrlimit(RLIMIT_NOFILE, &raised);
  }
  getrlimit(RLIMIT_NOFILE, &lim);
  return lim.rlim_cur;
}

std::string payload(std::uint64_t id, int seq) {
  return "id=" + std::to_string(id) + ";seq=" + std::to_string(seq) + ";" +
         std::string(static_cast<std::size_t>(seq % 50), 'x');
}

struct Totals {
  long opened = 0, closed = 0, errors = 0, badData = 0, messages = 0;
};

}  // namespace

int main(int argc, char** argv) {
  int nWs = argInt(argc, argv, "--ws", 10000);
  int nTcp = argInt(argc, argv, "--tcp", 10000);
  const int rounds = argInt(argc, argv, "--rounds", 3);
  const int messages = argInt(argc, argv, "--messages", 10);
  const int seconds = argInt(argc, argv, "--seconds", 120);
  const rlim_t limit = raiseDescriptorLimit(static_cast<rlim_t>(nWs + nTcp) * 2 + 1024);
  // The servers live in a child process, so this process needs one descriptor per connection.
  const long room = static_cast<long>(limit) - 64;
  if (nWs + nTcp > room) {
    const double scale = static_cast<double>(room) / (nWs + nTcp);
    std::printf("soak: the descriptor limit is %lu and could not be raised: scaling %d + %d down\n",
                static_cast<unsigned long>(limit), nWs, nTcp);
    nWs = static_cast<int>(nWs * scale);
    nTcp = static_cast<int>(nTcp * scale);
  }
  std::printf(
      "soak: %d WebSocket + %d TCP connections x %d rounds, %d messages each; descriptor limit "
      "%lu\n",
      nWs, nTcp, rounds, messages, static_cast<unsigned long>(limit));

  // The echo servers run in a child process: each process then needs only its own descriptors.
  int ports[2];
  if (pipe(ports) != 0) return 2;
  int stop[2];
  if (pipe(stop) != 0) return 2;
  const pid_t child = fork();
  if (child == 0) {
    close(ports[0]);
    close(stop[1]);
    minisock::servers::TcpEchoServer tcp("127.0.0.1", 0);
    minisock::servers::WsEchoServer ws("127.0.0.1", 0);
    const int p[2] = {tcp.port(), ws.port()};
    (void)!write(ports[1], p, sizeof p);
    close(ports[1]);
    char c;
    (void)!read(stop[0], &c, 1);  // until the parent closes its end
    _exit(0);
  }
  close(ports[1]);
  close(stop[0]);
  int p[2] = {0, 0};
  if (read(ports[0], p, sizeof p) != static_cast<ssize_t>(sizeof p)) return 2;
  const int tcpPort = p[0], wsPort = p[1];

  bool ok = true;
  long heapAfterFirst = 0;
  {
    minisock::Runtime rt(minisock::Policy::unrestricted());
    // The runtime's own descriptors (epoll, eventfd, timerfd) appear with its first socket:
    // round 1 may end a few above the start; every later round must end exactly where it did.
    const int fdsStart = openDescriptors();
    int fdsBaseline = -1;
    for (int round = 1; round <= rounds; ++round) {
      const long rssStart = rssKiB();
      Totals t;
      long peakRss = rssStart;
      std::vector<std::shared_ptr<minisock::SocketTask>> tasks;
      std::vector<std::shared_ptr<minisock::TCPSocket>> sockets;
      tasks.reserve(static_cast<std::size_t>(nWs));
      sockets.reserve(static_cast<std::size_t>(nTcp));
      for (int i = 0; i < nWs; ++i) {
        auto task = rt.connectSocket({.url = "ws://127.0.0.1:" + std::to_string(wsPort) + "/soak"});
        minisock::SocketTask* raw = task.get();
        const std::uint64_t id = task->socketTaskId();
        auto next = std::make_shared<int>(0);
        task->onOpen([&t, raw, id, messages](const minisock::SocketTask::OpenEvent&) {
          ++t.opened;
          for (int s = 0; s < messages; ++s) raw->send({.data = payload(id, s)});
        });
        task->onMessage([&t, raw, id, next, messages](const minisock::SocketTask::MessageEvent& e) {
          ++t.messages;
          const auto* text = std::get_if<std::string_view>(&e.data);
          if (text == nullptr || *text != payload(id, *next)) ++t.badData;
          if (++*next == messages) raw->close();
        });
        task->onError([&t](const minisock::ErrorEvent& e) {
          if (t.errors++ < 5) std::fprintf(stderr, "ws error: %s\n", e.errMsg.c_str());
        });
        task->onClose([&t](const minisock::SocketTask::CloseEvent&) { ++t.closed; });
        tasks.push_back(std::move(task));
      }
      for (int i = 0; i < nTcp; ++i) {
        auto sock = rt.createTCPSocket();
        minisock::TCPSocket* raw = sock.get();
        const std::uint64_t id = static_cast<std::uint64_t>(i);
        std::string expected;
        for (int s = 0; s < messages; ++s) expected += payload(id, s) + "\n";
        auto got = std::make_shared<std::string>();
        sock->onConnect([&t, raw, expected](const minisock::TCPSocket::ConnectEvent&) {
          ++t.opened;
          raw->write(std::string_view(expected));
        });
        sock->onMessage([&t, raw, got, expected](const minisock::TCPSocket::MessageEvent& e) {
          got->append(reinterpret_cast<const char*>(e.message.data()), e.message.size());
          if (got->size() >= expected.size()) {
            t.messages += 1;
            if (*got != expected) ++t.badData;
            raw->close();
          }
        });
        sock->onError([&t](const minisock::ErrorEvent& e) {
          if (t.errors++ < 5) std::fprintf(stderr, "tcp error: %s\n", e.errMsg.c_str());
        });
        sock->onClose([&t](const minisock::TCPSocket::CloseEvent&) { ++t.closed; });
        sock->connect(
            {.address = "127.0.0.1", .port = tcpPort, .timeout = std::chrono::seconds(60)});
        sockets.push_back(std::move(sock));
      }
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
      while (t.closed < nWs + nTcp && std::chrono::steady_clock::now() < deadline) {
        rt.runFor(std::chrono::milliseconds(50));
        peakRss = std::max(peakRss, rssKiB());
      }
      tasks.clear();
      sockets.clear();
      rt.runFor(std::chrono::milliseconds(100));
      const long rssEnd = rssKiB();
      const long heapEnd = heapInUseKiB();
      malloc_trim(0);  // what the allocator keeps is not the program's: show both
      const long rssTrimmed = rssKiB();
      const int fds = openDescriptors();
      const long expectedMessages = static_cast<long>(nWs) * messages + nTcp;
      if (round == 1) fdsBaseline = fds;
      const bool fdsOk = round == 1 ? fds <= fdsStart + 8 : fds == fdsBaseline;
      const bool roundOk = t.closed == nWs + nTcp && t.errors == 0 && t.badData == 0 &&
                           t.messages == expectedMessages && fdsOk && rt.socketCount() == 0;
      std::printf(
          "round %d: opened %ld closed %ld messages %ld/%ld errors %ld bad %ld | RSS start %ld KiB "
          "peak %ld KiB end %ld "
          "KiB, %ld KiB trimmed (%.2f KiB per connection at peak) | heap in use after %ld KiB | "
          "descriptors %d (start %d) "
          "%s\n",
          round, t.opened, t.closed, t.messages, expectedMessages, t.errors, t.badData, rssStart,
          peakRss, rssEnd, rssTrimmed,
          static_cast<double>(peakRss - rssStart) / std::max(1, nWs + nTcp), heapEnd, fds, fdsStart,
          roundOk ? "ok" : "FAILED");
      ok = ok && roundOk;
      // Growth is judged on the heap the program holds (a leak shows there); RSS also counts
      // what the allocator keeps for reuse.
      if (round == 1) heapAfterFirst = heapEnd;
      if (round > 1 && heapEnd > heapAfterFirst + heapAfterFirst / 10 + 1024) {
        std::printf("round %d: heap in use grew after the first round (%ld KiB > %ld KiB + 10%%)\n",
                    round, heapEnd, heapAfterFirst);
        ok = false;
      }
    }
  }
  close(stop[1]);
  int status = 0;
  waitpid(child, &status, 0);
  std::printf("soak: %s\n", ok ? "passed" : "FAILED");
  return ok ? 0 : 1;
}
