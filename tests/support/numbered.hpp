#pragma once
// Test text such as "m7": a prefix and a number.

#include <string>
#include <string_view>

namespace minisock::test {

/// `prefix` followed by `n` in decimal. Built by appending: GCC 12 at -O3 reports a false
/// -Wrestrict (its bug 105651) on `"m" + std::to_string(n)`, which inlines
/// operator+(const char*, std::string&&).
inline std::string numbered(std::string_view prefix, long long n) {
  std::string s(prefix);
  s.append(std::to_string(n));
  return s;
}

}  // namespace minisock::test
