// The addon's per-environment state, runtimes on the host's event loop (HostLoop), events to
// JavaScript, and the older global WebSocket calls. The Node.js module entry and its libuv
// loop are in node_module.cpp.
#include "addon.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "info_cache.hpp"

namespace minisock::node {

namespace {

/// A handle scope for the duration of one native step or event.
class HandleScope {
 public:
  explicit HandleScope(napi_env env) : env_(env) {
    if (napi_open_handle_scope(env, &scope_) != napi_ok) scope_ = nullptr;
  }
  ~HandleScope() {
    if (scope_ != nullptr) napi_close_handle_scope(env_, scope_);
  }
  HandleScope(const HandleScope&) = delete;
  HandleScope& operator=(const HandleScope&) = delete;
  bool ok() const noexcept { return scope_ != nullptr; }

 private:
  napi_env env_;
  napi_handle_scope scope_ = nullptr;
};

/// A JavaScript exception pending in `env` becomes an uncaught exception (Node reports it,
/// 'uncaughtException' or exit code 1); the native side goes on.
void raisePending(napi_env env) noexcept {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) != napi_ok || !pending) return;
  napi_value error = nullptr;
  if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
}

}  // namespace

// ---- RuntimeHolder ----

RuntimeHolder::RuntimeHolder(Addon& a, std::uint32_t holderId, Policy policy,
                             NetworkOptions network)
    : addon(a),
      id(holderId),
      runtime_(std::make_unique<Runtime>(std::move(policy), std::move(network))) {
  const int fd = runtime_->pollDescriptor();
  if (fd < 0) throw JsThrow{"minisock: cannot attach a runtime to the event loop", false};
  // Idle until a call starts work (touch): an unused runtime does not keep the host alive.
  watch_ = addon.loop->watch(fd, *this);
}

RuntimeHolder::~RuntimeHolder() { destroy(); }

Runtime& RuntimeHolder::get() const {
  if (!runtime_) throw JsThrow{"minisock: this runtime has been destroyed", false};
  return *runtime_;
}

void RuntimeHolder::setRef(bool ref) noexcept {
  if (watch_ == nullptr || ref == refd_) return;
  refd_ = ref;
  addon.loop->keepAlive(watch_, ref);
}

void RuntimeHolder::touch() noexcept {
  // hasWork() turns true whenever a call queues work (and the descriptor is then readable):
  // the next step decides again. An idle call leaves it as the last step found it.
  if (runtime_ && runtime_->hasWork()) setRef(true);
}

void RuntimeHolder::step() {
  auto keep = shared_from_this();  // a listener may destroy() it
  if (!runtime_) return;
  ++addon.steps;
  bool work = true;
  try {
    work = runtime_->step();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "minisock: %s (in a step of the event loop)\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "minisock: unknown error in a step of the event loop\n");
  }
  if (runtime_) setRef(work);
}

void RuntimeHolder::destroy() noexcept {
  if (watch_ != nullptr) {
    addon.loop->unwatch(watch_);
    watch_ = nullptr;
  }
  runtime_.reset();  // inside its own step too: Runtime::step keeps the core alive
}

// ---- Addon: events to JavaScript ----

Addon::Addon(napi_env e, std::unique_ptr<HostLoop> hostLoop) : env(e), loop(std::move(hostLoop)) {
  napi_value resource = makeObject(env);
  check(napi_create_reference(env, resource, 1, &resource_));
  check(napi_async_init(env, resource, makeString(env, "minisock"), &context_));
}

void Addon::setDispatch(napi_value fn) {
  if (dispatch_ != nullptr) napi_delete_reference(env, dispatch_);
  check(napi_create_reference(env, fn, 1, &dispatch_));
}

void Addon::emit(std::uint32_t id, Kind kind, napi_value p1, napi_value p2,
                 napi_value p3) noexcept {
  if (dispatch_ == nullptr || tornDown) return;
  ++events;
  napi_value fn = nullptr, recv = nullptr, undefined = nullptr, idValue = nullptr,
             kindValue = nullptr;
  if (napi_get_reference_value(env, dispatch_, &fn) != napi_ok || fn == nullptr ||
      napi_get_undefined(env, &undefined) != napi_ok ||
      napi_create_uint32(env, id, &idValue) != napi_ok ||
      napi_create_int32(env, static_cast<std::int32_t>(kind), &kindValue) != napi_ok) {
    return raisePending(env);
  }
  // napi_make_callback wants an object as `this` (dispatch does not use it).
  if (napi_get_global(env, &recv) != napi_ok) return raisePending(env);
  napi_value argv[5] = {idValue, kindValue, p1 ? p1 : undefined, p2 ? p2 : undefined,
                        p3 ? p3 : undefined};
  napi_value result = nullptr;
  // As Node's own I/O callbacks: async hooks, then process.nextTick and microtasks after.
  if (napi_make_callback(env, context_, recv, fn, 5, argv, &result) != napi_ok) raisePending(env);
}

