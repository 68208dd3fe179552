#pragma once
/// @file
/// Error codes and the Error event shared by every socket kind.

#include <string>
#include <system_error>

#include "minisock/export.hpp"

namespace minisock {

/// The platform's documented socket error codes, carried in ErrorEvent::errCode.
/// TCPSocket uses all of them; UDPSocket uses -1 … 2 with the same meaning.
enum class ErrorCode : int {
  systemError = -1,           ///< system error (state errors, resources, anything without an errno)
  socketInterfaceError = -2,  ///< an OS socket call failed; errNo holds the Linux errno
  noPermission = -3,          ///< refused by the connection Policy
  connectFailed = -4,         ///< the connection failed without an OS error (connect timeout)
  invalidAddress = 1,         ///< empty, malformed or unresolvable address
  invalidPort = 2,            ///< port outside 1-65535
  invalidBSSID = 3,           ///< bindWifi: malformed BSSID
  bindWifiSystemError = 4,    ///< bindWifi: system error
  bindWifiAndroidOnly = 5,    ///< bindWifi exists only on Android
  bindWifiUnsupported = 6,    ///< bindWifi unsupported on this system version
};

/// The `std::error_category` of ErrorCode ("minisock").
MINISOCK_API const std::error_category& errorCategory() noexcept;

/// Makes a `std::error_code` of the minisock category.
MINISOCK_API std::error_code make_error_code(ErrorCode code) noexcept;

/// The payload of every onError listener. Field names are the platform's; C++ cannot name a
/// member `errno` (a macro), so the OS error number is `errNo`.
struct ErrorEvent {
  /// What failed and why, in the platform's style, e.g.
  /// `connect socket fail: errno:111 errmsg:Connection refused`.
  std::string errMsg{};
  /// One of ErrorCode, as an int (the platform's field).
  int errCode = 0;
  /// The OS errno for socket-interface errors (errCode -2), the platform's unified
  /// 600000-series errno where it defines one, else 0.
  int errNo = 0;

  /// errCode as a `std::error_code` of errorCategory().
  std::error_code code() const noexcept { return {errCode, errorCategory()}; }
};

}  // namespace minisock

namespace std {
/// Lets a minisock::ErrorCode convert to a `std::error_code` (through make_error_code).
template <>
struct is_error_code_enum<minisock::ErrorCode> : true_type {};
}  // namespace std
