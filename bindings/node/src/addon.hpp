#pragma once
// The addon's state in one JavaScript environment (a Node.js main thread or worker, or a
// JavaScriptCore context of `minisock run`), the runtimes it made, and the one way events
// reach JavaScript.
//
// Every runtime runs in minisock's host-loop mode on the host's own event loop (HostLoop:
// Node's libuv loop, node_module.cpp; GLib's main context under JavaScriptCore,
// bindings/jsc): the loop watches the Runtime's descriptor and calls Runtime::step() on the
// JavaScript thread, so every native listener runs there, in the same turn as the I/O that
// produced its event. Each event is one call of lib/events.js's dispatch(id, kind, p1, p2, p3)
// through napi_make_callback, after which the engine runs its microtasks (and Node its
// process.nextTick callbacks), as after any I/O callback of its own. No thread of the addon's
// exists; none touches JavaScript. The code is written against Node-API only: under
// JavaScriptCore the same files compile against bindings/jsc's Node-API over JSC's C API.

#include <minisock/minisock.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error_events.hpp"  // quoted()
#include "napi.hpp"

namespace minisock::node {

/// What an event is, as dispatch() receives it: exported to JavaScript as `native.KIND`
/// (kindNames in addon.cpp), the one definition of these numbers.
enum class Kind : std::int32_t {
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
  Drain = 13,  ///< TCPSocket's Drain (minisock's extension)
};

class Addon;
class RuntimeHolder;

/// The host's event loop as the addon needs it: a watch on each runtime's descriptor, and
/// whether that watch keeps the host alive. JavaScript thread only.
class HostLoop {
 public:
  struct Watch;  ///< one per runtime, defined by each implementation
  virtual ~HostLoop() = default;
  /// Calls holder.step() on the JavaScript thread whenever `fd` is readable, until unwatch().
  /// A new watch does not keep the host alive. Throws JsThrow when the loop refuses.
  virtual Watch* watch(int fd, RuntimeHolder& holder) = 0;
  /// Whether the host may end while this watch exists (false) or must wait (true).
  virtual void keepAlive(Watch* watch, bool on) noexcept = 0;
  /// Stops the watch: holder.step() is not called again. The Watch is released.
  virtual void unwatch(Watch* watch) noexcept = 0;
};

/// One minisock::Runtime as JavaScript holds it, driven from a HostLoop watch on the
/// environment's loop. Sockets hold it too, so a runtime lives as long as any of its sockets'
/// handles; destroy() ends it earlier. JavaScript thread only.
class RuntimeHolder : public std::enable_shared_from_this<RuntimeHolder> {
 public:
  RuntimeHolder(Addon& addon, std::uint32_t id, Policy policy, NetworkOptions network);
  ~RuntimeHolder();
  RuntimeHolder(const RuntimeHolder&) = delete;
  RuntimeHolder& operator=(const RuntimeHolder&) = delete;

  /// The runtime; throws a JavaScript Error when it has been destroyed.
  Runtime& get() const;
  /// After every call into the runtime: when the call started work (the runtime then says
  /// hasWork(), and its descriptor is readable), the loop stays alive until a step finds none.
  void touch() noexcept;
  /// Stops watching the runtime's descriptor and destroys the runtime: its sockets are closed
  /// at once, without events. Idempotent.
  void destroy() noexcept;
  bool destroyed() const noexcept { return !runtime_; }

  /// One step of the runtime (the HostLoop calls it when the descriptor is readable).
  void step();

  Addon& addon;
  const std::uint32_t id;  ///< target of the global onSocketX events
  ListenerId global[4]{};
  bool globalOn[4]{};

 private:
  void setRef(bool ref) noexcept;

  std::unique_ptr<Runtime> runtime_;
  HostLoop::Watch* watch_ = nullptr;
  bool refd_ = false;
};

/// remoteInfo/localInfo of a TCP/UDP message, sent to JavaScript only when they change.
struct InfoPair {
  RemoteInfo remote{};
  LocalInfo local{};
};

/// The addon's state in one environment (napi instance data).
class Addon {
 public:
  Addon(napi_env env, std::unique_ptr<HostLoop> loop);

