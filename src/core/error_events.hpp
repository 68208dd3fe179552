#pragma once
// Building ErrorEvents in the platform's format. Asio-free; the mapping of Asio errors to
// these lives in src/core/asio_errors.hpp.

#include <string>
#include <string_view>

#include "minisock/errors.hpp"

namespace minisock::detail {

/// An ErrorEvent with our code and message.
ErrorEvent makeError(ErrorCode code, std::string errMsg, int errNo = 0);

/// User text quoted for an errMsg: 'text', printable ASCII only ('?' for the rest), at most
/// 255 characters then "...".
std::string quoted(std::string_view text);

/// A socket-interface error (-2) in the device's format:
/// `<operation> fail: errno:111 errmsg:Connection refused`.
ErrorEvent osError(std::string_view operation, int errnum);

}  // namespace minisock::detail
