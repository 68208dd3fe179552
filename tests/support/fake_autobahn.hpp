#pragma once
// A minimal stand-in for the Autobahn|Testsuite fuzzing server (Beast, on its own thread, on
// 127.0.0.1 with a port chosen by the OS), for testing `minisock autobahn` and `ws --echo`:
//   /getCaseCount                  sends the case count as a text message, then closes (1000)
//   /runCase?case=N&agent=A        sends a text and a binary message, checks that both come
//                                  back unchanged and with their type, records the result,
//                                  closes (1000)
//   /updateReports?agent=A         records the agent, closes (1000)

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace minisock::testing {

class FakeAutobahnServer {
 public:
  /// One /runCase connection.
  struct CaseResult {
    int caseNumber = 0;
    std::string agent;
    bool echoed = false;  ///< both messages came back unchanged, with their type
    std::string problem;  ///< what went wrong otherwise
  };

  explicit FakeAutobahnServer(int caseCount = 2);
  /// Stops the server (open connections are dropped) and joins its thread.
  ~FakeAutobahnServer();
  FakeAutobahnServer(const FakeAutobahnServer&) = delete;
  FakeAutobahnServer& operator=(const FakeAutobahnServer&) = delete;

  int port() const;
  std::vector<CaseResult> results() const;
  /// The agent of each /updateReports request, in order.
  std::vector<std::string> reportAgents() const;
  int caseCountRequests() const;
  /// Waits until `results().size() >= n`, at most `limit`.
  bool waitForResults(std::size_t n, std::chrono::milliseconds limit) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace minisock::testing
