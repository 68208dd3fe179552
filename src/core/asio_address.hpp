#pragma once
// Conversions between the sans-I/O IPAddress and Asio's address types (for the socket kinds).

#include <algorithm>
#include <boost/asio/ip/address.hpp>

#include "core/address.hpp"

namespace minisock::detail {

inline IPAddress toIP(const boost::asio::ip::address& a) {
  IPAddress ip;
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), ip.bytes.begin());
  } else {
    ip.v6 = true;
    ip.bytes = a.to_v6().to_bytes();
  }
  return ip;
}

inline boost::asio::ip::address fromIP(const IPAddress& ip) {
  if (!ip.v6) {
    boost::asio::ip::address_v4::bytes_type b;
    std::copy_n(ip.bytes.begin(), 4, b.begin());
    return boost::asio::ip::address_v4(b);
  }
  return boost::asio::ip::address_v6(ip.bytes);
}

}  // namespace minisock::detail
