#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "core/deadlines.hpp"

using minisock::detail::Deadlines;
using namespace std::chrono_literals;

TEST(Deadlines, FireInTimeOrderAndNotWhenCancelled) {
  boost::asio::io_context ioc;
  Deadlines d(ioc);
  std::vector<int> fired;
  const auto start = Deadlines::Clock::now();
  d.add(60ms, [&] { fired.push_back(3); });
  auto cancelled = d.add(40ms, [&] { fired.push_back(99); });
  d.add(20ms, [&] { fired.push_back(1); });  // earlier than the armed one: re-arms
  d.add(40ms, [&] {
    fired.push_back(2);
    d.add(10ms, [&] { fired.push_back(4); });  // added from inside a callback
  });
  d.cancel(cancelled);
  EXPECT_FALSE(cancelled);
  ioc.run_for(2s);  // returns once nothing is pending
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 4, 3}));
  EXPECT_GE(Deadlines::Clock::now() - start, 60ms);
  EXPECT_EQ(d.size(), 0u);
}

TEST(Deadlines, CancellingTheEarliestLeavesTheOthers) {
  boost::asio::io_context ioc;
  Deadlines d(ioc);
  int fired = 0;
  auto first = d.add(10ms, [&] { fired += 100; });
  d.add(30ms, [&] { fired += 1; });
  d.cancel(first);  // the timer wakes at 10 ms with nothing due and re-arms
  ioc.run_for(2s);
  EXPECT_EQ(fired, 1);
}

TEST(Deadlines, StopIfEmptyLetsRunReturnAfterCancelling) {
  boost::asio::io_context ioc;
  Deadlines d(ioc);
  auto h = d.add(30s, [] {});
  d.cancel(h);  // the timer stays armed for 30 s: run() would wait for it
  d.stopIfEmpty();
  const auto start = Deadlines::Clock::now();
  ioc.run_for(10s);
  EXPECT_LT(Deadlines::Clock::now() - start, 5s);
}

namespace {
struct Owner {
  std::vector<int>* fired;
  int value;
  void due() { fired->push_back(value); }
};
}  // namespace

TEST(Deadlines, MemberFormCallsALiveOwnerAndSkipsOneThatIsGone) {
  boost::asio::io_context ioc;
  Deadlines d(ioc);
  std::vector<int> fired;
  auto kept = std::make_shared<Owner>(Owner{&fired, 1});
  auto dropped = std::make_shared<Owner>(Owner{&fired, 2});
  auto cancelledOwner = std::make_shared<Owner>(Owner{&fired, 3});
  d.add<&Owner::due>(20ms, kept);
  d.add<&Owner::due>(10ms, dropped);
  auto cancelled = d.add<&Owner::due>(15ms, cancelledOwner);
  dropped.reset();  // only a weak reference is kept: nothing is called for it
  d.cancel(cancelled);
  ioc.run_for(2s);
  EXPECT_EQ(fired, (std::vector<int>{1}));
  EXPECT_EQ(kept.use_count(), 1);  // the entry did not keep a strong reference
  EXPECT_EQ(d.size(), 0u);
}

TEST(Deadlines, EntriesAddedAfterManyCancelsFireInTimeOrder) {
  boost::asio::io_context ioc;
  Deadlines d(ioc);
  std::vector<int> fired;
  for (int round = 0; round < 3; ++round) {  // more cancels than the nodes kept for reuse
    std::vector<Deadlines::Handle> handles;
    for (int i = 0; i < 100; ++i) handles.push_back(d.add(10s, [&] { fired.push_back(-1); }));
    for (auto& h : handles) d.cancel(h);
  }
  EXPECT_EQ(d.size(), 0u);
  d.add(30ms, [&] { fired.push_back(3); });
  d.add(10ms, [&] { fired.push_back(1); });
  d.add(20ms, [&] { fired.push_back(2); });
  ioc.run_for(2s);
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
}
