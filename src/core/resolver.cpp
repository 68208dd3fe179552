#include "core/resolver.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/asio_address.hpp"
#include "core/runtime_core.hpp"

namespace minisock::detail {

struct Resolver::State {
  explicit State(std::shared_ptr<RuntimeLink> l) : link(std::move(l)) {}

  struct Request {
    std::string host;
    Family family;
    Done done;
    Ticket cancelled;
  };

  const std::shared_ptr<RuntimeLink> link;
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<Request> queue;
  bool stopping = false;
  bool started = false;

  // The resolver's thread: one lookup at a time, in order.
  static void work(const std::shared_ptr<State>& state) {
    boost::asio::io_context context;  // only to construct the resolver; never run
    boost::asio::ip::tcp::resolver resolver(context);
    for (;;) {
      Request request;
      {
        std::unique_lock lock(state->mutex);
        state->cv.wait(lock, [&] { return state->stopping || !state->queue.empty(); });
        if (state->stopping) return;
        request = std::move(state->queue.front());
        state->queue.pop_front();
      }
      using tcp = boost::asio::ip::tcp;
      boost::system::error_code ec;
      tcp::resolver::results_type results;
      if (request.cancelled->load(std::memory_order_acquire)) {
        ec = boost::asio::error::operation_aborted;
      } else
        switch (request.family) {
          case Family::any:
            results = resolver.resolve(request.host, "0", tcp::resolver::numeric_service, ec);
            break;
          case Family::v4:
            results =
                resolver.resolve(tcp::v4(), request.host, "0", tcp::resolver::numeric_service, ec);
            break;
          case Family::v6Mapped:
            results =
                resolver.resolve(tcp::v6(), request.host, "0",
                                 tcp::resolver::numeric_service | tcp::resolver::v4_mapped, ec);
            break;
        }
      Lookup lookup;
      if (ec == boost::asio::error::operation_aborted) {
        lookup.outcome = Lookup::Outcome::cancelled;
      } else if (ec == boost::asio::error::host_not_found || ec == boost::asio::error::no_data) {
        lookup.outcome = Lookup::Outcome::notFound;
        lookup.message = ec.message();
      } else if (ec) {
        lookup.outcome = Lookup::Outcome::failed;
        lookup.message = ec.message();
      } else {
        lookup.outcome = Lookup::Outcome::found;
        lookup.addresses.reserve(results.size());
        for (const auto& entry : results)
          lookup.addresses.push_back(toIP(entry.endpoint().address()));
      }
      // The result and the end of this lookup's work, both while the runtime certainly lives.
      state->link->deferEndingWork(
          [done = std::move(request.done), lookup = std::move(lookup)]() mutable {
            done(std::move(lookup));
          });
    }
  }
};

Resolver::Resolver(std::shared_ptr<RuntimeLink> link)
    : state_(std::make_shared<State>(std::move(link))) {}

Resolver::~Resolver() {
  std::lock_guard lock(state_->mutex);
  state_->stopping = true;
  state_->queue.clear();
  state_->cv.notify_all();
}

Resolver::Ticket Resolver::resolve(std::string host, Family family, Done done) {
  auto ticket = std::make_shared<std::atomic<bool>>(false);
  // Outstanding work from now until the result is posted (RuntimeLink::deferEndingWork).
  state_->link->core->ioc.get_executor().on_work_started();
  std::lock_guard lock(state_->mutex);
  state_->queue.push_back(State::Request{std::move(host), family, std::move(done), ticket});
  if (!state_->started) {
    state_->started = true;
    // Detached: it holds the state, and a lookup blocked in getaddrinfo must not hold up the
    // Runtime's destruction; its result is then dropped (the link is no longer alive).
    std::thread([state = state_] { State::work(state); }).detach();
  }
  state_->cv.notify_one();
  return ticket;
}

}  // namespace minisock::detail
