// An unknown host, looked up inside a private network namespace so that no query can leave
// this machine: the lookup fails at once there and connect() reports it.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstring>

#include <minisock/minisock.hpp>

#include "event_recorder.hpp"

using namespace minisock;
using namespace minisock::testing;
using namespace std::chrono_literals;

namespace {

bool loopbackUp() {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags |= IFF_UP;
  ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

TEST(UnknownHost, LookupFailureIsAnErrorThenCloseInsideAPrivateNetworkNamespace) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    std::string result;
    if (::unshare(CLONE_NEWNET) != 0 || !loopbackUp()) {
      result = "SKIP: cannot create a network namespace here";
    } else {
      Recorder rec;
      Runtime rt;
      auto tcp = rt.createTCPSocket();
      rec.attach(*tcp);
      tcp->connect({.address = "no-such-host.invalid", .port = 40000, .timeout = 5s});
      runUntil(
          rt, [&] { return rec.closes == 1; }, 10s);
      if (rec.order == std::vector<std::string>{"error", "close"}) {
        result = std::to_string(rec.errorEvents[0].errCode) + " " + rec.errorEvents[0].errMsg;
      } else {
        result = "UNEXPECTED events: " + std::to_string(rec.order.size());
      }
    }
    (void)!::write(fds[1], result.data(), result.size());
    ::close(fds[1]);
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (out.rfind("SKIP", 0) == 0) GTEST_SKIP() << out;
  EXPECT_NE(out.find("connect fail: cannot resolve host 'no-such-host.invalid'"), std::string::npos)
      << out;
  EXPECT_TRUE(out.rfind("1 ", 0) == 0 || out.rfind("-1 ", 0) == 0) << out;
}