  const napi_env env;
  const std::unique_ptr<HostLoop> loop;
  std::vector<std::weak_ptr<RuntimeHolder>> runtimes;
  /// Set when the environment is being torn down: no more events.
  bool tornDown = false;

  /// Destroys every runtime: afterwards no socket of this environment is open.
  void shutdown() noexcept;

  // ---- events to JavaScript: JavaScript thread, inside a step ----

  /// dispatch(id, kind, p1, p2, p3): null arguments are undefined.
  void emit(std::uint32_t id, Kind kind, napi_value p1 = nullptr, napi_value p2 = nullptr,
            napi_value p3 = nullptr) noexcept;
  void emitSimple(std::uint32_t id, Kind kind) noexcept;
  void emitError(std::uint32_t id, const ErrorEvent& error) noexcept;
  void emitClose(std::uint32_t id, int code, std::string_view reason) noexcept;
  void emitMessage(std::uint32_t id, bool text, std::span<const std::byte> bytes) noexcept;
  void emitInfo(std::uint32_t id, const InfoPair& info) noexcept;
  void emitOpen(std::uint32_t id, const SocketTask::OpenEvent& open) noexcept;
  void emitCallback(std::uint32_t id, Kind kind, const CallbackResult& result) noexcept;

  /// Set by init(): lib/events.js's dispatch function.
  void setDispatch(napi_value fn);

  /// Events and steps so far, and the most bytes ever held natively for JavaScript: read
  /// from the network and not yet handed over (testing.deliveryStats()).
  std::uint64_t events = 0;
  std::uint64_t steps = 0;
  std::uint64_t pendingBytes = 0;
  std::uint64_t maxPendingBytes = 0;

 private:
  napi_ref dispatch_ = nullptr;
  napi_ref resource_ = nullptr;  // the async context's resource, kept alive with it
  napi_async_context context_ = nullptr;
};

Addon& addon(napi_env env);
std::uint32_t toId(napi_env env, napi_value v);
std::shared_ptr<RuntimeHolder>& runtimeOf(napi_env env, napi_value handle);

/// The success/fail/complete callbacks of one call, reporting to the JavaScript callback set
/// `id` (none when `id` is 0: nobody listens). minisock calls success or fail, then complete,
/// in one go; JavaScript gets them as one event (Success or Fail: that callback, then
/// complete), so that what the first one settles (a Promise) is seen after both, as on the
/// platform.
struct Callbacks {
  Callback success{};
  Callback fail{};
  Callback complete{};
};
Callbacks callbacksTo(Addon& addon, std::uint32_t id);

/// A JavaScript number of milliseconds as a duration (huge values saturate, NaN is invalid).
std::chrono::milliseconds toMilliseconds(double ms);

/// A named property of an option object, or nullptr when absent or undefined.
napi_value optionalProp(napi_env env, napi_value obj, const char* name);

/// Text quoted as minisock quotes it in errMsg (the core's own function).
using detail::quoted;

/// Makes the addon's state for `env` (napi instance data, released with the environment) and
/// puts every native function on `exports`; returns the state. Throws JsPending/JsThrow.
Addon& initAddon(napi_env env, napi_value exports, std::unique_ptr<HostLoop> loop);

/// Registers a function on `exports`.
void exportFunction(napi_env env, napi_value exports, const char* name, napi_callback fn);

void registerRuntime(napi_env env, napi_value exports);
void registerPolicy(napi_env env, napi_value exports);
void registerTcp(napi_env env, napi_value exports);
void registerUdp(napi_env env, napi_value exports);
void registerTask(napi_env env, napi_value exports);
void registerServers(napi_env env, napi_value exports);

/// Policy from lib/policy.js's normalised spec, and back (policy_binding.cpp).
Policy toPolicy(napi_env env, napi_value spec);
napi_value policyValue(napi_env env, const Policy& policy);
/// NetworkOptions from lib/network.js's normalised spec ({proxy?, noProxy?}; undefined: the
/// defaults), policy_binding.cpp.
NetworkOptions toNetwork(napi_env env, napi_value spec);

}  // namespace minisock::node