void Addon::emitSimple(std::uint32_t id, Kind kind) noexcept {
  HandleScope scope(env);
  if (scope.ok()) emit(id, kind);
}

void Addon::emitError(std::uint32_t id, const ErrorEvent& e) noexcept {
  HandleScope scope(env);
  if (!scope.ok()) return;
  try {
    emit(id, Kind::Error, makeString(env, e.errMsg), makeInt(env, e.errCode),
         makeInt(env, e.errNo));
  } catch (...) {
    raisePending(env);
  }
}

void Addon::emitClose(std::uint32_t id, int code, std::string_view reason) noexcept {
  HandleScope scope(env);
  if (!scope.ok()) return;
  try {
    emit(id, Kind::Close, makeInt(env, code), makeString(env, reason));
  } catch (...) {
    raisePending(env);
  }
}

void Addon::emitMessage(std::uint32_t id, bool text, std::span<const std::byte> bytes) noexcept {
  // The bytes were read by minisock for this event and are JavaScript's once it returns:
  // nothing is queued natively beyond the message being delivered.
  pendingBytes += bytes.size();
  if (pendingBytes > maxPendingBytes) maxPendingBytes = pendingBytes;
  struct Delivered {
    Addon* a;
    std::size_t n;
    ~Delivered() { a->pendingBytes -= n; }
  } delivered{this, bytes.size()};
  HandleScope scope(env);
  if (!scope.ok()) return;
  try {
    if (text) {
      emit(id, Kind::MessageText,
           makeString(env,
                      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())));
    } else {
      emit(id, Kind::MessageBinary, makeArrayBuffer(env, bytes));  // the one copy
    }
  } catch (...) {
    raisePending(env);
  }
}

namespace {
napi_value infoValue(napi_env env, const std::string& address, const std::string& family,
                     int port) {
  napi_value o = makeObject(env);
  setProp(env, o, "address", makeString(env, address));
  setProp(env, o, "family", makeString(env, family));
  setProp(env, o, "port", makeInt(env, port));
  return o;
}
}  // namespace

void Addon::emitInfo(std::uint32_t id, const InfoPair& info) noexcept {
  HandleScope scope(env);
  if (!scope.ok()) return;
  try {
    emit(id, Kind::Info, infoValue(env, info.remote.address, info.remote.family, info.remote.port),
         infoValue(env, info.local.address, info.local.family, info.local.port));
  } catch (...) {
    raisePending(env);
  }
}

void Addon::emitOpen(std::uint32_t id, const SocketTask::OpenEvent& e) noexcept {
  HandleScope scope(env);
  if (!scope.ok()) return;
  try {
    napi_value header = makeObject(env);
    for (const auto& [name, value] : e.header)
      setProp(env, header, name.c_str(), makeString(env, value));
    napi_value profile = makeObject(env);
    const auto& p = e.profile;
    setProp(env, profile, "fetchStart", makeNumber(env, p.fetchStart));
    setProp(env, profile, "domainLookUpStart", makeNumber(env, p.domainLookUpStart));
    setProp(env, profile, "domainLookUpEnd", makeNumber(env, p.domainLookUpEnd));
    setProp(env, profile, "connectStart", makeNumber(env, p.connectStart));
    setProp(env, profile, "connectEnd", makeNumber(env, p.connectEnd));
    setProp(env, profile, "handshakeCost", makeNumber(env, p.handshakeCost));
    setProp(env, profile, "cost", makeNumber(env, p.cost));
    setProp(env, profile, "rtt", makeNumber(env, p.rtt));
    setProp(env, profile, "tlsSessionReused", makeBool(env, p.tlsSessionReused));
    napi_value event = makeObject(env);
    setProp(env, event, "header", header);
    setProp(env, event, "profile", profile);
    setProp(env, event, "protocol", makeString(env, e.protocol));
    emit(id, Kind::Open, event);
  } catch (...) {
    raisePending(env);
  }
}

