// The Node.js module: the addon on the environment's own libuv loop (napi_get_uv_event_loop;
// HarmonyOS's Node-API has it too). A uv_poll_t per runtime watches its descriptor; the
// environment's teardown (an async cleanup hook) waits until every handle is closed.
#include <uv.h>

#include "addon.hpp"

namespace minisock::node {

namespace {

class UvLoop;

}  // namespace

struct HostLoop::Watch {
  uv_poll_t handle;  // first: the uv_handle_t* of callbacks is this struct's address
  RuntimeHolder* holder = nullptr;
  UvLoop* loop = nullptr;
};

namespace {

class UvLoop final : public HostLoop {
 public:
  explicit UvLoop(uv_loop_t* loop) : loop_(loop) {}

  Watch* watch(int fd, RuntimeHolder& holder) override {
    auto* w = new Watch();
    w->holder = &holder;
    w->loop = this;
    if (uv_poll_init(loop_, &w->handle, fd) != 0) {
      delete w;
      throw JsThrow{"minisock: cannot watch the runtime's descriptor (uv_poll_init)", false};
    }
    uv_poll_start(&w->handle, UV_READABLE, onReadable);
    uv_unref(handle(w));
    return w;
  }

  void keepAlive(Watch* w, bool on) noexcept override {
    if (on)
      uv_ref(handle(w));
    else
      uv_unref(handle(w));
  }

  void unwatch(Watch* w) noexcept override {
    uv_poll_stop(&w->handle);
    w->holder = nullptr;
    ++closing;
    uv_close(handle(w), onClosed);
  }

  /// Handles being closed (uv_close): the environment's teardown waits for them.
  int closing = 0;
  napi_async_cleanup_hook_handle cleanupHook = nullptr;

 private:
  static uv_handle_t* handle(Watch* w) { return reinterpret_cast<uv_handle_t*>(&w->handle); }

  static void onReadable(uv_poll_t* handle, int status, int) {
    auto* holder = reinterpret_cast<Watch*>(handle)->holder;
    if (holder == nullptr || status < 0) return;
    holder->step();
  }

  static void onClosed(uv_handle_t* handle) {
    auto* w = reinterpret_cast<Watch*>(handle);
    UvLoop* loop = w->loop;
    delete w;
    if (--loop->closing == 0 && loop->cleanupHook != nullptr) {
      // The environment's teardown waited for this handle: it may go on now.
      napi_remove_async_cleanup_hook(loop->cleanupHook);
      loop->cleanupHook = nullptr;
    }
  }

  uv_loop_t* loop_;
};

void asyncCleanup(napi_async_cleanup_hook_handle handle, void* data) {
  auto* a = static_cast<Addon*>(data);
  auto& loop = static_cast<UvLoop&>(*a->loop);
  loop.cleanupHook = handle;
  a->shutdown();  // closes every runtime's handle
  a->tornDown = true;
  if (loop.closing == 0) {
    napi_remove_async_cleanup_hook(handle);
    loop.cleanupHook = nullptr;
  }
}

}  // namespace

napi_value initModule(napi_env env, napi_value exports);
napi_value initModule(napi_env env, napi_value exports) {
  try {
    uv_loop_t* uv = nullptr;
    check(napi_get_uv_event_loop(env, &uv));
    Addon& a = initAddon(env, exports, std::make_unique<UvLoop>(uv));
    check(napi_add_async_cleanup_hook(env, asyncCleanup, &a, nullptr));
    return exports;
  } catch (...) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, nullptr, "minisock: cannot initialise the addon");
    return nullptr;
  }
}

}  // namespace minisock::node

NAPI_MODULE(NODE_GYP_MODULE_NAME, minisock::node::initModule)
