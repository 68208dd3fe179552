// Fuzzes WriteQueue (src/core/write_queue.*) with an operation sequence decoded from the input,
// against a std::string model: after every operation, size(), empty() and the bytes handed out
// by gather() (in order, none empty, any number of spans) equal the model's.
//
// Each operation is one byte (low 3 bits: which) and its arguments:
//   appendCopy / appendOwned(string) / appendOwned(vector): a length class and length
//     (small, around the 64 KiB coalescing limit, or large), then a fill seed;
//   gather(k spans), consume(n <= size()), consume(size()), clear().

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "core/write_queue.hpp"
#include "fuzz_support.hpp"

namespace {

using minisock::detail::WriteQueue;

using fuzz::Reader;

constexpr std::size_t kLimit = WriteQueue::kCoalesceLimit;
constexpr std::size_t kMaxQueued = 1u << 20;  // keeps one input's time and memory bounded

std::size_t length(Reader& in) {
  const std::uint8_t cls = in.byte();
  switch (cls % 4) {
    case 0:
      return in.byte();  // small writes (coalesced)
    case 1:
      return in.u16();  // up to 64 KiB - 1
    case 2:             // around the coalescing limit
      return kLimit - 4 + in.byte() % 9;
    default:  // large
      return kLimit + in.u16();
  }
}

// Distinct contents for each append: a slice of a fixed pseudo-random pattern, at an offset
// chosen by the input (built once: filling byte by byte costs more than the queue itself).
std::string fill(std::size_t n, std::uint8_t seed) {
  static const std::string pattern = [] {
    std::string p(2 * kLimit + 70000, '\0');
    std::uint32_t x = 12345;
    for (char& c : p) {
      x = x * 1103515245u + 12345u;
      c = static_cast<char>(x >> 24);
    }
    return p;
  }();
  return pattern.substr(std::size_t{seed} * 251, n);
}

void checkEqual(const WriteQueue& q, const std::string& model) {
  CHECK(q.size() == model.size());
  CHECK(q.empty() == model.empty());
  static std::array<std::span<const std::byte>, 2048> spans;
  const std::size_t n = q.gather(spans);
  CHECK(n <= spans.size());
  CHECK((n == 0) == model.empty());
  std::size_t at = 0;
  for (std::size_t i = 0; i < n; ++i) {
    CHECK(!spans[i].empty());
    CHECK(at + spans[i].size() <= model.size());
    CHECK(std::memcmp(spans[i].data(), model.data() + at, spans[i].size()) == 0);
    at += spans[i].size();
  }
  if (n < spans.size()) CHECK(at == model.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Reader in(data, size);
  WriteQueue q;
  std::string model;
  int ops = 0;
  while (!in.empty() && ops++ < 256) {
    const std::uint8_t op = in.byte();
    switch (op % 8) {
      case 0:
      case 1:
      case 2: {
        const std::size_t n = length(in);
        std::string bytes = fill(n, in.byte());
        if (model.size() + n > kMaxQueued) break;
        model += bytes;
        if (op % 8 == 0) {
          q.appendCopy(std::as_bytes(std::span(bytes)));
        } else if (op % 8 == 1) {
          q.appendOwned(std::move(bytes));
        } else {
          std::vector<std::byte> v(reinterpret_cast<const std::byte*>(bytes.data()),
                                   reinterpret_cast<const std::byte*>(bytes.data()) + n);
          q.appendOwned(std::move(v));
        }
        break;
      }
      case 3: {  // a partial gather: a prefix of the model
        std::vector<std::span<const std::byte>> spans(in.byte() % 70);
        const std::size_t n = q.gather(spans);
        CHECK(n <= spans.size());
        std::size_t at = 0;
        for (std::size_t i = 0; i < n; ++i) {
          CHECK(!spans[i].empty());
          CHECK(at + spans[i].size() <= model.size());
          CHECK(std::memcmp(spans[i].data(), model.data() + at, spans[i].size()) == 0);
          at += spans[i].size();
        }
        break;
      }
      case 4:
      case 5: {  // consume what a writev took: n <= size()
        checkEqual(q, model);
        const std::size_t want =
            op % 8 == 4 ? (std::size_t{in.u16()} << (in.byte() % 5)) : in.byte();
        const std::size_t n = model.empty() ? 0 : want % (model.size() + 1);
        q.consume(n);
        model.erase(0, n);
        break;
      }
      case 6:
        checkEqual(q, model);
        q.consume(model.size());
        model.clear();
        break;
      default:
        checkEqual(q, model);
        CHECK(q.clear() == model.size());
        model.clear();
        break;
    }
    // Sizes after every operation; contents too while small, else every 8th operation and
    // before anything is dropped (each full check costs a pass over the queue).
    CHECK(q.size() == model.size());
    CHECK(q.empty() == model.empty());
    if (model.size() <= 64 * 1024 || ops % 8 == 0 || in.empty()) checkEqual(q, model);
  }
  CHECK(q.clear() == model.size());
  CHECK(q.empty() && q.size() == 0);
  checkEqual(q, std::string());
  return 0;
}
