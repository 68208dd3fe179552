// The WebSocket client fed arbitrary server bytes over an in-memory stream: Beast's
// websocket::stream over Beast's test stream, as a client with minisock's settings
// (src/ws/socket_task.cpp: read_message_max, auto_fragment(false), permessage-deflate when
// asked, the decorator's subprotocol offer), performing the opening handshake and then reading
// messages until an error, with minisock's own checks applied as SocketTaskImpl applies them:
// checkUpgradeResponse on the 101 answer, endsInsideUtf8Sequence on each text message.
//
// Input: [flags][protocol count][protocols, length-prefixed][chunk-size count][chunk sizes]
//        [server bytes: the rest]. Every "{ACCEPT}" in the server bytes is replaced by the
//        Sec-WebSocket-Accept value of the client's actual key, so that the fuzzer can get
//        past the handshake. The server bytes reach the client in chunks whose sizes cycle
//        through the chunk sizes (split at arbitrary points), then the server closes.
//   flags: bit 0 perMessageDeflate, bit 1 cap each read of the client stream at a size from
//          the next byte, bit 2 the server answers in one piece (no splitting).
// Checks:
// - no crash, leak or undefined behaviour in Beast or minisock (sanitizers);
// - what minisock would deliver is what it promises: a text message is valid UTF-8 and no
//   message exceeds the configured maximum;
// - an accepted 101 answer offers nothing unoffered even across repeated header fields
//   (RFC 6455 4.1 and 11.3.4; a repeated list header is its elements joined, RFC 7230 3.2.2);
// - the client finishes once the server has closed (no hang).

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/detail/hybi13.hpp>
#include <boost/beast/websocket/option.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.hpp"
#include "core/ws_options.hpp"
#include "fuzz_support.hpp"

namespace {

namespace net = boost::asio;
namespace websocket = boost::beast::websocket;
namespace http = boost::beast::http;

using fuzz::Reader;

// Policy::maxWebSocketMessageSize is 64 MiB; capped for fuzzing speed and memory.
constexpr std::size_t kReadMessageMax = 1u << 20;
constexpr std::string_view kAcceptMarker = "{ACCEPT}";

// As src/ws/socket_task.cpp's RequestDecorator (minus the user's header fields).
struct Decorator {
  std::string protocols;
  void operator()(websocket::request_type& req) const {
    req.set(http::field::user_agent, "minisock/0.1");
    if (!protocols.empty()) req.set(http::field::sec_websocket_protocol, protocols);
  }
};

// MINISOCK_FUZZ_VERBOSE=1: say what happened to each input (for writing seeds).
const bool kVerbose = std::getenv("MINISOCK_FUZZ_VERBOSE") != nullptr;
// MINISOCK_FUZZ_SKIP_REPEATED_FIELDS=1: skip the per-field check of an accepted answer (it
// found repeated fields slipping past the first version of onHandshake: fuzz/README.md).
const bool kSkipRepeatedFields = std::getenv("MINISOCK_FUZZ_SKIP_REPEATED_FIELDS") != nullptr;

struct Client {
  net::io_context ioc;
  boost::beast::test::stream server{ioc};
  websocket::stream<boost::beast::test::stream> ws{ioc};
  websocket::response_type response;
  boost::beast::flat_buffer buffer;
  std::vector<std::string> offered;
  bool deflate = false;
  bool handshakeDone = false;
  bool open = false;
  bool finished = false;  // failed, refused or closed: nothing more will be read
  int messages = 0;

  void pump() {
    ioc.restart();
    ioc.poll();
    server.clear();  // what the client sent (pongs, its close frame) is not needed
  }

  void onHandshake(const boost::system::error_code& ec) {
    handshakeDone = true;
    if (kVerbose) std::fprintf(stderr, "handshake: %s\n", ec ? ec.message().c_str() : "ok");
    if (ec) {
      finished = true;
      return;
    }
#ifdef MINISOCK_FUZZ_HAVE_CHECK_UPGRADE_RESPONSE
    // SocketTaskImpl::onHandshake's check, over every field.
    std::string protocol;
    const std::string problem =
        minisock::detail::checkUpgradeFields(offered, deflate, response, protocol);
    if (!problem.empty()) {
      if (kVerbose) std::fprintf(stderr, "refused by minisock: %s\n", problem.c_str());
      finished = true;
      return;
    }
    // Accepted: then each field on its own passes too (RFC 6455 4.1; a repeated list field is
    // its elements joined, RFC 7230 3.2.2), and the protocol is one that was offered.
    for (const auto& field : response) {
      if (kSkipRepeatedFields) break;
      if (field.name() == http::field::sec_websocket_extensions) {
        CHECK(minisock::detail::checkUpgradeResponse(offered, deflate, "", field.value()).empty());
      }
      if (field.name() == http::field::sec_websocket_protocol) {
        CHECK(minisock::detail::checkUpgradeResponse(offered, deflate, field.value(), "").empty());
      }
    }
    CHECK(protocol.empty() || std::find(offered.begin(), offered.end(), protocol) != offered.end());
#endif
    open = true;
    startRead();
  }

