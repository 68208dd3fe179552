#include "minisock/errors.hpp"

#include <cstdio>

#include "core/error_events.hpp"
#include "core/listener_registry.hpp"

namespace minisock {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "minisock"; }
  std::string message(int code) const override {
    switch (static_cast<ErrorCode>(code)) {
      case ErrorCode::systemError:
        return "system error";
      case ErrorCode::socketInterfaceError:
        return "socket interface error";
      case ErrorCode::noPermission:
        return "no permission (refused by the connection policy)";
      case ErrorCode::connectFailed:
        return "connect failed";
      case ErrorCode::invalidAddress:
        return "invalid address";
      case ErrorCode::invalidPort:
        return "invalid port";
      case ErrorCode::invalidBSSID:
        return "invalid BSSID";
      case ErrorCode::bindWifiSystemError:
        return "bindWifi system error";
      case ErrorCode::bindWifiAndroidOnly:
        return "bindWifi is supported on Android only";
      case ErrorCode::bindWifiUnsupported:
        return "bindWifi is unsupported on this system version";
    }
    return "unknown minisock error " + std::to_string(code);
  }
};

}  // namespace

const std::error_category& errorCategory() noexcept {
  static const Category category;
  return category;
}

std::error_code make_error_code(ErrorCode code) noexcept {
  return {static_cast<int>(code), errorCategory()};
}

namespace detail {

void reportListenerException(const char* what) noexcept {
  std::fprintf(stderr, "minisock: a listener threw (ignored; listeners should not throw): %s\n",
               what);
}

void reportCallbackException(const char* what) noexcept {
  std::fprintf(stderr,
               "minisock: a success/fail/complete callback threw (ignored; callbacks should not "
               "throw): %s\n",
               what);
}

void reportLoopException(const char* what) noexcept {
  std::fprintf(stderr, "minisock: an exception left an I/O handler (the loop goes on): %s\n", what);
}

std::string quoted(std::string_view text) {
  std::string out = "'";
  for (unsigned char c : text.substr(0, 255))
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  if (text.size() > 255) out += "...";
  return out + "'";
}

ErrorEvent makeError(ErrorCode code, std::string errMsg, int errNo) {
  return ErrorEvent{std::move(errMsg), static_cast<int>(code), errNo};
}

ErrorEvent osError(std::string_view operation, int errnum) {
  std::string msg(operation);
  msg += " fail: errno:";
  msg += std::to_string(errnum);
  msg += " errmsg:";
  msg += std::system_category().message(errnum);
  return makeError(ErrorCode::socketInterfaceError, std::move(msg), errnum);
}

}  // namespace detail
}  // namespace minisock