void Addon::emitCallback(std::uint32_t id, Kind kind, const CallbackResult& r) noexcept {
  HandleScope scope(env);
  if (!scope.ok()) return;
  try {
    emit(id, kind, makeString(env, r.errMsg), makeInt(env, r.errNo));
  } catch (...) {
    raisePending(env);
  }
}

void Addon::shutdown() noexcept {
  for (auto& weak : runtimes) {
    if (auto holder = weak.lock()) holder->destroy();
  }
  runtimes.clear();
}

// ---- the environment's life ----

namespace {

void finalizeAddon(napi_env, void* data, void*) {
  auto* a = static_cast<Addon*>(data);
  a->shutdown();
  delete a;
}

const std::pair<const char*, Kind> kindNames[] = {
    {"CONNECT", Kind::Connect},
    {"MESSAGE_BINARY", Kind::MessageBinary},
    {"MESSAGE_TEXT", Kind::MessageText},
    {"ERROR", Kind::Error},
    {"CLOSE", Kind::Close},
    {"BIND_WIFI", Kind::BindWifi},
    {"LISTENING", Kind::Listening},
    {"OPEN", Kind::Open},
    {"INFO", Kind::Info},
    {"SUCCESS", Kind::Success},
    {"FAIL", Kind::Fail},
    {"COMPLETE", Kind::Complete},
    {"DRAIN", Kind::Drain},
};

// ---- entry points ----

// init(dispatch): dispatch(id, kind, p1, p2, p3) receives every event on this thread.
napi_value init(const Args& args) {
  napi_env env = args.env();
  if (typeOf(env, args[0]) != napi_function) throw JsThrow{"init: dispatch must be a function"};
  addon(env).setDispatch(args[0]);
  return undefinedValue(env);
}

// createRuntime(id, policySpec, networkSpec | undefined) -> handle
napi_value createRuntime(const Args& args) {
  napi_env env = args.env();
  Addon& a = addon(env);
  auto holder = std::make_shared<RuntimeHolder>(a, toId(env, args[0]), toPolicy(env, args[1]),
                                                toNetwork(env, args[2]));
  std::erase_if(a.runtimes, [](const auto& w) { return w.expired(); });
  a.runtimes.push_back(holder);
  return makeExternal(env, new std::shared_ptr<RuntimeHolder>(std::move(holder)));
}

// destroyRuntime(handle): closes every socket of it at once, without events.
napi_value destroyRuntime(const Args& args) {
  runtimeOf(args.env(), args[0])->destroy();
  return undefinedValue(args.env());
}

napi_value runtimePolicy(const Args& args) {
  return policyValue(args.env(), runtimeOf(args.env(), args[0])->get().policy());
}

// runtimeSocketCount(runtime): the sockets the C++ Runtime holds (testing.nativeSocketCount).
napi_value runtimeSocketCount(const Args& args) {
  return makeNumber(args.env(),
                    static_cast<double>(runtimeOf(args.env(), args[0])->get().socketCount()));
}

// shutdown(): every runtime destroyed (process exit).
napi_value shutdown(const Args& args) {
  addon(args.env()).shutdown();
  return undefinedValue(args.env());
}

// deliveryStats() -> {steps, events}: the loop's steps and the events they dispatched.
napi_value deliveryStats(const Args& args) {
  napi_env env = args.env();
  Addon& a = addon(env);
  napi_value o = makeObject(env);
  setProp(env, o, "steps", makeNumber(env, static_cast<double>(a.steps)));
  setProp(env, o, "events", makeNumber(env, static_cast<double>(a.events)));
  setProp(env, o, "pendingBytes", makeNumber(env, static_cast<double>(a.pendingBytes)));
  setProp(env, o, "maxPendingBytes", makeNumber(env, static_cast<double>(a.maxPendingBytes)));
  return o;
}

// post(runtime, kind, target, text, a, b): an event made in JavaScript (a refused call),
// delivered later through the runtime's loop, in order with what is posted there, never from
// inside the call.
napi_value post(const Args& args) {
  napi_env env = args.env();
  auto& holder = runtimeOf(env, args[0]);
  const auto kind = static_cast<Kind>(toInt(env, args[1]));
  const std::uint32_t target = toId(env, args[2]);
  std::string text = toString(env, args[3]);
  const int x = toInt(env, args[4]);
  const int y = toInt(env, args[5]);
  Addon* a = &holder->addon;
  std::function<void()> fn;
  switch (kind) {
    case Kind::Error:
      fn = [a, target, e = ErrorEvent{std::move(text), x, y}] { a->emitError(target, e); };
      break;
    case Kind::Close:
      fn = [a, target, x, text = std::move(text)] { a->emitClose(target, x, text); };
      break;
    case Kind::Success:
    case Kind::Fail:
    case Kind::Complete:
      fn = [a, target, kind, r = CallbackResult{std::move(text), x}] {
        a->emitCallback(target, kind, r);
      };
      break;
    default:
      throw JsThrow{"post: unsupported kind"};
  }
  holder->get().post(std::move(fn));
  holder->touch();
  return undefinedValue(env);
}

// ---- the older global calls ----

enum GlobalKind { kOpen = 0, kMessage = 1, kError = 2, kClose = 3 };

void emitData(Addon& a, std::uint32_t id, const SocketTask::MessageEvent& e) {
  if (const auto* t = std::get_if<std::string_view>(&e.data))
    a.emitMessage(id, true, std::as_bytes(std::span(t->data(), t->size())));
  else
    a.emitMessage(id, false, std::get<std::span<const std::byte>>(e.data));
}

// globalListen(runtime, kind, on): registers (or removes) the one native listener of that
// kind that feeds the JavaScript listeners of the runtime.
napi_value globalListen(const Args& args) {
  napi_env env = args.env();
  auto& holder = runtimeOf(env, args[0]);
  Runtime& rt = holder->get();
  const int kind = toInt(env, args[1]);
  const bool on = toBool(env, args[2]);
  if (kind < 0 || kind > 3) throw JsThrow{"globalListen: bad kind"};
  if (on == holder->globalOn[kind]) return undefinedValue(env);
  holder->globalOn[kind] = on;
  Addon* a = &holder->addon;
  const std::uint32_t id = holder->id;
  ListenerId& lid = holder->global[kind];
  switch (kind) {
    case kOpen:
      if (on)
        lid = rt.onSocketOpen([a, id](const SocketTask::OpenEvent& e) { a->emitOpen(id, e); });
      else
        rt.offSocketOpen(lid);
      break;
    case kMessage:
      if (on)
        lid =
            rt.onSocketMessage([a, id](const SocketTask::MessageEvent& e) { emitData(*a, id, e); });
      else
        rt.offSocketMessage(lid);
      break;
    case kError:
      if (on)
        lid = rt.onSocketError([a, id](const ErrorEvent& e) { a->emitError(id, e); });
      else
        rt.offSocketError(lid);
      break;
    case kClose:
      if (on)
        lid = rt.onSocketClose(
            [a, id](const SocketTask::CloseEvent& e) { a->emitClose(id, e.code, e.reason); });
      else
        rt.offSocketClose(lid);
      break;
  }
  return undefinedValue(env);
}

SocketTask::Data toData(napi_env env, napi_value v) {
  if (typeOf(env, v) == napi_string) return toString(env, v);
  if (!isArrayBuffer(env, v)) throw JsThrow{"data must be a string or an ArrayBuffer"};
  auto bytes = arrayBufferBytes(env, v);
  return std::vector<std::byte>(bytes.begin(), bytes.end());
}

// sendSocketMessage(runtime, callbacksId, data)
napi_value sendSocketMessage(const Args& args) {
  napi_env env = args.env();
  auto& holder = runtimeOf(env, args[0]);
  const std::uint32_t cb = toId(env, args[1]);
  Addon& a = holder->addon;
  Callbacks cbs = callbacksTo(a, cb);
  holder->get().sendSocketMessage({.data = toData(env, args[2]),
                                   .success = cbs.success,
                                   .fail = cbs.fail,
                                   .complete = cbs.complete});
  holder->touch();
  return undefinedValue(env);
}

// closeSocket(runtime, callbacksId, {code, reason})
napi_value closeSocket(const Args& args) {
  napi_env env = args.env();
  auto& holder = runtimeOf(env, args[0]);
  const std::uint32_t cb = toId(env, args[1]);
  Addon& a = holder->addon;
  Callbacks cbs = callbacksTo(a, cb);
  SocketTask::CloseOption option{
      .success = cbs.success, .fail = cbs.fail, .complete = cbs.complete};
  if (napi_value code = optionalProp(env, args[2], "code")) option.code = toInt(env, code);
  if (napi_value reason = optionalProp(env, args[2], "reason"))
    option.reason = toString(env, reason);
  holder->get().closeSocket(std::move(option));
  holder->touch();
  return undefinedValue(env);
}

}  // namespace