  void startRead() {
    ws.async_read(buffer, [this](const boost::system::error_code& ec, std::size_t) { onRead(ec); });
  }

  void onRead(const boost::system::error_code& ec) {
    if (kVerbose) {
      std::fprintf(stderr, "read: %s, %zu bytes%s\n", ec ? ec.message().c_str() : "message",
                   buffer.size(), !ec && ws.got_text() ? " text" : "");
    }
    if (ec) {
      finished = true;
      return;
    }
    ++messages;
    const auto bytes = buffer.cdata();
    const std::string_view view(static_cast<const char*>(bytes.data()), bytes.size());
    CHECK(view.size() <= kReadMessageMax);
    if (ws.got_text()) {
      // SocketTaskImpl::onRead fails the connection (1007) here.
      if (minisock::detail::endsInsideUtf8Sequence(view)) {
        if (kVerbose) std::fprintf(stderr, "refused by minisock: text ends inside UTF-8\n");
        finished = true;
        return;
      }
      // Otherwise the text reaches the user's listener as a string_view: it must be UTF-8.
      CHECK(minisock::detail::isValidUtf8(view));
    }
    buffer.consume(buffer.size());
    startRead();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Reader in(data, size);
  const std::uint8_t flags = in.byte();
  std::vector<std::string> protocols;
  const int protocolCount = in.byte() % 4;
  for (int i = 0; i < protocolCount; ++i) protocols.push_back(in.string(32));
  std::vector<std::size_t> chunkSizes;
  const int sizeCount = in.byte() % 8 + 1;
  for (int i = 0; i < sizeCount; ++i) {
    const std::uint8_t b = in.byte();
    chunkSizes.push_back((b & 0x80) ? static_cast<std::size_t>(b & 0x7f) * 64 + 1
                                    : std::size_t{b} + 1);
  }
  const std::uint8_t readSize = (flags & 2) ? in.byte() : 0;
  std::string serverBytes = in.rest();

  Client c;
  c.deflate = flags & 1;
  // minisock validates the options first: an invalid offer never reaches the handshake.
  if (minisock::detail::checkProtocols(protocols).empty()) c.offered = protocols;
  std::string offer;
  for (const auto& p : c.offered) offer += (offer.empty() ? "" : ", ") + p;

  c.ws.next_layer().connect(c.server);
  if (readSize != 0) c.ws.next_layer().read_size(readSize);
  c.ws.set_option(websocket::stream_base::decorator(Decorator{offer}));
  websocket::permessage_deflate pmd;
  pmd.client_enable = c.deflate;
  c.ws.set_option(pmd);
  c.ws.read_message_max(kReadMessageMax);
  c.ws.auto_fragment(false);
  c.ws.write_buffer_bytes(64 * 1024);
  c.ws.set_option(websocket::stream_base::timeout{websocket::stream_base::none(),
                                                  websocket::stream_base::none(), false});
  c.ws.async_handshake(c.response, "example.com", "/chat",
                       [&c](const boost::system::error_code& ec) { c.onHandshake(ec); });

  // The client's request is now in the server's input: answer its key where the input asks.
  c.ioc.poll();
  const std::string request(c.server.str());
  c.server.clear();
  const std::string keyField = "Sec-WebSocket-Key: ";
  const auto at = request.find(keyField);
  CHECK(at != std::string::npos);
  const auto end = request.find("\r\n", at);
  websocket::detail::sec_ws_accept_type accept;
  websocket::detail::make_sec_ws_accept(
      accept, std::string_view(request).substr(at + keyField.size(), end - at - keyField.size()));
  for (std::size_t pos = 0; (pos = serverBytes.find(kAcceptMarker, pos)) != std::string::npos;) {
    serverBytes.replace(pos, kAcceptMarker.size(), accept.data(), accept.size());
    pos += accept.size();
  }

  std::string_view rest(serverBytes);
  std::size_t turn = 0;
  while (!rest.empty() && !c.finished) {
    const std::size_t n =
        (flags & 4) ? rest.size() : std::min(rest.size(), chunkSizes[turn++ % chunkSizes.size()]);
    boost::system::error_code ec;
    net::write(c.server, net::buffer(rest.data(), n), ec);
    if (ec) break;  // the client closed its end
    rest.remove_prefix(n);
    c.pump();
  }
  c.server.close();
  c.pump();
  CHECK(c.finished);
  return 0;
}
