// Fuzzes errMsg formatting and the error category (src/core/errors.cpp, error_events.hpp,
// asio_errors.hpp): makeError, osError, fromAsio over every error category minisock meets
// (system, generic, Asio's misc/netdb/addrinfo/ssl, Beast's websocket and http), the
// "minisock" category's messages and error_code round trips.
//
// Input: [error value: 4 bytes][errNo: 4 bytes][category selector][operation: the rest].
// Checks: the platform's format `<operation> fail: errno:<n> errmsg:<text>` for OS errors
// (errCode -2, errNo = n, text = strerror's), `<operation> fail: <message>` with errCode -1
// otherwise; the operation is kept verbatim; every category message is non-empty; codes
// round-trip through std::error_code.

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/asio_errors.hpp"
#include "core/error_events.hpp"
#include "fuzz_support.hpp"

namespace {

using minisock::ErrorCode;
using minisock::ErrorEvent;

constexpr ErrorCode kAllCodes[] = {ErrorCode::systemError,         ErrorCode::socketInterfaceError,
                                   ErrorCode::noPermission,        ErrorCode::connectFailed,
                                   ErrorCode::invalidAddress,      ErrorCode::invalidPort,
                                   ErrorCode::invalidBSSID,        ErrorCode::bindWifiSystemError,
                                   ErrorCode::bindWifiAndroidOnly, ErrorCode::bindWifiUnsupported};

const boost::system::error_category& category(std::uint8_t selector) {
  switch (selector % 8) {
    case 0:
      return boost::system::system_category();
    case 1:
      return boost::system::generic_category();
    case 2:
      return boost::asio::error::get_misc_category();
    case 3:
      return boost::asio::error::get_netdb_category();
    case 4:
      return boost::asio::error::get_addrinfo_category();
    case 5:
      return boost::asio::error::get_ssl_category();
    case 6:
      return boost::beast::websocket::make_error_code(boost::beast::websocket::error::closed)
          .category();
    default:
      return boost::beast::http::make_error_code(boost::beast::http::error::end_of_stream)
          .category();
  }
}

void checkOsFormat(const ErrorEvent& e, std::string_view operation, int errnum) {
  CHECK(e.errCode == -2);
  CHECK(e.errNo == errnum);
  CHECK(e.code() == ErrorCode::socketInterfaceError);
  const std::string head =
      std::string(operation) + " fail: errno:" + std::to_string(errnum) + " errmsg:";
  CHECK(e.errMsg.compare(0, head.size(), head) == 0);
  const std::string text = e.errMsg.substr(head.size());
  CHECK(!text.empty());
  CHECK(text == std::system_category().message(errnum));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minisock::detail;
  std::uint32_t raw = 0, rawErrNo = 0;
  std::size_t i = 0;
  for (; i < 4 && i < size; ++i) raw = (raw << 8) | data[i];
  for (; i < 8 && i < size; ++i) rawErrNo = (rawErrNo << 8) | data[i];
  const std::uint8_t selector = i < size ? data[i++] : 0;
  const std::string_view operation(reinterpret_cast<const char*>(data) + i, size - i);
  const int value = static_cast<int>(raw);
  const int errNo = static_cast<int>(rawErrNo);

  // makeError keeps what it is given.
  for (ErrorCode code : kAllCodes) {
    const ErrorEvent e = makeError(code, std::string(operation), errNo);
    CHECK(e.errCode == static_cast<int>(code));
    CHECK(e.errNo == errNo);
    CHECK(e.errMsg == operation);
    CHECK(e.code() == code);
    CHECK(e.code().category().name() == std::string_view("minisock"));
    CHECK(!e.code().message().empty());
    CHECK(minisock::make_error_code(code) == e.code());
    const std::error_code implicit = code;
    CHECK(implicit == e.code());
  }
  // Every value of the category has a message; unknown ones say which value.
  const std::string message = minisock::errorCategory().message(value);
  CHECK(!message.empty());
  bool known = false;
  for (ErrorCode code : kAllCodes) known = known || static_cast<int>(code) == value;
  if (!known) CHECK(message.find(std::to_string(value)) != std::string::npos);

  // OS errors in the device's format, for any errno (including unknown and negative ones).
  checkOsFormat(osError(operation, value), operation, value);
  checkOsFormat(osError(operation, value & 0xff), operation, value & 0xff);

  // The one mapping from Asio/Beast errors.
  const boost::system::error_code ec(value, category(selector));
  const ErrorEvent e = fromAsio(operation, ec);
  if (ec.category() == boost::system::system_category()) {
    checkOsFormat(e, operation, value);
  } else {
    CHECK(e.errCode == -1);
    CHECK(e.errNo == 0);
    CHECK(e.errMsg == std::string(operation) + " fail: " + ec.message());
  }
  return 0;
}
