#include <gtest/gtest.h>

#include <string>

#include "core/fifo_queue.hpp"

using minisock::detail::FifoQueue;

TEST(FifoQueue, KeepsOrderWhileAProducerKeepsItFromEmptying) {
  FifoQueue<std::string> q;
  EXPECT_TRUE(q.empty());
  int next = 0, expected = 0;
  // Two in, one out, 1,000 times, then drain: every value comes out once, in order, across
  // the compactions of the consumed front.
  for (int round = 0; round < 1000; ++round) {
    q.push_back(std::to_string(next++));
    q.push_back(std::to_string(next++));
    ASSERT_EQ(q.front(), std::to_string(expected++));
    q.pop_front();
  }
  EXPECT_EQ(q.size(), 1000u);
  while (!q.empty()) {
    ASSERT_EQ(q.front(), std::to_string(expected++));
    q.pop_front();
  }
  EXPECT_EQ(expected, 2000);
  q.push_back("again");
  EXPECT_EQ(q.front(), "again");
  q.clear();
  EXPECT_TRUE(q.empty());
}
