// Fuzzes the UTF-8 checks (src/core/utf8.*) against a slow reference decoder written here.
//
// - isValidUtf8 == the reference (RFC 3629: shortest form, no surrogates, <= U+10FFFF);
// - endsInsideUtf8Sequence, by its definition: the text's last 1-3 bytes are a lead byte
//   followed by fewer continuation bytes than it announces. On a text that is valid UTF-8 up
//   to an unfinished last sequence (what Beast's incremental checker lets through, the case
//   minisock relies on), it is true exactly when the text is not valid;
// - every valid text cut at any point ends inside a sequence exactly when the cut falls inside
//   a character; whole texts never do.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.hpp"
#include "fuzz_support.hpp"

namespace {

// Decodes one code point at s[i]; returns its length, or 0 when no valid character starts there.
// `complete` is false when the bytes so far are a valid beginning cut by the end of the text.
std::size_t decodeOne(std::string_view s, std::size_t i, bool& cutShort) {
  cutShort = false;
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len;
  std::uint32_t cp;
  if (b0 < 0x80) return 1;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0;  // continuation byte or F8-FF
  }
  std::size_t k = 1;
  for (; k < len && i + k < s.size(); ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  // The smallest and largest code point each length may encode, and no surrogate. For a cut
  // sequence, check whether some completion could be valid.
  static constexpr std::uint32_t minFor[5] = {0, 0, 0x80, 0x800, 0x10000};
  std::uint32_t lo = cp, hi = cp;
  for (std::size_t m = k; m < len; ++m) {
    lo = lo << 6;
    hi = (hi << 6) | 0x3F;
  }
  auto anyValid = [&](std::uint32_t a, std::uint32_t b) {
    // Is some code point in [a, b] valid for this length?
    const std::uint32_t from = std::max(a, minFor[len]);
    const std::uint32_t to = std::min<std::uint32_t>(b, 0x10FFFF);
    if (from > to) return false;
    // Excluding surrogates D800-DFFF.
    if (from >= 0xD800 && to <= 0xDFFF) return false;
    return true;
  };
  if (k < len) {
    cutShort = anyValid(lo, hi);
    return 0;
  }
  if (!anyValid(cp, cp)) return 0;
  return len;
}

bool refValid(std::string_view s) {
  bool cut;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = decodeOne(s, i, cut);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// Valid, except that the last sequence may be an unfinished beginning of a valid character.
bool refValidPrefix(std::string_view s) {
  bool cut = false;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = decodeOne(s, i, cut);
    if (n == 0) return cut;
    i += n;
  }
  return true;
}

// The definition of endsInsideUtf8Sequence, on the tail only.
bool refEndsInside(std::string_view s) {
  for (std::size_t back = 1; back <= 3 && back <= s.size(); ++back) {
    const auto c = static_cast<unsigned char>(s[s.size() - back]);
    if ((c & 0xC0) == 0x80) continue;
    std::size_t need = 1;
    if (c >= 0xF0) {
      need = 4;
    } else if (c >= 0xE0) {
      need = 3;
    } else if (c >= 0xC0) {
      need = 2;
    }
    return back < need;
  }
  return false;  // no lead byte among the last 3: nothing unfinished to be inside of
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using minisock::detail::endsInsideUtf8Sequence;
  using minisock::detail::isValidUtf8;
  const std::string_view s(reinterpret_cast<const char*>(data), size);

  const bool valid = isValidUtf8(s);
  CHECK(valid == refValid(s));
  const bool inside = endsInsideUtf8Sequence(s);
  CHECK(inside == refEndsInside(s));
  if (valid) CHECK(!inside);
  if (refValidPrefix(s)) CHECK(inside == !valid);

  // Every prefix of a valid text (the split points of a fragmented message).
  if (valid && size <= 512) {
    std::vector<bool> boundary(size + 1, false);
    bool cut;
    for (std::size_t i = 0; i < size;) {
      boundary[i] = true;
      i += decodeOne(s, i, cut);
    }
    boundary[size] = true;
    for (std::size_t n = 0; n <= size; ++n) {
      const std::string_view prefix = s.substr(0, n);
      CHECK(endsInsideUtf8Sequence(prefix) == !boundary[n]);
      CHECK(isValidUtf8(prefix) == boundary[n]);
    }
  }
  return 0;
}
