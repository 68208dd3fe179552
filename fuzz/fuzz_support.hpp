#pragma once
// Shared by the fuzz targets: CHECK (a failed property aborts, naming the target file and the
// condition) and Reader, which turns the fuzzer's bytes into values.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace fuzz {

[[noreturn]] inline void fail(const char* file, const char* what) {
  std::fprintf(stderr, "%s: check failed: %s\n", file, what);
  std::abort();
}

/// Reads the input front to back; past the end every read gives zeros or empty strings.
class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}
  bool empty() const { return n_ == 0; }
  std::uint8_t byte() {
    if (n_ == 0) return 0;
    --n_;
    return *p_++;
  }
  std::uint32_t u16() { return (std::uint32_t{byte()} << 8) | byte(); }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | byte();
    return v;
  }
  /// One length byte (taken modulo `modulo`), then that many bytes (fewer at the end).
  std::string string(unsigned modulo = 256) {
    const std::size_t len = std::min<std::size_t>(byte() % modulo, n_);
    std::string s(reinterpret_cast<const char*>(p_), len);
    p_ += len;
    n_ -= len;
    return s;
  }
  /// Everything left.
  std::string rest() {
    std::string s(reinterpret_cast<const char*>(p_), n_);
    p_ += n_;
    n_ = 0;
    return s;
  }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
};

}  // namespace fuzz

#define CHECK(cond)                             \
  do {                                          \
    if (!(cond)) ::fuzz::fail(__FILE__, #cond); \
  } while (0)