Callbacks callbacksTo(Addon& a, std::uint32_t id) {
  if (id == 0) return {};  // nobody listens (the send fast path)
  auto first = std::make_shared<Kind>(Kind::Complete);
  return {
      .success = [first](const CallbackResult&) { *first = Kind::Success; },
      .fail = [first](const CallbackResult&) { *first = Kind::Fail; },
      .complete = [p = &a, id, first](const CallbackResult& r) { p->emitCallback(id, *first, r); }};
}

std::chrono::milliseconds toMilliseconds(double ms) {
  // lib/ passes positive numbers or NaN/negatives that minisock refuses itself.
  if (std::isnan(ms)) return std::chrono::milliseconds(-1);
  constexpr double kMax = static_cast<double>(std::chrono::milliseconds::max().count());
  if (ms >= kMax) return std::chrono::milliseconds::max();
  if (ms <= -kMax) return std::chrono::milliseconds(-1);
  // A positive fraction of a millisecond still means "a timeout", not 0 (refused).
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms > 0 ? std::ceil(ms) : ms));
}

napi_value optionalProp(napi_env env, napi_value obj, const char* name) {
  if (typeOf(env, obj) != napi_object) return nullptr;
  napi_value v = getProp(env, obj, name);
  return typeOf(env, v) == napi_undefined ? nullptr : v;
}

