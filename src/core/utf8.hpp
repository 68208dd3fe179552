#pragma once
// UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). Sans-I/O.

#include <cstddef>
#include <string_view>

namespace minisock::detail {

/// True when `text` is entirely valid UTF-8.
bool isValidUtf8(std::string_view text) noexcept;

/// True when `text` ends in the middle of a multi-byte sequence (its last 1-3 bytes start a
/// sequence that is not finished). Cheap: looks only at the tail.
bool endsInsideUtf8Sequence(std::string_view text) noexcept;

}  // namespace minisock::detail
