#include <gtest/gtest.h>

#include <array>
#include <string>

#include "core/write_queue.hpp"

using minisock::detail::WriteQueue;

namespace {

std::string contents(const WriteQueue& q) {
  std::array<std::span<const std::byte>, 64> spans;
  std::size_t n = q.gather(spans);
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out.append(reinterpret_cast<const char*>(spans[i].data()), spans[i].size());
  return out;
}

std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

}  // namespace

TEST(WriteQueue, SmallWritesCoalesceIntoOneSpanInOrder) {
  WriteQueue q;
  q.appendCopy(bytes("ab"));
  q.appendCopy(bytes("cd"));
  q.appendOwned(std::string("ef"));
  std::array<std::span<const std::byte>, 64> spans;
  EXPECT_EQ(q.gather(spans), 1u);
  EXPECT_EQ(contents(q), "abcdef");
  EXPECT_EQ(q.size(), 6u);
}

TEST(WriteQueue, LargeOwnedBuffersAreKeptWithoutCopy) {
  WriteQueue q;
  std::string big(WriteQueue::kCoalesceLimit * 2, 'x');
  const char* data = big.data();
  q.appendCopy(bytes("head"));
  q.appendOwned(std::move(big));
  q.appendCopy(bytes("tail"));
  std::array<std::span<const std::byte>, 64> spans;
  ASSERT_EQ(q.gather(spans), 3u);
  EXPECT_EQ(reinterpret_cast<const char*>(spans[1].data()), data);
  EXPECT_EQ(q.size(), WriteQueue::kCoalesceLimit * 2 + 8);
}

TEST(WriteQueue, PartialConsumeKeepsTheRestInOrder) {
  WriteQueue q;
  q.appendCopy(bytes("hello "));
  std::vector<std::byte> big(WriteQueue::kCoalesceLimit, std::byte{'z'});
  q.appendOwned(std::move(big));
  q.appendCopy(bytes(" world"));
  q.consume(3);
  EXPECT_EQ(contents(q).substr(0, 3), "lo ");
  q.consume(3 + WriteQueue::kCoalesceLimit - 1);
  EXPECT_EQ(contents(q), "z world");
  q.consume(7);
  EXPECT_TRUE(q.empty());
  q.appendCopy(bytes("again"));
  EXPECT_EQ(contents(q), "again");
  EXPECT_EQ(q.clear(), 5u);
  EXPECT_TRUE(q.empty());
}
