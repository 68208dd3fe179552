// Fuzzes UpgradeAnswerLimit (src/ws/upgrade_answer_limit.hpp): the exact byte limit of a
// server's upgrade answer (status line, header count and size) that CorkStream enforces while
// the opening handshake reads it, whatever the answer is and however it is cut into reads.
//
// Input: [limit: byte < 128 -> SocketTask::kMaxUpgradeAnswerHeaderBytes, else a small limit]
//        [chunk-size count][chunk sizes][the answer: the rest, optionally repeated].
// Checks:
// - exactness: the count ends exactly where the answer's first "\r\n\r\n" ends when that is
//   within the limit, fails exactly when the limit is passed before it, and waits otherwise;
//   the same for every cut into reads (a reference computed on the whole answer);
// - the guarantee the limit stands on: an answer accepted at the public limit never trips
//   Beast's own header limit, fed to Beast's response parser in the same reads as the
//   handshake does (accumulated in one buffer, parsed, consumed).

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <minisock/socket_task.hpp>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "ws/upgrade_answer_limit.hpp"

namespace {

using minisock::detail::UpgradeAnswerLimit;
using State = UpgradeAnswerLimit::State;
namespace http = boost::beast::http;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Reader in(data, size);
  const std::uint8_t limitByte = in.byte();
  const bool publicLimit = limitByte < 128;
  const std::size_t limit =
      publicLimit ? minisock::SocketTask::kMaxUpgradeAnswerHeaderBytes : 1 + (limitByte & 63) * 8;
  std::vector<std::size_t> chunks;
  for (unsigned n = in.byte() % 8; n > 0; --n) chunks.push_back(1 + in.u16() % 4096);
  if (chunks.empty()) chunks.push_back(size + 1);  // all at once
  std::string answer = in.rest();
  if (!answer.empty() && answer[0] == '+') {  // grow past the limit cheaply: repeat the rest
    const std::string unit = answer.substr(1);
    answer.clear();
    while (!unit.empty() && answer.size() < 3 * limit) answer += unit;
  }

  // The reference, on the whole answer.
  const std::size_t end = answer.find("\r\n\r\n");
  State want = State::counting;
  if (end != std::string::npos && end + 4 <= limit) {
    want = State::ended;
  } else if (answer.size() > limit) {
    want = State::exceeded;
  }

  UpgradeAnswerLimit count;
  count.start(limit);
  CHECK(count.counting());
  std::vector<std::size_t> cuts;  // where each read ends
  for (std::size_t at = 0, i = 0; at < answer.size() && count.counting(); ++i) {
    const std::size_t n = std::min(chunks[i % chunks.size()], answer.size() - at);
    count.count(answer.data() + at, n);
    at += n;
    cuts.push_back(at);
  }
  CHECK(count.state() == want);
  if (want == State::ended) CHECK(count.bytes() == end + 4);
  if (want == State::exceeded) CHECK(count.bytes() == limit);
  if (want == State::counting) CHECK(count.bytes() == answer.size());

  if (publicLimit && want == State::ended) {
    http::response_parser<http::empty_body> parser;
    boost::beast::flat_buffer buffer;
    std::size_t from = 0;
    for (std::size_t cut : cuts) {
      const std::size_t upTo = std::min(cut, end + 4);
      if (upTo <= from) break;
      const std::size_t n = upTo - from;
      auto room = buffer.prepare(n);
      std::memcpy(room.data(), answer.data() + from, n);
      buffer.commit(n);
      from = upTo;
      boost::system::error_code ec;
      for (;;) {
        const std::size_t used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec || used == 0 || parser.is_header_done()) break;
      }
      CHECK(ec != http::error::header_limit);
      if (ec && ec != http::error::need_more) break;  // not HTTP: Beast's own error, not ours
      if (parser.is_header_done()) break;
    }
  }
  return 0;
}
