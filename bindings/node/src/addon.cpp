// The addon's entry point, its per-environment state, runtimes and their policies, the older
// global WebSocket calls, and the thread-safe function that wakes JavaScript.
#include "addon.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <string>

namespace minisock::node {

namespace {

// ---- per-environment state ----

void cleanupHook(void* data);

void finalizeAddon(napi_env env, void* data, void*) {
  auto* a = static_cast<Addon*>(data);
  napi_remove_env_cleanup_hook(env, cleanupHook, a);  // if it has not run yet
  a->shutdown();
  delete a;
}

// The env's cleanup hooks run before its teardown: join the loop threads while everything
// they could touch still exists.
void cleanupHook(void* data) { static_cast<Addon*>(data)->shutdown(); }

// The thread-safe function's context: the queue it drains (owned here, freed at finalize).
struct TsfnContext {
  std::shared_ptr<EventQueue> queue;
};

void callJs(napi_env env, napi_value drain, void* context, void*) noexcept {
  if (env == nullptr || drain == nullptr) return;  // the environment is being torn down
  try {
    static_cast<TsfnContext*>(context)->queue->deliver(env, drain);
  } catch (...) {
    // deliver() reports JavaScript errors itself; nothing may unwind into Node.
  }
}

void finalizeTsfn(napi_env, void* data, void*) {
  auto* context = static_cast<TsfnContext*>(data);
  context->queue->detach();  // from now on the loop threads only queue, never wake
  delete context;
}

// ---- policy ----

std::vector<PortRange> toPortRanges(napi_env env, napi_value array) {
  std::vector<PortRange> ranges;
  const std::uint32_t n = arrayLength(env, array);
  for (std::uint32_t i = 0; i < n; ++i) {
    napi_value pair = element(env, array, i);
    ranges.push_back({toInt(env, element(env, pair, 0)), toInt(env, element(env, pair, 1))});
  }
  return ranges;
}

bool has(napi_env env, napi_value obj, const char* name) {
  bool present = false;
  check(napi_has_named_property(env, obj, name, &present));
  return present && typeOf(env, getProp(env, obj, name)) != napi_undefined;
}

// `spec` is normalised by lib/policy.js: {base, ...fields of the right types}.
Policy toPolicy(napi_env env, napi_value spec) {
  const std::string base = toString(env, getProp(env, spec, "base"));
  Policy p = base == "release"        ? Policy::release()
             : base == "unrestricted" ? Policy::unrestricted()
                                      : Policy::development();
  auto boolField = [&](const char* name, bool& field) {
    if (has(env, spec, name)) field = toBool(env, getProp(env, spec, name));
  };
  auto intField = [&](const char* name, int& field) {
    if (has(env, spec, name)) field = toInt(env, getProp(env, spec, name));
  };
  auto sizeField = [&](const char* name, std::size_t& field) {
    if (has(env, spec, name))
      field = static_cast<std::size_t>(toNumber(env, getProp(env, spec, name)));
  };
  auto portsField = [&](const char* name, std::vector<PortRange>& field) {
    if (has(env, spec, name)) field = toPortRanges(env, getProp(env, spec, name));
  };
  portsField("blockedTCPPorts", p.blockedTCPPorts);
  intField("maxTCPSocketsPerWindow", p.maxTCPSocketsPerWindow);
  if (has(env, spec, "tcpSocketWindow"))
    p.tcpSocketWindow = std::chrono::seconds(
        static_cast<std::int64_t>(toNumber(env, getProp(env, spec, "tcpSocketWindow"))));
  boolField("enforceDomainList", p.enforceDomainList);
  if (has(env, spec, "allowedDomains")) {
    napi_value list = getProp(env, spec, "allowedDomains");
    p.allowedDomains.clear();
    for (std::uint32_t i = 0, n = arrayLength(env, list); i < n; ++i)
      p.allowedDomains.push_back(toString(env, element(env, list, i)));
  }
  boolField("lanAddressesOnly", p.lanAddressesOnly);
  boolField("allowOwnAddresses", p.allowOwnAddresses);
  portsField("blockedWebSocketPorts", p.blockedWebSocketPorts);
  intField("maxWebSockets", p.maxWebSockets);
  boolField("allowInsecureWebSocket", p.allowInsecureWebSocket);
  sizeField("maxWebSocketMessageSize", p.maxWebSocketMessageSize);
  sizeField("maxUDPMessageSize", p.maxUDPMessageSize);
  boolField("verifyCertificates", p.verifyCertificates);
  if (has(env, spec, "caFile")) p.caFile = toString(env, getProp(env, spec, "caFile"));
  return p;
}

napi_value portRangesValue(napi_env env, const std::vector<PortRange>& ranges) {
  napi_value array;
  check(napi_create_array_with_length(env, ranges.size(), &array));
  for (std::uint32_t i = 0; i < ranges.size(); ++i) {
    napi_value pair;
    check(napi_create_array_with_length(env, 2, &pair));
    check(napi_set_element(env, pair, 0, makeInt(env, ranges[i].first)));
    check(napi_set_element(env, pair, 1, makeInt(env, ranges[i].last)));
    check(napi_set_element(env, array, i, pair));
  }
  return array;
}

napi_value policyValue(napi_env env, const Policy& p) {
  napi_value obj = makeObject(env);
  setProp(env, obj, "blockedTCPPorts", portRangesValue(env, p.blockedTCPPorts));
  setProp(env, obj, "maxTCPSocketsPerWindow", makeInt(env, p.maxTCPSocketsPerWindow));
  setProp(env, obj, "tcpSocketWindow",
          makeNumber(env, static_cast<double>(p.tcpSocketWindow.count())));
  setProp(env, obj, "enforceDomainList", makeBool(env, p.enforceDomainList));
  napi_value domains;
  check(napi_create_array_with_length(env, p.allowedDomains.size(), &domains));
  for (std::uint32_t i = 0; i < p.allowedDomains.size(); ++i)
    check(napi_set_element(env, domains, i, makeString(env, p.allowedDomains[i])));
  setProp(env, obj, "allowedDomains", domains);
  setProp(env, obj, "lanAddressesOnly", makeBool(env, p.lanAddressesOnly));
  setProp(env, obj, "allowOwnAddresses", makeBool(env, p.allowOwnAddresses));
  setProp(env, obj, "blockedWebSocketPorts", portRangesValue(env, p.blockedWebSocketPorts));
  setProp(env, obj, "maxWebSockets", makeInt(env, p.maxWebSockets));
  setProp(env, obj, "allowInsecureWebSocket", makeBool(env, p.allowInsecureWebSocket));
  setProp(env, obj, "maxWebSocketMessageSize",
          makeNumber(env, static_cast<double>(p.maxWebSocketMessageSize)));
  setProp(env, obj, "maxUDPMessageSize", makeNumber(env, static_cast<double>(p.maxUDPMessageSize)));
  setProp(env, obj, "verifyCertificates", makeBool(env, p.verifyCertificates));
  setProp(env, obj, "caFile", makeString(env, p.caFile));
  return obj;
}

// ---- entry points ----

// init(drain): creates the thread-safe function that calls drain(batch) on this thread.
napi_value init(const Args& args) {
  napi_env env = args.env();
  Addon& a = addon(env);
  if (a.tsfn != nullptr) return undefinedValue(env);
  if (typeOf(env, args[0]) != napi_function) throw JsThrow{"init: drain must be a function"};
  auto* context = new TsfnContext{a.queue};
  napi_threadsafe_function tsfn;
  napi_status s = napi_create_threadsafe_function(env, args[0], nullptr,
                                                  makeString(env, "minisock"), 0 /* unbounded */, 1,
                                                  context, finalizeTsfn, context, callJs, &tsfn);
  if (s != napi_ok) {
    delete context;
    throw JsPending{};
  }
  // Idle until a socket opens: lib/bridge.js refs it while anything is open.
  check(napi_unref_threadsafe_function(env, tsfn));
  a.tsfn = tsfn;
  a.queue->attach(tsfn);
  return undefinedValue(env);
}

// setRef(bool): keep the process alive (a socket is open) or not.
napi_value setRef(const Args& args) {
  napi_env env = args.env();
  Addon& a = addon(env);
  if (a.tsfn == nullptr) return undefinedValue(env);
  if (toBool(env, args[0]))
    check(napi_ref_threadsafe_function(env, a.tsfn));
  else
    check(napi_unref_threadsafe_function(env, a.tsfn));
  return undefinedValue(env);
}

// createRuntime(id, policySpec) -> handle
napi_value createRuntime(const Args& args) {
  napi_env env = args.env();
  Addon& a = addon(env);
  auto holder = std::make_shared<RuntimeHolder>();
  holder->id = toId(env, args[0]);
  holder->runtime = std::make_unique<Runtime>(toPolicy(env, args[1]));
  holder->runtime->start();
  std::erase_if(a.runtimes, [](const auto& w) { return w.expired(); });
  a.runtimes.push_back(holder);
  return makeExternal(env, new std::shared_ptr<RuntimeHolder>(std::move(holder)));
}

// destroyRuntime(handle): closes every socket of it at once, without events.
napi_value destroyRuntime(const Args& args) {
  auto& holder = runtimeOf(args.env(), args[0]);
  holder->runtime.reset();
  return undefinedValue(args.env());
}

napi_value runtimePolicy(const Args& args) {
  return policyValue(args.env(), runtimeOf(args.env(), args[0])->get().policy());
}

// shutdown(): every runtime destroyed (process exit).
napi_value shutdown(const Args& args) {
  addon(args.env()).shutdown();
  return undefinedValue(args.env());
}

// inject(kind, target, text, a, b): a record made on the JavaScript thread (a refused call),
// delivered in order with the loop's events, never from inside the call.
napi_value inject(const Args& args) {
  napi_env env = args.env();
  const auto kind = static_cast<Kind>(toInt(env, args[0]));
  const std::uint32_t target = toId(env, args[1]);
  EventQueue& q = *addon(env).queue;
  switch (kind) {
    case Kind::Error:
      q.pushError(target,
                  ErrorEvent{toString(env, args[2]), toInt(env, args[3]), toInt(env, args[4])});
      break;
    case Kind::Close:
      q.pushClose(target, toInt(env, args[3]), toString(env, args[2]));
      break;
    case Kind::Success:
    case Kind::Fail:
    case Kind::Complete:
      q.pushCallback(kind, target, CallbackResult{toString(env, args[2]), toInt(env, args[3])});
      break;
    default:
      throw JsThrow{"inject: unsupported kind"};
  }
  return undefinedValue(env);
}

// ---- the older global calls ----

enum GlobalKind { kOpen = 0, kMessage = 1, kError = 2, kClose = 3 };

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
  std::shared_ptr<EventQueue> q = addon(env).queue;
  const std::uint32_t id = holder->id;
  ListenerId& lid = holder->global[kind];
  switch (kind) {
    case kOpen:
      if (on)
        lid = rt.onSocketOpen([q, id](const SocketTask::OpenEvent& e) { q->pushOpen(id, e); });
      else
        rt.offSocketOpen(lid);
      break;
    case kMessage:
      if (on) {
        lid = rt.onSocketMessage([q, id](const SocketTask::MessageEvent& e) {
          if (const auto* t = std::get_if<std::string_view>(&e.data))
            q->pushMessage(id, true, std::as_bytes(std::span(t->data(), t->size())));
          else
            q->pushMessage(id, false, std::get<std::span<const std::byte>>(e.data));
        });
      } else {
        rt.offSocketMessage(lid);
      }
      break;
    case kError:
      if (on)
        lid = rt.onSocketError([q, id](const ErrorEvent& e) { q->pushError(id, e); });
      else
        rt.offSocketError(lid);
      break;
    case kClose:
      if (on) {
        lid = rt.onSocketClose(
            [q, id](const SocketTask::CloseEvent& e) { q->pushClose(id, e.code, e.reason); });
      } else {
        rt.offSocketClose(lid);
      }
      break;
  }
  return undefinedValue(env);
}

}  // namespace

