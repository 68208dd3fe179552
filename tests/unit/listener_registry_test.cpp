#include <gtest/gtest.h>

#include "core/listener_registry.hpp"

using minisock::ListenerId;
using minisock::detail::ListenerRegistry;

struct Ev {
  int n;
};

TEST(ListenerRegistry, DispatchesInOrderOfRegistration) {
  ListenerRegistry<Ev> r;
  std::string log;
  // Appended piecewise: GCC 12 at -O3 warns (-Wrestrict, a false positive: its bug 105651)
  // on `"a" + std::to_string(n)`, which inlines operator+(const char*, string&&).
  r.add(ListenerId{1}, [&](const Ev& e) { log.append("a").append(std::to_string(e.n)); });
  r.add(ListenerId{2}, [&](const Ev& e) { log.append("b").append(std::to_string(e.n)); });
  r.dispatch({7});
  EXPECT_EQ(log, "a7b7");
}

TEST(ListenerRegistry, RemovalDuringDispatchStopsLaterCalls) {
  ListenerRegistry<Ev> r;
  int a = 0, b = 0;
  r.add(ListenerId{1}, [&](const Ev&) {
    ++a;
    r.remove(ListenerId{1});  // itself
    r.remove(ListenerId{2});  // the next one
  });
  r.add(ListenerId{2}, [&](const Ev&) { ++b; });
  r.dispatch({0});
  r.dispatch({0});
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 0);
  EXPECT_TRUE(r.empty());
}

TEST(ListenerRegistry, AddedDuringDispatchRunsFromTheNextEvent) {
  ListenerRegistry<Ev> r;
  int added = 0;
  int outer = 0;
  r.add(ListenerId{1}, [&](const Ev&) {
    ++outer;
    // Many additions force the entry vector to reallocate while this listener runs.
    for (int i = 0; i < 100; ++i)
      r.add(ListenerId{static_cast<std::uint64_t>(100 + outer * 1000 + i)},
            [&](const Ev&) { ++added; });
  });
  r.dispatch({0});
  EXPECT_EQ(added, 0);
  r.dispatch({0});
  EXPECT_EQ(added, 100);
}

TEST(ListenerRegistry, ClearDuringDispatchAndNullListeners) {
  ListenerRegistry<Ev> r;
  int calls = 0;
  r.add(ListenerId{1}, [&](const Ev&) {
    ++calls;
    r.clear();
  });
  r.add(ListenerId{2}, [&](const Ev&) { ++calls; });
  r.add(ListenerId{3}, nullptr);  // ignored
  r.dispatch({0});
  r.dispatch({0});
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(r.empty());
}
