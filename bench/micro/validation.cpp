// Option validation (sans-I/O, src/core/ws_options.hpp) run once per connectSocket/close call,
// and the UTF-8 check (src/core/utf8.hpp) run on every text message sent or received.

#include <benchmark/benchmark.h>

#include <string>

#include "core/utf8.hpp"
#include "core/ws_options.hpp"

namespace {

using namespace minisock::detail;

void BM_ParseWsUrl(benchmark::State& state) {
  const std::string url =
      state.range(0) == 0 ? "ws://127.0.0.1:9000/" : "wss://chat.example.com:8443/room/42?user=abc";
  for (auto _ : state) {
    WsUrl out;
    std::string why = parseWsUrl(url, out);
    benchmark::DoNotOptimize(why);
    benchmark::DoNotOptimize(out);
  }
  state.SetLabel(url);
}
BENCHMARK(BM_ParseWsUrl)->ArgName("url")->Arg(0)->Arg(1);

void BM_CheckHeaders(benchmark::State& state) {
  const minisock::HeaderFields header = {{"Authorization", "Bearer abcdefghijklmnopqrstuvwxyz"},
                                         {"X-Client-Version", "3.4.1"},
                                         {"Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8"},
                                         {"Cookie", "session=0123456789abcdef; theme=dark"}};
  for (auto _ : state) {
    std::string why = checkHeaders(header);
    benchmark::DoNotOptimize(why);
  }
}
BENCHMARK(BM_CheckHeaders);

void BM_CheckProtocols(benchmark::State& state) {
  const std::vector<std::string> protocols = {"chat.v2", "chat.v1", "json"};
  for (auto _ : state) {
    std::string why = checkProtocols(protocols);
    benchmark::DoNotOptimize(why);
  }
}
BENCHMARK(BM_CheckProtocols);

void BM_CheckClose(benchmark::State& state) {
  const std::string reason = "going away: the server is restarting";
  for (auto _ : state) {
    std::string a = checkCloseCode(4000);
    std::string b = checkCloseReason(reason);
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
  }
}
BENCHMARK(BM_CheckClose);

// Text of `n` bytes: all ASCII (range(1) == 0) or a mix of 1- to 4-byte sequences ("aé中😀").
std::string text(std::size_t n, bool mixed) {
  const std::string unit = mixed ? "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80" : "abcdefghij";
  std::string s;
  while (s.size() + unit.size() <= n) s += unit;
  while (s.size() < n) s += 'x';
  return s;
}

void BM_Utf8Valid(benchmark::State& state) {
  const std::string s = text(static_cast<std::size_t>(state.range(0)), state.range(1) != 0);
  for (auto _ : state) {
    bool ok = isValidUtf8(s);
    benchmark::DoNotOptimize(ok);
  }
  if (!isValidUtf8(s)) state.SkipWithError("test text is not valid UTF-8");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Utf8Valid)
    ->ArgNames({"bytes", "mixed"})
    ->Args({64, 0})
    ->Args({64, 1})
    ->Args({64 * 1024, 0})
    ->Args({64 * 1024, 1});

}  // namespace
