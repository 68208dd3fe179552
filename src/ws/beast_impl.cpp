// Boost.Beast compiled once for the whole library (BOOST_BEAST_SEPARATE_COMPILATION): the
// implementation files of <boost/beast/src.hpp>, except websocket/detail/prng.ipp.
//
// Beast 1.81's PRNG repeats masking keys and Sec-WebSocket-Key values (its ChaCha block counter
// advances once per 16 draws), which RFC 6455 forbids. Its two entry points are separately
// compiled functions, so minisock defines them here over OpenSSL's CSPRNG instead.
#define BOOST_BEAST_SOURCE

#include <boost/beast/core/detail/config.hpp>

// clang-format off
#include <boost/beast/_experimental/test/impl/error.ipp>
#include <boost/beast/_experimental/test/impl/fail_count.ipp>
#include <boost/beast/_experimental/test/impl/stream.ipp>
#include <boost/beast/_experimental/test/detail/stream_state.ipp>
#include <boost/beast/core/detail/base64.ipp>
#include <boost/beast/core/detail/sha1.ipp>
#include <boost/beast/core/detail/impl/temporary_buffer.ipp>
#include <boost/beast/core/impl/error.ipp>
#include <boost/beast/core/impl/file_posix.ipp>
#include <boost/beast/core/impl/file_stdio.ipp>
#include <boost/beast/core/impl/flat_static_buffer.ipp>
#include <boost/beast/core/impl/saved_handler.ipp>
#include <boost/beast/core/impl/static_buffer.ipp>
#include <boost/beast/core/impl/string.ipp>
#include <boost/beast/http/detail/basic_parser.ipp>
#include <boost/beast/http/detail/rfc7230.ipp>
#include <boost/beast/http/impl/basic_parser.ipp>
#include <boost/beast/http/impl/error.ipp>
#include <boost/beast/http/impl/field.ipp>
#include <boost/beast/http/impl/fields.ipp>
#include <boost/beast/http/impl/rfc7230.ipp>
#include <boost/beast/http/impl/status.ipp>
#include <boost/beast/http/impl/verb.ipp>
#include <boost/beast/websocket/detail/hybi13.ipp>
#include <boost/beast/websocket/detail/mask.ipp>
#include <boost/beast/websocket/detail/pmd_extension.ipp>
#include <boost/beast/websocket/detail/service.ipp>
#include <boost/beast/websocket/detail/utf8_checker.ipp>
#include <boost/beast/websocket/impl/error.ipp>
#include <boost/beast/zlib/detail/deflate_stream.ipp>
#include <boost/beast/zlib/detail/inflate_stream.ipp>
#include <boost/beast/zlib/impl/error.ipp>
// clang-format on

#include <openssl/rand.h>

#include <array>
#include <boost/beast/websocket/detail/prng.hpp>
#include <cstdlib>
#include <random>

namespace boost::beast::websocket::detail {
namespace {

// Draws from OpenSSL's CSPRNG in batches of 256 values per thread: every value is fresh and
// unpredictable, at a cost of one RAND_bytes call per 256 masking keys.
std::uint32_t fresh() {
  thread_local std::array<std::uint32_t, 256> batch;
  thread_local std::size_t next = batch.size();
  if (next == batch.size()) {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(batch.data()),
                   static_cast<int>(sizeof batch)) != 1) {
      std::abort();  // no entropy: sending predictable masks would be worse than stopping
    }
    next = 0;
  }
  return batch[next++];
}

}  // namespace

std::uint32_t const* prng_seed(std::seed_seq*) {
  // Beast calls this only from its own prng.ipp, which is not compiled here.
  static std::uint32_t seed[8] = {fresh(), fresh(), fresh(), fresh(),
                                  fresh(), fresh(), fresh(), fresh()};
  return seed;
}

generator make_prng(bool) { return &fresh; }

}  // namespace boost::beast::websocket::detail
