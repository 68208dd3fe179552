#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace minisock::detail {

// ASCII lower case, for the case-insensitive parts of URLs and HTTP (schemes, header names).
inline std::string asciiLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

}  // namespace minisock::detail
