// SocketTask for JavaScript: connectSocket and the native half of lib/socket_task.js.
#include <cmath>

#include "addon.hpp"

namespace minisock::node {

namespace {

struct TaskHandle {
  std::shared_ptr<RuntimeHolder> runtime;
  std::shared_ptr<SocketTask> task;
};

TaskHandle& taskHandle(napi_env env, napi_value handle) {
  return unwrapExternal<TaskHandle>(env, handle);
}

void emitData(Addon& a, std::uint32_t id, const SocketTask::MessageEvent& e) {
  if (const auto* text = std::get_if<std::string_view>(&e.data))
    a.emitMessage(id, true, std::as_bytes(std::span(text->data(), text->size())));
  else
    a.emitMessage(id, false, std::get<std::span<const std::byte>>(e.data));
}

SocketTask::Data toData(napi_env env, napi_value v) {
  if (typeOf(env, v) == napi_string) return toString(env, v);
  if (!isArrayBuffer(env, v)) throw JsThrow{"send: data must be a string or an ArrayBuffer"};
  auto bytes = arrayBufferBytes(env, v);
  return std::vector<std::byte>(bytes.begin(), bytes.end());
}

// taskConnect(runtime, id, callbacksId, option): option as lib/socket_task.js checked it:
// {url, header: [[name, value]…], protocols: [], tcpNoDelay, perMessageDeflate, timeout (ms),
// method, heartbeat (ms, finite)}, absent fields undefined. minisock checks the values (and
// refuses through fail, Error and Close). The listeners are in place before the task starts.
napi_value taskConnect(const Args& args) {
  napi_env env = args.env();
  auto& holder = runtimeOf(env, args[0]);
  const std::uint32_t id = toId(env, args[1]);
  const std::uint32_t cb = toId(env, args[2]);
  napi_value o = args[3];
  Addon& a = holder->addon;

  ConnectSocketOption option{.url = toString(env, getProp(env, o, "url"))};
  if (napi_value header = optionalProp(env, o, "header")) {
    for (std::uint32_t i = 0, n = arrayLength(env, header); i < n; ++i) {
      napi_value pair = element(env, header, i);
      option.header.emplace_back(toString(env, element(env, pair, 0)),
                                 toString(env, element(env, pair, 1)));
    }
  }
  if (napi_value protocols = optionalProp(env, o, "protocols")) {
    for (std::uint32_t i = 0, n = arrayLength(env, protocols); i < n; ++i)
      option.protocols.push_back(toString(env, element(env, protocols, i)));
  }
  if (napi_value v = optionalProp(env, o, "tcpNoDelay")) option.tcpNoDelay = toBool(env, v);
  if (napi_value v = optionalProp(env, o, "perMessageDeflate"))
    option.perMessageDeflate = toBool(env, v);
  if (napi_value v = optionalProp(env, o, "timeout"))
    option.timeout = toMilliseconds(toNumber(env, v));
  if (napi_value v = optionalProp(env, o, "method")) option.method = toString(env, v);
  if (napi_value v = optionalProp(env, o, "heartbeat")) {
    // Rounded away from zero: a positive fraction of a millisecond is a heartbeat, a negative
    // one is refused by minisock (never 0, which would turn it off).
    const double ms = toNumber(env, v);
    option.heartbeat = toMilliseconds(ms < 0 ? std::floor(ms) : ms);
  }
  Callbacks cbs = callbacksTo(a, cb);
  option.success = std::move(cbs.success);
  option.fail = std::move(cbs.fail);
  option.complete = std::move(cbs.complete);

  Addon* p = &a;
  auto task = holder->get().connectSocket(
      std::move(option),
      {.onOpen = [p, id](const SocketTask::OpenEvent& e) { p->emitOpen(id, e); },
       .onMessage = [p, id](const SocketTask::MessageEvent& e) { emitData(*p, id, e); },
       .onError = [p, id](const ErrorEvent& e) { p->emitError(id, e); },
       .onClose = [p,
                   id](const SocketTask::CloseEvent& e) { p->emitClose(id, e.code, e.reason); }});
  holder->touch();
  return makeExternal(env, new TaskHandle{holder, std::move(task)});
}

// taskSend(handle, callbacksId, data)
napi_value taskSend(const Args& args) {
  napi_env env = args.env();
  TaskHandle& h = taskHandle(env, args[0]);
  const std::uint32_t cb = toId(env, args[1]);
  Addon& a = h.runtime->addon;
  Callbacks cbs = callbacksTo(a, cb);
  h.task->send({.data = toData(env, args[2]),
                .success = cbs.success,
                .fail = cbs.fail,
                .complete = cbs.complete});
  h.runtime->touch();
  return undefinedValue(env);
}

// taskClose(handle, callbacksId, {code, reason})
napi_value taskClose(const Args& args) {
  napi_env env = args.env();
  TaskHandle& h = taskHandle(env, args[0]);
  const std::uint32_t cb = toId(env, args[1]);
  Addon& a = h.runtime->addon;
  Callbacks cbs = callbacksTo(a, cb);
  SocketTask::CloseOption option{
      .success = cbs.success, .fail = cbs.fail, .complete = cbs.complete};
  if (napi_value code = optionalProp(env, args[2], "code")) option.code = toInt(env, code);
  if (napi_value reason = optionalProp(env, args[2], "reason"))
    option.reason = toString(env, reason);
  h.task->close(std::move(option));
  h.runtime->touch();
  return undefinedValue(env);
}

napi_value taskReadyState(const Args& args) {
  return makeInt(args.env(), taskHandle(args.env(), args[0]).task->readyState());
}

// taskSetPaused(handle, paused): pause() / resume(), minisock's extension.
napi_value taskSetPaused(const Args& args) {
  napi_env env = args.env();
  TaskHandle& h = taskHandle(env, args[0]);
  if (toBool(env, args[1])) {
    h.task->pause();
  } else {
    h.task->resume();
  }
  h.runtime->touch();
  return undefinedValue(env);
}

napi_value taskIsPaused(const Args& args) {
  return makeBool(args.env(), taskHandle(args.env(), args[0]).task->isPaused());
}

napi_value taskBufferedAmount(const Args& args) {
  return makeNumber(args.env(),
                    static_cast<double>(taskHandle(args.env(), args[0]).task->bufferedAmount()));
}

}  // namespace

void registerTask(napi_env env, napi_value exports) {
  exportFunction(env, exports, "taskConnect", entry<taskConnect>);
  exportFunction(env, exports, "taskSend", entry<taskSend>);
  exportFunction(env, exports, "taskClose", entry<taskClose>);
  exportFunction(env, exports, "taskReadyState", entry<taskReadyState>);
  exportFunction(env, exports, "taskBufferedAmount", entry<taskBufferedAmount>);
  exportFunction(env, exports, "taskSetPaused", entry<taskSetPaused>);
  exportFunction(env, exports, "taskIsPaused", entry<taskIsPaused>);
}

}  // namespace minisock::node
