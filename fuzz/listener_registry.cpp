// Fuzzes ListenerRegistry (src/core/listener_registry.hpp) with add/remove/clear/dispatch
// sequences decoded from the input, including listeners that, while being dispatched, add
// listeners, remove others or themselves, clear the registry, dispatch again (re-entrantly) or
// throw. A model checks the documented rules in lockstep:
// - dispatch calls, in registration order, the listeners present when it began;
// - a listener removed during dispatch is not called again (not later in that dispatch either);
// - one added during dispatch runs only from the next event (a nested dispatch is a next event);
// - a listener's exception is reported once and does not stop the dispatch;
// - empty functions are never registered; empty() is exact outside dispatch.
// AddressSanitizer checks that no running listener is destroyed (each one touches its own
// heap state after its actions).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/listener_registry.hpp"
#include "fuzz_support.hpp"

namespace {

int g_reports = 0;

}  // namespace

// The registry reports listener exceptions through this (errors.cpp in the library); counted
// here instead of printed.
namespace minisock::detail {
void reportListenerException(const char*) noexcept { ++g_reports; }
}  // namespace minisock::detail

namespace {

using minisock::ListenerId;

struct Event {
  int serial;
};

using fuzz::Reader;

constexpr int kMaxListeners = 64;
constexpr int kMaxDepth = 4;

struct Fuzz {
  struct Entry {
    std::uint64_t id;
    int serial;
    bool removed;
  };
  struct Frame {
    int event;
    std::vector<int> snapshot;  // serials present at the start
    std::size_t cursor = 0;
  };

  explicit Fuzz(Reader& r) : in(r) {}

  Reader& in;
  minisock::detail::ListenerRegistry<Event> registry;
  std::vector<Entry> model;  // registration order; removed entries stay, flagged
  std::vector<Frame> frames;
  int nextSerial = 0;
  int nextEvent = 0;
  int expectedReports = 0;

  Entry* find(int serial) {
    for (auto& e : model) {
      if (e.serial == serial) return &e;
    }
    return nullptr;
  }

  int live() const {
    int n = 0;
    for (const auto& e : model) n += e.removed ? 0 : 1;
    return n;
  }

  void add(std::uint64_t id, bool emptyFunction) {
    if (live() >= kMaxListeners) return;
    if (emptyFunction) {
      registry.add(ListenerId{id}, {});  // ignored
      return;
    }
    const int serial = nextSerial++;
    auto state = std::make_shared<std::string>("listener " + std::to_string(serial));
    registry.add(ListenerId{id}, [this, serial, id, state](const Event& e) {
      called(serial, id, e);
      // Touch this listener's own state after its actions: use-after-free if the registry
      // destroyed the entry while it ran.
      CHECK(state->size() > 9 && (*state)[0] == 'l');
    });
    model.push_back({id, serial, false});
  }

  void remove(std::uint64_t id) {
    registry.remove(ListenerId{id});
    for (auto& e : model) {
      if (e.id == id) e.removed = true;
    }
  }

  void clear() {
    registry.clear();
    for (auto& e : model) e.removed = true;
  }

  void dispatch() {
    Frame frame;
    frame.event = nextEvent++;
    for (const auto& e : model) {
      if (!e.removed) frame.snapshot.push_back(e.serial);
    }
    frames.push_back(std::move(frame));
    registry.dispatch(Event{frames.back().event});
    // Whatever was not called must have been removed meanwhile.
    Frame& done = frames.back();
    for (std::size_t i = done.cursor; i < done.snapshot.size(); ++i)
      CHECK(find(done.snapshot[i])->removed);
    frames.pop_back();
  }

  void called(int serial, std::uint64_t id, const Event& e) {
    CHECK(!frames.empty());
    Frame& frame = frames.back();
    CHECK(e.serial == frame.event);
    // Skip the snapshot's entries removed since; the next one must be this listener.
    while (frame.cursor < frame.snapshot.size() && find(frame.snapshot[frame.cursor])->removed)
      ++frame.cursor;
    CHECK(frame.cursor < frame.snapshot.size());
    CHECK(frame.snapshot[frame.cursor] == serial);
    ++frame.cursor;
    CHECK(!find(serial)->removed);

    const int actions = in.byte() % 4;
    for (int i = 0; i < actions; ++i) {
      const std::uint8_t a = in.byte();
      switch (a % 9) {
        case 0:
          add(in.byte() % 8, false);
          break;
        case 1:
          add(in.byte() % 8, true);
          break;
        case 2:
          remove(in.byte() % 8);
          break;
        case 3:
          remove(id);  // itself (and any other listener sharing its id)
          break;
        case 4:
          clear();
          break;
        case 5:
          if (frames.size() < kMaxDepth) dispatch();
          break;
        case 6:
          ++expectedReports;
          throw std::runtime_error("listener " + std::to_string(serial) + " threw");
        case 7:
          ++expectedReports;
          throw 42;
        default:
          break;
      }
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  g_reports = 0;
  Reader in(data, size);
  Fuzz fuzz(in);
  int ops = 0;
  while (!in.empty() && ops++ < 1000) {
    const std::uint8_t op = in.byte();
    switch (op % 6) {
      case 0:
      case 1:
        fuzz.add(in.byte() % 8, false);
        break;
      case 2:
        fuzz.remove(in.byte() % 8);
        break;
      case 3:
        fuzz.clear();
        break;
      case 4:
        fuzz.add(in.byte() % 8, true);
        break;
      default:
        fuzz.dispatch();
        break;
    }
    CHECK(fuzz.frames.empty());
    CHECK(g_reports == fuzz.expectedReports);
    CHECK(fuzz.registry.empty() == (fuzz.live() == 0));
  }
  // One more event: exactly the live listeners, in order.
  fuzz.dispatch();
  CHECK(g_reports == fuzz.expectedReports);
  return 0;
}