// Callbacks of the calls with success/fail/complete: each reports to one JavaScript
// callback set (its id), in the order minisock calls them.
Callback callbackTo(const std::shared_ptr<EventQueue>& q, Kind kind, std::uint32_t id) {
  if (id == 0) return {};  // nobody listens: no record at all (the send fast path)
  return [q, kind, id](const CallbackResult& r) { q->pushCallback(kind, id, r); };
}

namespace {

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
  auto q = addon(env).queue;
  holder->get().sendSocketMessage({.data = toData(env, args[2]),
                                   .success = callbackTo(q, Kind::Success, cb),
                                   .fail = callbackTo(q, Kind::Fail, cb),
                                   .complete = callbackTo(q, Kind::Complete, cb)});
  return undefinedValue(env);
}

// closeSocket(runtime, callbacksId, code, reason)
napi_value closeSocket(const Args& args) {
  napi_env env = args.env();
  auto& holder = runtimeOf(env, args[0]);
  const std::uint32_t cb = toId(env, args[1]);
  auto q = addon(env).queue;
  SocketTask::CloseOption option{.success = callbackTo(q, Kind::Success, cb),
                                 .fail = callbackTo(q, Kind::Fail, cb),
                                 .complete = callbackTo(q, Kind::Complete, cb)};
  if (typeOf(env, args[2]) == napi_number) option.code = toInt(env, args[2]);
  if (typeOf(env, args[3]) == napi_string) option.reason = toString(env, args[3]);
  holder->get().closeSocket(std::move(option));
  return undefinedValue(env);
}

}  // namespace

