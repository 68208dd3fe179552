#pragma once
// The one place where Asio/system error codes become minisock ErrorEvents.

#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>
#include <string>
#include <string_view>

#include "core/error_events.hpp"

namespace minisock::detail {

/// An OS error (system category) as errCode -2 with its errno; anything else as -1 with
/// Asio's text.
inline ErrorEvent fromAsio(std::string_view operation, const boost::system::error_code& ec) {
  if (ec.category() == boost::system::system_category()) return osError(operation, ec.value());
  std::string msg(operation);
  msg += " fail: ";
  msg += ec.message();
  return makeError(ErrorCode::systemError, std::move(msg));
}

}  // namespace minisock::detail