Addon& addon(napi_env env) {
  void* data = nullptr;
  check(napi_get_instance_data(env, &data));
  if (data == nullptr) throw JsThrow{"minisock: addon not initialised", false};
  return *static_cast<Addon*>(data);
}

std::uint32_t toId(napi_env env, napi_value v) {
  std::uint32_t id = 0;
  check(napi_get_value_uint32(env, v, &id));
  return id;
}

std::shared_ptr<RuntimeHolder>& runtimeOf(napi_env env, napi_value handle) {
  return unwrapExternal<std::shared_ptr<RuntimeHolder>>(env, handle);
}

void exportFunction(napi_env env, napi_value exports, const char* name, napi_callback fn) {
  napi_value f;
  check(napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, nullptr, &f));
  setProp(env, exports, name, f);
}

Addon& initAddon(napi_env env, napi_value exports, std::unique_ptr<HostLoop> loop) {
  auto* a = new Addon(env, std::move(loop));
  if (napi_set_instance_data(env, a, finalizeAddon, nullptr) != napi_ok) {
    delete a;
    throw JsPending{};
  }
  registerRuntime(env, exports);
  registerPolicy(env, exports);
  registerTcp(env, exports);
  registerUdp(env, exports);
  registerTask(env, exports);
  registerServers(env, exports);
  return *a;
}

void registerRuntime(napi_env env, napi_value exports) {
  napi_value kinds = makeObject(env);
  for (const auto& [name, kind] : kindNames)
    setProp(env, kinds, name, makeInt(env, static_cast<int>(kind)));
  check(napi_object_freeze(env, kinds));
  setProp(env, exports, "KIND", kinds);
  exportFunction(env, exports, "init", entry<init>);
  exportFunction(env, exports, "createRuntime", entry<createRuntime>);
  exportFunction(env, exports, "destroyRuntime", entry<destroyRuntime>);
  exportFunction(env, exports, "runtimePolicy", entry<runtimePolicy>);
  exportFunction(env, exports, "runtimeSocketCount", entry<runtimeSocketCount>);
  exportFunction(env, exports, "shutdown", entry<shutdown>);
  exportFunction(env, exports, "deliveryStats", entry<deliveryStats>);
  exportFunction(env, exports, "post", entry<post>);
  exportFunction(env, exports, "globalListen", entry<globalListen>);
  exportFunction(env, exports, "sendSocketMessage", entry<sendSocketMessage>);
  exportFunction(env, exports, "closeSocket", entry<closeSocket>);
}

}  // namespace minisock::node
