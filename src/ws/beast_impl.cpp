// Boost.Beast compiled once for the whole library (BOOST_BEAST_SEPARATE_COMPILATION): the
// implementation files of <boost/beast/src.hpp>, except websocket/detail/prng.ipp and
// websocket/detail/mask.ipp.
//
// Beast 1.81's PRNG repeats masking keys and Sec-WebSocket-Key values (its ChaCha block counter
// advances once per 16 draws), which RFC 6455 forbids. Its two entry points are separately
// compiled functions, so minisock defines them here over OpenSSL's CSPRNG instead.
//
// Beast 1.81 masks one byte at a time, and every byte a client sends goes through it;
// mask_inplace, also separately compiled, is defined here eight bytes at a time, with the same
// results and the same key rotation.
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
#include <boost/beast/websocket/detail/mask.hpp>
#include <boost/beast/websocket/detail/prng.hpp>
#include <cstdlib>
#include <cstring>
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

void prepare_key(prepared_key& prepared, std::uint32_t key) {
  prepared[0] = (key >> 0) & 0xff;
  prepared[1] = (key >> 8) & 0xff;
  prepared[2] = (key >> 16) & 0xff;
  prepared[3] = (key >> 24) & 0xff;
}

void mask_inplace(net::mutable_buffer const& b, prepared_key& key) {
  auto* p = static_cast<unsigned char*>(b.data());
  const std::size_t n = b.size();
  std::uint32_t k32 = 0;
  std::memcpy(&k32, key.data(), 4);
  const std::uint64_t k64 = (static_cast<std::uint64_t>(k32) << 32) | k32;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t v = 0;
    std::memcpy(&v, p + i, 8);
    v ^= k64;
    std::memcpy(p + i, &v, 8);
  }
  for (; i < n; ++i) p[i] ^= key[i % 4];
  // The next buffer continues the key where this one stopped.
  const std::size_t shift = n % 4;
  if (shift != 0) {
    const prepared_key old = key;
    for (std::size_t j = 0; j < 4; ++j) key[j] = old[(j + shift) % 4];
  }
}

}  // namespace boost::beast::websocket::detail
