// SocketTask for JavaScript: connectSocket and the native half of lib/api.js's SocketTask.
#include <functional>
#include <mutex>
#include <utility>

#include "addon.hpp"

namespace minisock::node {

namespace {

// Runtime::connectSocket starts the connection at once, and with the loop on its own thread
// a task's events could begin before listeners added afterwards from this thread are in
// place. The gate closes that window without a change to the C++ API: the task's
// success/fail/complete callbacks run on the loop before any task event, so the first of
// them installs the listeners there (inline, on the loop thread). Calls JavaScript makes
// before that wait in the gate and run right after, in order.
class TaskGate {
 public:
  using Call = std::function<void(SocketTask&)>;

  /// Loop thread, from the first callback.
  void open() {
    std::lock_guard lock(mutex_);  // held while installing: a call from JavaScript waits
    if (ready_) return;
    ready_ = true;
    if (auto task = task_.lock()) {
      install_(*task);
      for (auto& call : waiting_) call(*task);
    }
    waiting_.clear();
    install_ = nullptr;
  }

  /// JavaScript thread: runs `call` now (it posts to the loop), or after open().
  template <class F>
  void call(F&& f) {
    std::unique_lock lock(mutex_);
    if (!ready_) {
      waiting_.emplace_back(std::forward<F>(f));
      return;
    }
    auto task = task_.lock();
    lock.unlock();
    if (task) f(*task);
  }

  std::mutex mutex_;
  std::weak_ptr<SocketTask> task_;  // weak: the task's callbacks hold the gate
  Call install_;

 private:
  bool ready_ = false;
  std::vector<Call> waiting_;
};

struct TaskHandle {
  std::shared_ptr<RuntimeHolder> runtime;
  std::shared_ptr<SocketTask> task;
  std::shared_ptr<TaskGate> gate;
};

TaskHandle& taskHandle(napi_env env, napi_value handle) {
  return unwrapExternal<TaskHandle>(env, handle);
}

void pushData(EventQueue& q, std::uint32_t id, const SocketTask::MessageEvent& e) {
  if (const auto* text = std::get_if<std::string_view>(&e.data))
    q.pushMessage(id, true, std::as_bytes(std::span(text->data(), text->size())));
  else
    q.pushMessage(id, false, std::get<std::span<const std::byte>>(e.data));
}

SocketTask::Data toData(napi_env env, napi_value v) {
  if (typeOf(env, v) == napi_string) return toString(env, v);
  if (!isArrayBuffer(env, v)) throw JsThrow{"send: data must be a string or an ArrayBuffer"};
  auto bytes = arrayBufferBytes(env, v);
  return std::vector<std::byte>(bytes.begin(), bytes.end());
}

// taskConnect(runtime, id, callbacksId, url, header [[name, value]…], protocols [],
//             tcpNoDelay, perMessageDeflate, timeoutMs | undefined, method | undefined)
napi_value taskConnect(const Args& args) {
  napi_env env = args.env();
  auto& holder = runtimeOf(env, args[0]);
  Runtime& rt = holder->get();
  const std::uint32_t id = toId(env, args[1]);
  const std::uint32_t cb = toId(env, args[2]);
  std::shared_ptr<EventQueue> q = addon(env).queue;

  ConnectSocketOption option{.url = toString(env, args[3])};
  for (std::uint32_t i = 0, n = arrayLength(env, args[4]); i < n; ++i) {
    napi_value pair = element(env, args[4], i);
    option.header.emplace_back(toString(env, element(env, pair, 0)),
                               toString(env, element(env, pair, 1)));
  }
  for (std::uint32_t i = 0, n = arrayLength(env, args[5]); i < n; ++i)
    option.protocols.push_back(toString(env, element(env, args[5], i)));
  option.tcpNoDelay = toBool(env, args[6]);
  option.perMessageDeflate = toBool(env, args[7]);
  if (typeOf(env, args[8]) == napi_number) option.timeout = toMilliseconds(toNumber(env, args[8]));
  if (typeOf(env, args[9]) == napi_string) option.method = toString(env, args[9]);

  auto gate = std::make_shared<TaskGate>();
  gate->install_ = [q, id](SocketTask& task) {
    task.onOpen([q, id](const SocketTask::OpenEvent& e) { q->pushOpen(id, e); });
    task.onMessage([q, id](const SocketTask::MessageEvent& e) { pushData(*q, id, e); });
    task.onError([q, id](const ErrorEvent& e) { q->pushError(id, e); });
    task.onClose([q, id](const SocketTask::CloseEvent& e) { q->pushClose(id, e.code, e.reason); });
  };
  auto through = [q, cb, gate](Kind kind) -> Callback {
    return [q, cb, gate, kind](const CallbackResult& r) {
      gate->open();
      q->pushCallback(kind, cb, r);
    };
  };
  option.success = through(Kind::Success);
  option.fail = through(Kind::Fail);
  option.complete = through(Kind::Complete);

  std::shared_ptr<SocketTask> task;
  {
    // The first callback waits here until the gate knows its task.
    std::lock_guard lock(gate->mutex_);
    task = rt.connectSocket(std::move(option));
    gate->task_ = task;
  }
  return makeExternal(env, new TaskHandle{holder, std::move(task), std::move(gate)});
}

// taskSend(handle, callbacksId, data)
napi_value taskSend(const Args& args) {
  napi_env env = args.env();
  TaskHandle& h = taskHandle(env, args[0]);
  const std::uint32_t cb = toId(env, args[1]);
  auto q = addon(env).queue;
  auto option = std::make_shared<SocketTask::SendOption>(
      SocketTask::SendOption{.data = toData(env, args[2]),
                             .success = callbackTo(q, Kind::Success, cb),
                             .fail = callbackTo(q, Kind::Fail, cb),
                             .complete = callbackTo(q, Kind::Complete, cb)});
  h.gate->call([option](SocketTask& task) { task.send(std::move(*option)); });
  return undefinedValue(env);
}

// taskClose(handle, callbacksId, code | undefined, reason | undefined)
napi_value taskClose(const Args& args) {
  napi_env env = args.env();
  TaskHandle& h = taskHandle(env, args[0]);
  const std::uint32_t cb = toId(env, args[1]);
  auto q = addon(env).queue;
  auto option = std::make_shared<SocketTask::CloseOption>(
      SocketTask::CloseOption{.success = callbackTo(q, Kind::Success, cb),
                              .fail = callbackTo(q, Kind::Fail, cb),
                              .complete = callbackTo(q, Kind::Complete, cb)});
  if (typeOf(env, args[2]) == napi_number) option->code = toInt(env, args[2]);
  if (typeOf(env, args[3]) == napi_string) option->reason = toString(env, args[3]);
  h.gate->call([option](SocketTask& task) { task.close(std::move(*option)); });
  return undefinedValue(env);
}

napi_value taskReadyState(const Args& args) {
  return makeInt(args.env(), taskHandle(args.env(), args[0]).task->readyState());
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
}

}  // namespace minisock::node
