#include "fake_autobahn.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <thread>

namespace minisock::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::use_awaitable;
using asio::ip::tcp;

/// The value of `key` in the query of `target` ("/runCase?case=1&agent=a"), or "".
std::string queryValue(const std::string& target, const std::string& key) {
  const auto query = target.find('?');
  if (query == std::string::npos) return "";
  std::size_t at = query + 1;
  while (at < target.size()) {
    const auto end = std::min(target.find('&', at), target.size());
    const std::string pair = target.substr(at, end - at);
    if (pair.rfind(key + "=", 0) == 0) return pair.substr(key.size() + 1);
    at = end + 1;
  }
  return "";
}

std::string path(const std::string& target) { return target.substr(0, target.find('?')); }

}  // namespace

struct FakeAutobahnServer::Impl {
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  int caseCount = 0;
  int port = 0;
  std::thread thread;
  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::vector<CaseResult> results;
  std::vector<std::string> agents;
  int countRequests = 0;

  asio::awaitable<void> acceptLoop() {
    for (;;) {
      tcp::socket socket = co_await acceptor.async_accept(use_awaitable);
      asio::co_spawn(ioc, session(std::move(socket)), asio::detached);
    }
  }

  // Ends our side of the closing handshake: send a close frame, then read until the client's
  // answer (Beast reports it as `closed`).
  static asio::awaitable<void> closeNormally(websocket::stream<tcp::socket>& ws) {
    co_await ws.async_close(websocket::close_code::normal, use_awaitable);
  }

  asio::awaitable<void> runCase(websocket::stream<tcp::socket>& ws, CaseResult& result) {
    const std::string text = "case " + std::to_string(result.caseNumber) + ": hello, ünïcode";
    const std::string binary("\x00\x01\xfe\xff", 4);
    ws.text(true);
    co_await ws.async_write(asio::buffer(text), use_awaitable);
    ws.binary(true);
    co_await ws.async_write(asio::buffer(binary), use_awaitable);
    beast::flat_buffer buffer;
    co_await ws.async_read(buffer, use_awaitable);
    const bool textBack = ws.got_text() && beast::buffers_to_string(buffer.data()) == text;
    buffer.clear();
    co_await ws.async_read(buffer, use_awaitable);
    const bool binaryBack = ws.got_binary() && beast::buffers_to_string(buffer.data()) == binary;
    result.echoed = textBack && binaryBack;
    if (!textBack) result.problem += "text message not echoed as text; ";
    if (!binaryBack) result.problem += "binary message not echoed as binary; ";
    co_await closeNormally(ws);
  }

  asio::awaitable<void> session(tcp::socket socket) {
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    CaseResult result;
    bool isCase = false;
    try {
      co_await http::async_read(socket, buffer, request, use_awaitable);
      websocket::stream<tcp::socket> ws(std::move(socket));
      co_await ws.async_accept(request, use_awaitable);
      const std::string target(request.target());
      if (path(target) == "/getCaseCount") {
        {
          std::lock_guard lock(mutex);
          ++countRequests;
        }
        const std::string count = std::to_string(caseCount);
        ws.text(true);
        co_await ws.async_write(asio::buffer(count), use_awaitable);
        co_await closeNormally(ws);
      } else if (path(target) == "/runCase") {
        isCase = true;
        result.caseNumber = std::atoi(queryValue(target, "case").c_str());
        result.agent = queryValue(target, "agent");
        co_await runCase(ws, result);
      } else if (path(target) == "/updateReports") {
        {
          std::lock_guard lock(mutex);
          agents.push_back(queryValue(target, "agent"));
        }
        co_await closeNormally(ws);
      } else {
        co_await ws.async_close(websocket::close_code::policy_error, use_awaitable);
      }
    } catch (const std::exception& e) {
      result.problem += std::string("connection failed: ") + e.what();
    }
    if (isCase) {
      std::lock_guard lock(mutex);
      results.push_back(result);
      changed.notify_all();
    }
  }
};

FakeAutobahnServer::FakeAutobahnServer(int caseCount) : impl_(std::make_unique<Impl>()) {
  impl_->caseCount = caseCount;
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->ioc, impl_->acceptLoop(), asio::detached);
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

FakeAutobahnServer::~FakeAutobahnServer() {
  asio::post(impl_->ioc, [impl = impl_.get()] { impl->ioc.stop(); });
  impl_->thread.join();
}

int FakeAutobahnServer::port() const { return impl_->port; }

std::vector<FakeAutobahnServer::CaseResult> FakeAutobahnServer::results() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->results;
}

std::vector<std::string> FakeAutobahnServer::reportAgents() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->agents;
}

int FakeAutobahnServer::caseCountRequests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->countRequests;
}

bool FakeAutobahnServer::waitForResults(std::size_t n, std::chrono::milliseconds limit) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, limit, [&] { return impl_->results.size() >= n; });
}

}  // namespace minisock::testing
