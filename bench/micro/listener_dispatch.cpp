// Listener dispatch (src/core/listener_registry.hpp): the step between a decoded event and the
// user's functions, taken once per Message event. 1 and 8 listeners on a 64-byte TCP message.

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <functional>

#include "core/listener_registry.hpp"
#include "minisock/tcp_socket.hpp"

namespace {

using minisock::ListenerId;
using Event = minisock::TCPSocket::MessageEvent;

void BM_ListenerDispatch(benchmark::State& state) {
  minisock::detail::ListenerRegistry<Event> registry;
  std::uint64_t seen = 0;
  for (std::int64_t i = 0; i < state.range(0); ++i)
    registry.add(ListenerId(static_cast<std::uint64_t>(i + 1)),
                 [&seen](const Event& e) { seen += e.message.size(); });
  std::array<std::byte, 64> bytes{};
  Event event;
  event.message = bytes;
  event.remoteInfo.size = bytes.size();
  for (auto _ : state) {
    registry.dispatch(event);
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(seen);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ListenerDispatch)->ArgName("listeners")->Arg(1)->Arg(8);

// A listener that removes itself and adds a new one on every event (the snapshot rules:
// removal takes effect at once, the added one runs from the next event).
void BM_ListenerReplaceDuringDispatch(benchmark::State& state) {
  minisock::detail::ListenerRegistry<Event> registry;
  std::uint64_t next = 1;
  std::uint64_t current = 0;
  std::function<void(const Event&)> self = [&](const Event&) {
    registry.remove(ListenerId(current));
    current = next++;
    registry.add(ListenerId(current), self);
  };
  current = next++;
  registry.add(ListenerId(current), self);
  Event event;
  for (auto _ : state) registry.dispatch(event);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ListenerReplaceDuringDispatch);

}  // namespace
