#pragma once
// The state of the addon in one Node.js environment (main thread or worker): the event queue
// that carries events from the loop threads to JavaScript, and the runtimes it made.
//
// Threads: the minisock loop threads only push into the EventQueue (under its mutex) and wake
// the JavaScript thread through one thread-safe function; every napi_value is made on the
// JavaScript thread, in EventQueue::deliver.

#include <minisock/minisock.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error_events.hpp"  // quoted()
#include "napi.hpp"

namespace minisock::node {

/// What one queued record is. The numbers are shared with lib/bridge.js (KIND).
enum class Kind : std::uint8_t {
  Connect = 1,
  MessageBinary = 2,
  MessageText = 3,
  Error = 4,
  Close = 5,
  BindWifi = 6,
  Listening = 7,
  Open = 8,
  Info = 9,
  Success = 10,
  Fail = 11,
  Complete = 12,
};

/// remoteInfo/localInfo of a TCP/UDP message, sent to JavaScript only when they change.
struct InfoPair {
  RemoteInfo remote{};
  LocalInfo local{};
};

/// One event on its way to JavaScript. Small payloads live in the queue's byte arena.
struct Record {
  Kind kind{};
  std::uint32_t target = 0;  ///< the JavaScript id of the socket, task, runtime or callback set
  std::uint32_t offset = 0;  ///< arena slice: message bytes, errMsg, close reason
  std::uint32_t length = 0;
  std::int32_t a = 0;                               ///< errCode, close code, callback errNo
  std::int32_t b = 0;                               ///< errNo
  std::unique_ptr<std::vector<std::byte>> large{};  ///< a large binary message (no second copy)
  std::unique_ptr<SocketTask::OpenEvent> open{};
  std::unique_ptr<InfoPair> info{};
};

/// Events from any thread to JavaScript, batched: the first record pushed after a delivery
/// wakes the JavaScript thread once; one delivery drains everything queued by then.
class EventQueue {
 public:
  /// Messages at least this large go to JavaScript as external ArrayBuffers (one copy in all).
  static constexpr std::size_t kLargeMessage = 64 * 1024;

  void pushSimple(Kind kind, std::uint32_t target);
  void pushMessage(std::uint32_t target, bool text, std::span<const std::byte> bytes,
                   const InfoPair* changedInfo = nullptr);
  void pushError(std::uint32_t target, const ErrorEvent& error);
  void pushClose(std::uint32_t target, int code, std::string_view reason);
  void pushOpen(std::uint32_t target, const SocketTask::OpenEvent& open);
  void pushCallback(Kind kind, std::uint32_t target, const CallbackResult& result);

  /// JavaScript thread: the thread-safe function that wakes JavaScript.
  void attach(napi_threadsafe_function tsfn);
  /// Any thread: no more wake-ups (the thread-safe function is being finalized).
  void detach();

  /// JavaScript thread, from the thread-safe function: converts everything queued into
  /// batches of [kind, target, p1, p2, p3] and calls `drain` with each.
  void deliver(napi_env env, napi_value drain);

 private:
  void appendBytes(Record& r, std::span<const std::byte> bytes);
  void appendText(Record& r, std::string_view text);
  void commit(Record&& r);  // under mutex_
  void wake();              // under mutex_

  std::mutex mutex_;
  std::vector<Record> records_;
  std::vector<std::byte> arena_;
  bool scheduled_ = false;
  napi_threadsafe_function tsfn_ = nullptr;

  // JavaScript thread only: the buffers being delivered (swapped with the ones above).
  std::vector<Record> delivering_;
  std::vector<std::byte> deliveringArena_;
};

/// One minisock::Runtime as JavaScript holds it. Sockets hold it too, so a runtime lives as
/// long as any of its sockets' handles; destroy() ends it earlier (JavaScript thread only).
struct RuntimeHolder {
  std::unique_ptr<Runtime> runtime;
  std::uint32_t id = 0;  ///< target of the global onSocketX events
  ListenerId global[4]{};
  bool globalOn[4]{};

  Runtime& get() const {
    if (!runtime) throw JsThrow{"minisock: this runtime has been destroyed", false};
    return *runtime;
  }
};

/// The addon's state in one environment (napi instance data).
struct Addon {
  std::shared_ptr<EventQueue> queue = std::make_shared<EventQueue>();
  napi_threadsafe_function tsfn = nullptr;
  std::vector<std::weak_ptr<RuntimeHolder>> runtimes;

  /// Destroys every runtime (joining its loop thread): afterwards no thread of ours runs.
  void shutdown() noexcept;
};

Addon& addon(napi_env env);
std::uint32_t toId(napi_env env, napi_value v);
std::shared_ptr<RuntimeHolder>& runtimeOf(napi_env env, napi_value handle);

/// A success/fail/complete callback that queues its result for the JavaScript callback set
/// `id` (lib/bridge.js calls the user's functions, in minisock's order).
Callback callbackTo(const std::shared_ptr<EventQueue>& q, Kind kind, std::uint32_t id);

/// A JavaScript number of milliseconds as a duration (huge values saturate, NaN is invalid).
std::chrono::milliseconds toMilliseconds(double ms);

/// Text quoted as minisock quotes it in errMsg (the core's own function).
using detail::quoted;

/// Registers a function on `exports`.
void exportFunction(napi_env env, napi_value exports, const char* name, napi_callback fn);

void registerRuntime(napi_env env, napi_value exports);
void registerTcp(napi_env env, napi_value exports);
void registerUdp(napi_env env, napi_value exports);
void registerTask(napi_env env, napi_value exports);
void registerServers(napi_env env, napi_value exports);

}  // namespace minisock::node