void Addon::shutdown() noexcept {
  for (auto& weak : runtimes) {
    if (auto holder = weak.lock()) holder->runtime.reset();
  }
  runtimes.clear();
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

void registerRuntime(napi_env env, napi_value exports) {
  exportFunction(env, exports, "init", entry<init>);
  exportFunction(env, exports, "setRef", entry<setRef>);
  exportFunction(env, exports, "createRuntime", entry<createRuntime>);
  exportFunction(env, exports, "destroyRuntime", entry<destroyRuntime>);
  exportFunction(env, exports, "runtimePolicy", entry<runtimePolicy>);
  exportFunction(env, exports, "shutdown", entry<shutdown>);
  exportFunction(env, exports, "inject", entry<inject>);
  exportFunction(env, exports, "globalListen", entry<globalListen>);
  exportFunction(env, exports, "sendSocketMessage", entry<sendSocketMessage>);
  exportFunction(env, exports, "closeSocket", entry<closeSocket>);
}

}  // namespace minisock::node

namespace {

napi_value initModule(napi_env env, napi_value exports) {
  using namespace minisock::node;
  try {
    auto* a = new Addon();
    if (napi_set_instance_data(env, a, finalizeAddon, nullptr) != napi_ok) {
      delete a;
      return nullptr;
    }
    check(napi_add_env_cleanup_hook(env, cleanupHook, a));
    registerRuntime(env, exports);
    registerTcp(env, exports);
    registerUdp(env, exports);
    registerTask(env, exports);
    registerServers(env, exports);
    return exports;
  } catch (...) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, nullptr, "minisock: cannot initialise the addon");
    return nullptr;
  }
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, initModule)
