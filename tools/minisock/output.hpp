#pragma once
/// @file How the CLI prints: received data and status as text, or one JSON object per event.

#include <boost/json/object.hpp>
#include <cstddef>
#include <minisock/errors.hpp>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

namespace minisock::cli {

/// Settings of an Output, from the command line.
struct OutputSettings {
  bool json = false;     ///< NDJSON events on stdout
  bool quiet = false;    ///< no status lines on stderr
  bool hex = false;      ///< binary data as hex
  std::string name{};    ///< the subcommand, prefixed to stderr lines ("minisock tcp: …")
  std::string policy{};  ///< the policy preset in force, named in policy refusals
};

/// What received data is.
enum class DataKind {
  bytes,   ///< TCP or UDP payload: text when it is valid UTF-8, hex with --hex
  text,    ///< a WebSocket text message (always UTF-8)
  binary,  ///< a WebSocket binary message: hex in JSON, raw (or hex with --hex) in text mode
};

/// How received bytes are delimited in text mode.
enum class Framing {
  stream,   ///< TCP: bytes as they come, nothing added
  message,  ///< UDP datagram or WebSocket message: one per line
};

/// Writes events to stdout (data, JSON) and stderr (status, errors), each line whole and
/// flushed at once. Thread-safe: listeners on the loop thread and the main thread share it.
class Output {
 public:
  explicit Output(OutputSettings settings);

  const OutputSettings& settings() const noexcept { return settings_; }

  /// A JSON event line on stdout (json mode only): `{"event": name, …fields}`.
  void event(std::string_view name, boost::json::object fields = {});
  /// A status line: on stderr in text mode (unless --quiet), as a JSON event in json mode.
  void status(std::string_view text, std::string_view name, boost::json::object fields = {});
  /// A line on stdout in both modes (serve's LISTEN lines in text mode, the demo's events).
  void line(std::string_view text);
  /// Received data. Text mode: as-is, or hex with --hex (never for WebSocket text); one per
  /// line with Framing::message. JSON: a "message" event whose `data` is the text
  /// (`"binary":false`) or lower-case hex (`"binary":true`), plus `size` and `fields`.
  void message(std::span<const std::byte> data, DataKind kind, Framing framing,
               boost::json::object fields = {});
  /// An Error event: one line on stderr ("minisock tcp: <errMsg>"; a policy refusal also
  /// says how to choose another policy), and an "error" JSON event in json mode.
  void error(const ErrorEvent& error);
  /// A warning: a line on stderr (unless --quiet), a `{"event":"warning","text":…}` in json
  /// mode.
  void warning(std::string_view text);
  /// A failure that is not an Error event (cannot listen, bad reply): one line on stderr,
  /// and `{"event":"error","errMsg":…}` in json mode.
  void failure(std::string_view text);

  /// Lower-case hex of `data`.
  static std::string hex(std::span<const std::byte> data);
  /// True when `text` is well-formed UTF-8.
  static bool validUtf8(std::string_view text);

 private:
  void writeOut(std::string_view text);
  void writeErr(std::string_view text);

  OutputSettings settings_;
  std::mutex mutex_;
};

}  // namespace minisock::cli
