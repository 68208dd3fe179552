// `minisock run`: the binding's native code (bindings/node/src, over the Node-API of
// napi_jsc.cpp) and its JavaScript (bindings/node/lib, embedded) in a JavaScriptCore context,
// on GLib's main context (the one JavaScriptCore's own timers use on this thread):
//   - each runtime's descriptor is a GLib fd source (GlibLoop, the HostLoop of addon.hpp);
//   - the timers of setTimeout/setInterval are one GLib source, ready at the earliest one;
//   - every call into JavaScript from here is an outermost call: JavaScriptCore runs the
//     microtasks (Promise jobs) when it returns, as Node does after each callback.
// The host ends when no watch keeps it alive and no timer is left, or after an uncaught
// exception (printed with its stack, exit status 1).
#include "host.hpp"

#include <JavaScriptCore/JavaScript.h>
#include <glib-unix.h>
#include <glib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "../../node/src/addon.hpp"
#include "embedded_sources.hpp"
#include "napi_jsc.hpp"

// JavaScriptCore's SPI for unhandled rejections (JSContextRefPrivate.h; exported by
// libjavascriptcoregtk and by the iOS framework): `function(promise, reason)` is called after
// the microtasks drain, for each rejected Promise without a handler.
extern "C" void JSGlobalContextSetUnhandledRejectionCallback(JSGlobalContextRef ctx,
                                                             JSObjectRef function,
                                                             JSValueRef* exception);

namespace minisock::node {

/// A GLib fd source on one runtime's descriptor.
struct HostLoop::Watch {
  RuntimeHolder* holder = nullptr;
  int fd = -1;
  guint source = 0;
  bool kept = false;
};

}  // namespace minisock::node

namespace minisock::jsc {
namespace {

using node::HostLoop;
using node::RuntimeHolder;

std::string utf8(JSContextRef ctx, JSValueRef value) {
  JSValueRef exception = nullptr;
  JsString s(JSValueToStringCopy(ctx, value, &exception));
  if (exception != nullptr || s.get() == nullptr)
    return "(a value that cannot be converted to text)";
  return utf8Of(s.get());
}

/// A JavaScript number as an int when it is an integer in [lo, hi], else `fallback` (no cast
/// of NaN, infinities or out-of-range values).
int toIntIn(JSContextRef ctx, JSValueRef v, int lo, int hi, int fallback) {
  if (v == nullptr || !JSValueIsNumber(ctx, v)) return fallback;
  const double d = JSValueToNumber(ctx, v, nullptr);
  if (!(d >= lo && d <= hi) || d != static_cast<double>(static_cast<long long>(d))) return fallback;
  return static_cast<int>(d);
}

/// The counts that keep the host running: watches that asked for it (a runtime with work).
class GlibLoop final : public HostLoop {
 public:
  /// `forget(fd)`: called when a watch ends, before its descriptor is closed.
  explicit GlibLoop(std::function<void(int)> forget) : forget_(std::move(forget)) {}

  Watch* watch(int fd, RuntimeHolder& holder) override {
    auto* w = new Watch();
    w->holder = &holder;
    w->fd = fd;
    w->source = g_unix_fd_add_full(G_PRIORITY_DEFAULT, fd, G_IO_IN, onReadable, w,
                                   [](gpointer p) { delete static_cast<Watch*>(p); });
    if (w->source == 0) {
      delete w;
      throw node::JsThrow{"minisock: cannot watch the runtime's descriptor (GLib)", false};
    }
    return w;
  }

  void keepAlive(Watch* w, bool on) noexcept override {
    if (w->kept == on) return;
    w->kept = on;
    kept += on ? 1 : -1;
  }

  void unwatch(Watch* w) noexcept override {
    keepAlive(w, false);
    w->holder = nullptr;
    if (forget_) forget_(w->fd);
    g_source_remove(w->source);  // deletes w once GLib is done with it (even mid-dispatch)
  }

  int kept = 0;

 private:
  std::function<void(int)> forget_;

  static gboolean onReadable(gint, GIOCondition, gpointer data) {
    auto* w = static_cast<Watch*>(data);
    if (w->holder != nullptr) w->holder->step();  // may unwatch: w is not touched after
    return G_SOURCE_CONTINUE;
  }
};

/// GLib's poll, through one persistent epoll set (g_main_context_set_poll_func), as libuv
/// waits: GLib polls the same few descriptors every iteration (its wakeup descriptor, each
/// runtime's), and poll() sets up and tears down a wait on each of them every time, which for
/// a runtime's descriptor (itself an epoll set) means scanning its ready list too. Here a
/// descriptor is added once and changed only when GLib asks for other events; the results are
/// GLib's as poll() would give them. Anything epoll refuses (a regular file) falls back to
/// g_poll for good.
class EpollPoll {
 public:
  EpollPoll() : epoll_(epoll_create1(EPOLL_CLOEXEC)) {}
  ~EpollPoll() {
    if (epoll_ >= 0) ::close(epoll_);
  }
  EpollPoll(const EpollPoll&) = delete;
  EpollPoll& operator=(const EpollPoll&) = delete;

  static gint poll(GPollFD* fds, guint nfds, gint timeout) {
    return instance_ != nullptr ? instance_->wait(fds, nfds, timeout) : g_poll(fds, nfds, timeout);
  }
  void install() {
    if (epoll_ < 0) return;
    instance_ = this;
    g_main_context_set_poll_func(nullptr, &EpollPoll::poll);
  }
  /// The descriptor leaves the set now, before it is closed: its number may be reused by the
  /// next descriptor GLib polls, which must then be added afresh.
  void forget(int fd) {
    if (broken_ || epoll_ < 0) return;
    std::erase_if(entries_, [this, fd](const Entry& e) {
      if (e.fd == fd) epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
      return e.fd == fd;
    });
  }
  void uninstall() {
    if (instance_ != this) return;
    g_main_context_set_poll_func(nullptr, nullptr);
    instance_ = nullptr;
  }

 private:
  struct Entry {
    int fd;
    std::uint32_t events;
    bool seen;
  };

  static std::uint32_t toEpoll(gushort e) {
    return ((e & G_IO_IN) ? EPOLLIN : 0u) | ((e & G_IO_OUT) ? EPOLLOUT : 0u) |
           ((e & G_IO_PRI) ? EPOLLPRI : 0u);
  }
  static gushort fromEpoll(std::uint32_t e) {
    return static_cast<gushort>(((e & EPOLLIN) ? G_IO_IN : 0) | ((e & EPOLLOUT) ? G_IO_OUT : 0) |
                                ((e & EPOLLPRI) ? G_IO_PRI : 0) | ((e & EPOLLERR) ? G_IO_ERR : 0) |
                                ((e & EPOLLHUP) ? G_IO_HUP : 0));
  }

  gint wait(GPollFD* fds, guint nfds, gint timeout) {
    if (broken_) return g_poll(fds, nfds, timeout);
    for (auto& e : entries_) e.seen = false;
    for (guint i = 0; i < nfds; ++i) {
      fds[i].revents = 0;
      if (fds[i].fd < 0) continue;
      std::uint32_t want = toEpoll(fds[i].events);
      for (guint j = 0; j < i; ++j)  // one descriptor may be listed twice
        if (fds[j].fd == fds[i].fd) want |= toEpoll(fds[j].events);
      Entry* entry = nullptr;
      for (auto& e : entries_)
        if (e.fd == fds[i].fd) entry = &e;
      epoll_event ev{};
      ev.events = want;
      ev.data.fd = fds[i].fd;
      if (entry == nullptr) {
        if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fds[i].fd, &ev) != 0)
          return giveUp(fds, nfds, timeout);
        entries_.push_back({fds[i].fd, want, true});
      } else {
        if (entry->events != want) {
          if (epoll_ctl(epoll_, EPOLL_CTL_MOD, fds[i].fd, &ev) != 0)
            return giveUp(fds, nfds, timeout);
          entry->events = want;
        }
        entry->seen = true;
      }
    }
    // Descriptors GLib no longer polls (a removed source): out of the set, before they may be
    // closed and their numbers reused.
    std::erase_if(entries_, [this](const Entry& e) {
      if (!e.seen) epoll_ctl(epoll_, EPOLL_CTL_DEL, e.fd, nullptr);
      return !e.seen;
    });
    epoll_event ready[16];
    const int n = epoll_wait(epoll_, ready, 16, timeout);
    if (n < 0) return errno == EINTR ? 0 : -1;
    gint count = 0;
    for (guint i = 0; i < nfds; ++i) {
      for (int k = 0; k < n; ++k) {
        if (ready[k].data.fd != fds[i].fd) continue;
        const gushort got = fromEpoll(ready[k].events) &
                            static_cast<gushort>(fds[i].events | G_IO_ERR | G_IO_HUP | G_IO_NVAL);
        fds[i].revents = got;
        if (got != 0) ++count;
      }
    }
    return count;
  }

  gint giveUp(GPollFD* fds, guint nfds, gint timeout) {
    broken_ = true;
    return g_poll(fds, nfds, timeout);
  }

  int epoll_;
  bool broken_ = false;
  std::vector<Entry> entries_;
  static inline EpollPoll* instance_ = nullptr;
};

class Host;
Host* current = nullptr;  // the one host of this thread (JavaScript callbacks reach it here)

class Host {
 public:
  explicit Host(const RunOptions& options) : options_(options) {
    current = this;
    group_ = JSContextGroupCreate();
    ctx_ = JSGlobalContextCreateInGroup(group_, nullptr);
    env_ = createEnv(ctx_, {.uncaught = [this](JSValueRef e) { uncaught(e, false); },
                            .wake = [] { g_main_context_wakeup(nullptr); }});
    poll_.install();
    timerSource_ = g_source_new(&kTimerFuncs, sizeof(GSource));
    g_source_set_priority(timerSource_, G_PRIORITY_DEFAULT);
    g_source_attach(timerSource_, nullptr);
  }

  ~Host() {
    // Native first (every runtime closed, no more events), then the values held for
    // JavaScript, then the context (its objects finalized), then the environment.
    if (addon_ != nullptr) addon_->shutdown();
    for (auto& [id, timer] : timers_) JSValueUnprotect(ctx_, timer.fn);
    timers_.clear();
    if (error_ != nullptr) JSValueUnprotect(ctx_, error_);
    releaseReferences(env_);
    JSGlobalContextRelease(ctx_);
    JSContextGroupRelease(group_);
    destroyEnv(env_);
    g_source_destroy(timerSource_);
    g_source_unref(timerSource_);
    // What GLib still holds of ours (sources removed during the last dispatch) goes now.
    while (g_main_context_iteration(nullptr, FALSE)) {
    }
    poll_.uninstall();
    current = nullptr;
  }

  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  int run() {
    if (!start()) return finish();
    while (!halted_) {
      runReleases(env_);
      if (loop_->kept <= 0 && timers_.empty()) break;
      g_main_context_iteration(nullptr, TRUE);
    }
    return finish();
  }

 private:
  struct Timer {
    JSObjectRef fn;   // protected
    gint64 due;       // g_get_monotonic_time() microseconds
    gint64 interval;  // 0: once
    std::uint64_t seq;
  };

  // ---- start: the addon, the host object, the loader ----

  bool start() {
    JSValueRef exception = nullptr;
    auto loop = std::make_unique<GlibLoop>([this](int fd) { poll_.forget(fd); });
    loop_ = loop.get();
    JSObjectRef exports = JSObjectMake(ctx_, nullptr, nullptr);
    try {
      addon_ = &node::initAddon(env_, toNapi(exports), std::move(loop));
    } catch (...) {
      napi_value pending = nullptr;
      bool is = false;
      napi_is_exception_pending(env_, &is);
      if (is) napi_get_and_clear_last_exception(env_, &pending);
      std::fprintf(stderr, "minisock run: cannot initialise the addon%s%s\n", is ? ": " : "",
                   is ? utf8(ctx_, toJs(pending)).c_str() : "");
      exitCode_ = 70;
      return false;
    }
    JSObjectRef host = JSObjectMake(ctx_, nullptr, nullptr);
    set(host, "addon", exports);
    JSObjectRef argv = JSObjectMakeArray(ctx_, 0, nullptr, nullptr);
    JSObjectSetPropertyAtIndex(ctx_, argv, 0, makeStringValue(ctx_, options_.script), nullptr);
    for (std::size_t i = 0; i < options_.args.size(); ++i) {
      JSObjectSetPropertyAtIndex(ctx_, argv, static_cast<unsigned>(i + 1),
                                 makeStringValue(ctx_, options_.args[i]), nullptr);
    }
    set(host, "argv", argv);
    set(host, "policy", makeStringValue(ctx_, options_.policy));
    char cwd[4096];
    set(host, "cwd", makeStringValue(ctx_, getcwd(cwd, sizeof cwd) != nullptr ? cwd : "."));
    define<&Host::jsWrite>(host, "write");
    define<&Host::jsReadFile>(host, "readFile");
    define<&Host::jsIsFile>(host, "isFile");
    define<&Host::jsEvaluate>(host, "evaluate");
    define<&Host::jsSource>(host, "source");
    define<&Host::jsSetTimer>(host, "setTimer");
    define<&Host::jsClearTimer>(host, "clearTimer");
    define<&Host::jsReportError>(host, "reportError");
    define<&Host::jsSetExitCode>(host, "setExitCode");
    define<&Host::jsMakeCertificate>(host, "makeCertificate");
    define<&Host::jsExit>(host, "exit");
    define<&Host::jsHalt>(host, "halt");

    JSObjectRef onRejection = JSObjectMakeFunctionWithCallback(ctx_, nullptr, &Host::jsRejection);
    JSGlobalContextSetUnhandledRejectionCallback(ctx_, onRejection, &exception);
    if (exception != nullptr) uncaught(exception, false);

    const EmbeddedSource* loader = findSource("jsc/loader.js");
    if (loader == nullptr) {
      std::fprintf(stderr, "minisock run: the embedded loader is missing\n");
      exitCode_ = 70;
      return false;
    }
    // loader.js is one function expression: (function (host) { … })
    JsString source(JSValueToStringCopy(
        ctx_, makeStringValue(ctx_, std::string_view(loader->text, loader->size)), nullptr));
    JsString url("minisock:jsc/loader.js");
    JSValueRef fn = JSEvaluateScript(ctx_, source.get(), nullptr, url.get(), 1, &exception);
    if (exception != nullptr) return uncaught(exception, false), false;
    JSObjectRef f = JSValueToObject(ctx_, fn, &exception);
    if (f == nullptr || exception != nullptr) return uncaught(exception, false), false;
    JSValueRef arg = host;
    JSObjectCallAsFunction(ctx_, f, nullptr, 1, &arg, &exception);  // runs the script
    if (exception != nullptr) uncaught(exception, false);
    return !halted_;
  }

  int finish() {
    if (error_ != nullptr) {
      std::fprintf(stderr, "%s\n", describe(error_, inPromise_).c_str());
      std::fflush(stderr);
      return 1;
    }
    return exitCode_;
  }

  // ---- uncaught exceptions ----

  /// An uncaught error ends the run now: nothing more reaches JavaScript.
  void uncaught(JSValueRef error, bool inPromise) {
    record(error, inPromise);
    haltNow();
  }

  /// The first uncaught error is the one reported at the end.
  void record(JSValueRef error, bool inPromise) {
    if (halted_ || error_ != nullptr) return;
    error_ = error != nullptr ? error : JSValueMakeUndefined(ctx_);
    JSValueProtect(ctx_, error_);
    inPromise_ = inPromise;
  }

  void haltNow() {
    if (halted_) return;
    halted_ = true;
    halt(env_);
    g_main_context_wakeup(nullptr);
  }

  /// As Node prints an uncaught error: the error's text, then its stack, one frame a line.
  std::string describe(JSValueRef error, bool inPromise) {
    std::string out = inPromise ? "Uncaught (in promise) " : "Uncaught ";
    out += utf8(ctx_, error);
    if (JSValueIsObject(ctx_, error)) {
      JSObjectRef o = JSValueToObject(ctx_, error, nullptr);
      JsString stackName("stack");
      JSValueRef stack = JSObjectGetProperty(ctx_, o, stackName.get(), nullptr);
      if (stack != nullptr && JSValueIsString(ctx_, stack)) {
        std::istringstream lines(utf8(ctx_, stack));
        std::string line;
        while (std::getline(lines, line)) {
          if (line.empty()) continue;
          const auto at = line.rfind('@');
          if (at == std::string::npos)
            out += "\n    at " + line;
          else if (at == 0)
            out += "\n    at " + line.substr(1);
          else
            out += "\n    at " + line.substr(0, at) + " (" + line.substr(at + 1) + ")";
        }
      }
    }
    return out;
  }

  // ---- timers: one GLib source, ready at the earliest ----

  static gboolean timerPrepare(GSource*, gint* timeout) {
    *timeout = -1;
    return FALSE;
  }
  static gboolean timerDispatch(GSource*, GSourceFunc, gpointer) {
    if (current != nullptr) current->runTimers();
    return G_SOURCE_CONTINUE;
  }
  static inline GSourceFuncs kTimerFuncs = {timerPrepare, nullptr, timerDispatch,
                                            nullptr,      nullptr, nullptr};

  void armTimers() {
    g_source_set_ready_time(timerSource_, queue_.empty() ? -1 : queue_.begin()->first.first);
  }

  void runTimers() {
    const gint64 now = g_get_monotonic_time();
    const std::uint64_t started = nextSeq_;  // timers set from here wait for the next turn
    while (!halted_ && !queue_.empty()) {
      const auto [key, id] = *queue_.begin();
      if (key.first > now || key.second >= started) break;
      queue_.erase(queue_.begin());
      auto it = timers_.find(id);
      if (it == timers_.end()) continue;
      JSObjectRef fn = it->second.fn;
      JSValueProtect(ctx_, fn);  // clearInterval from inside may drop the timer's own hold
      if (it->second.interval > 0) {
        it->second.due = now + it->second.interval;
        it->second.seq = nextSeq_++;
        queue_.insert({{it->second.due, it->second.seq}, id});
      } else {
        JSValueUnprotect(ctx_, fn);
        timers_.erase(it);
      }
      JSValueRef exception = nullptr;
      JSObjectCallAsFunction(ctx_, fn, nullptr, 0, nullptr, &exception);  // outermost
      JSValueUnprotect(ctx_, fn);
      if (exception != nullptr) uncaught(exception, false);
      runReleases(env_);
    }
    armTimers();
  }

  // ---- the host object's functions ----

  using Native = JSValueRef (Host::*)(JSContextRef, std::size_t, const JSValueRef[], JSValueRef*);

  template <Native method>
  static JSValueRef trampoline(JSContextRef ctx, JSObjectRef, JSObjectRef, std::size_t argc,
                               const JSValueRef argv[], JSValueRef* exception) {
    return (current->*method)(ctx, argc, argv, exception);
  }

  void set(JSObjectRef target, const char* name, JSValueRef value) {
    JsString n(name);
    JSObjectSetProperty(ctx_, target, n.get(), value, kJSPropertyAttributeNone, nullptr);
  }

  template <Native method>
  void define(JSObjectRef target, const char* name) {
    JsString n(name);
    set(target, name, JSObjectMakeFunctionWithCallback(ctx_, n.get(), &trampoline<method>));
  }

  JSValueRef fail(JSContextRef ctx, JSValueRef* exception, const std::string& message) {
    JSValueRef text = makeStringValue(ctx, message);
    *exception = JSObjectMakeError(ctx, 1, &text, nullptr);
    return JSValueMakeUndefined(ctx);
  }

  std::string arg(JSContextRef ctx, std::size_t argc, const JSValueRef argv[], std::size_t i) {
    return i < argc ? utf8(ctx, argv[i]) : std::string();
  }

  // write(fd, text): 1 stdout, 2 stderr.
  JSValueRef jsWrite(JSContextRef ctx, std::size_t argc, const JSValueRef argv[], JSValueRef*) {
    // After an uncaught exception, nothing more is printed (Node's process is gone by then).
    if (halted_) return JSValueMakeUndefined(ctx);
    const int fd = toIntIn(ctx, argc > 0 ? argv[0] : nullptr, 1, 2, 1);
    const std::string text = arg(ctx, argc, argv, 1);
    std::FILE* out = fd == 2 ? stderr : stdout;
    std::fwrite(text.data(), 1, text.size(), out);
    std::fflush(out);
    return JSValueMakeUndefined(ctx);
  }

  JSValueRef jsReadFile(JSContextRef ctx, std::size_t argc, const JSValueRef argv[],
                        JSValueRef* exception) {
    const std::string path = arg(ctx, argc, argv, 0);
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(ctx, exception, "cannot read " + path + ": " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    return makeStringValue(ctx, text.str());
  }

  JSValueRef jsIsFile(JSContextRef ctx, std::size_t argc, const JSValueRef argv[], JSValueRef*) {
    const std::string path = arg(ctx, argc, argv, 0);
    return JSValueMakeBoolean(ctx, g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR));
  }

  // evaluate(source, sourceURL): the script's completion value, or its exception thrown.
  JSValueRef jsEvaluate(JSContextRef ctx, std::size_t argc, const JSValueRef argv[],
                        JSValueRef* exception) {
    if (argc < 1 || !JSValueIsString(ctx, argv[0]))
      return fail(ctx, exception, "evaluate: source should be String");
    JsString source(JSValueToStringCopy(ctx, argv[0], nullptr));
    JsString url(argc > 1 ? JSValueToStringCopy(ctx, argv[1], nullptr)
                          : JSStringCreateWithUTF8CString("minisock:eval"));
    return JSEvaluateScript(ctx, source.get(), nullptr, url.get(), 1, exception);
  }

  // source(name): an embedded file's text, or undefined.
  JSValueRef jsSource(JSContextRef ctx, std::size_t argc, const JSValueRef argv[], JSValueRef*) {
    const EmbeddedSource* s = findSource(arg(ctx, argc, argv, 0));
    if (s == nullptr) return JSValueMakeUndefined(ctx);
    return makeStringValue(ctx, std::string(s->text, s->size));
  }

  // setTimer(fn, ms, repeat) -> id: at least 1 ms, as Node (and in the order they were set).
  JSValueRef jsSetTimer(JSContextRef ctx, std::size_t argc, const JSValueRef argv[],
                        JSValueRef* exception) {
    JSObjectRef fn = argc > 0 ? JSValueToObject(ctx, argv[0], nullptr) : nullptr;
    if (fn == nullptr || !JSObjectIsFunction(ctx, fn))
      return fail(ctx, exception, "setTimer: callback should be a Function");
    double ms = argc > 1 ? JSValueToNumber(ctx, argv[1], nullptr) : 0;
    if (!(ms >= 1) || ms > 2147483647) ms = 1;  // Node: NaN, < 1 and > 2^31-1 are 1
    const bool repeat = argc > 2 && JSValueToBoolean(ctx, argv[2]);
    const auto interval = static_cast<gint64>(ms * 1000);
    std::uint32_t id = nextId_++;
    if (nextId_ > 2147483647u) nextId_ = 1;
    while (timers_.count(id) != 0) id = nextId_++;  // after a wrap: one not in use
    JSValueProtect(ctx, fn);
    Timer t{fn, g_get_monotonic_time() + interval, repeat ? interval : 0, nextSeq_++};
    queue_.insert({{t.due, t.seq}, id});
    timers_.emplace(id, t);
    armTimers();
    return JSValueMakeNumber(ctx, id);
  }

  JSValueRef jsClearTimer(JSContextRef ctx, std::size_t argc, const JSValueRef argv[],
                          JSValueRef*) {
    // An id as setTimer returned it (a number, or its text, as Node accepts): anything else
    // clears nothing.
    JSValueRef v = argc > 0 ? argv[0] : nullptr;
    if (v != nullptr && JSValueIsString(ctx, v))
      v = JSValueMakeNumber(ctx, JSValueToNumber(ctx, v, nullptr));
    const int id = toIntIn(ctx, v, 1, 2147483647, 0);
    if (id == 0) return JSValueMakeUndefined(ctx);
    auto it = timers_.find(static_cast<std::uint32_t>(id));
    if (it != timers_.end()) {
      queue_.erase({{it->second.due, it->second.seq}, it->first});
      JSValueUnprotect(ctx, it->second.fn);
      timers_.erase(it);
      armTimers();
    }
    return JSValueMakeUndefined(ctx);
  }

  // reportError(error): an exception of a listener, recorded; the loader's dispatch wrapper
  // calls halt() once the event's listeners have run, before its Promise jobs (as Node's
  // process.nextTick(rethrow), which ends the process before them).
  JSValueRef jsReportError(JSContextRef ctx, std::size_t argc, const JSValueRef argv[],
                           JSValueRef*) {
    record(argc > 0 ? argv[0] : JSValueMakeUndefined(ctx), false);
    return JSValueMakeBoolean(ctx, error_ != nullptr);
  }

  // halt(): the run ends with the recorded error; nothing more reaches JavaScript.
  JSValueRef jsHalt(JSContextRef ctx, std::size_t, const JSValueRef[], JSValueRef*) {
    haltNow();
    return JSValueMakeUndefined(ctx);
  }

  JSValueRef jsSetExitCode(JSContextRef ctx, std::size_t argc, const JSValueRef argv[],
                           JSValueRef*) {
    exitCode_ = toIntIn(ctx, argc > 0 ? argv[0] : nullptr, 0, 255, exitCode_);
    return JSValueMakeUndefined(ctx);
  }

  // exit(code): the run ends once the current callback returns (no further event or timer
  // runs), with that status; as process.exit, without unwinding the caller.
  JSValueRef jsExit(JSContextRef ctx, std::size_t argc, const JSValueRef argv[], JSValueRef*) {
    if (!halted_) {
      exitCode_ = toIntIn(ctx, argc > 0 ? argv[0] : nullptr, 0, 255, exitCode_);
      halted_ = true;
      halt(env_);
      g_main_context_wakeup(nullptr);
    }
    return JSValueMakeUndefined(ctx);
  }

  // makeCertificate() -> [certFile, keyFile]
  JSValueRef jsMakeCertificate(JSContextRef ctx, std::size_t, const JSValueRef[],
                               JSValueRef* exception) {
    if (!options_.makeCertificate)
      return fail(ctx, exception, "makeCertificate: not available in this host");
    try {
      auto [cert, key] = options_.makeCertificate();
      JSValueRef files[2] = {makeStringValue(ctx, cert), makeStringValue(ctx, key)};
      return JSObjectMakeArray(ctx, 2, files, exception);
    } catch (const std::exception& e) {
      return fail(ctx, exception, std::string("makeCertificate: ") + e.what());
    }
  }

  static JSValueRef jsRejection(JSContextRef ctx, JSObjectRef, JSObjectRef, std::size_t argc,
                                const JSValueRef argv[], JSValueRef*) {
    if (current != nullptr) current->uncaught(argc > 1 ? argv[1] : JSValueMakeUndefined(ctx), true);
    return JSValueMakeUndefined(ctx);
  }

  const RunOptions& options_;
  EpollPoll poll_;
  JSContextGroupRef group_ = nullptr;
  JSGlobalContextRef ctx_ = nullptr;
  napi_env env_ = nullptr;
  node::Addon* addon_ = nullptr;
  GlibLoop* loop_ = nullptr;  // owned by the addon
  GSource* timerSource_ = nullptr;
  std::map<std::uint32_t, Timer> timers_;
  std::set<std::pair<std::pair<gint64, std::uint64_t>, std::uint32_t>> queue_;
  std::uint32_t nextId_ = 1;
  std::uint64_t nextSeq_ = 0;
  bool halted_ = false;
  bool inPromise_ = false;
  JSValueRef error_ = nullptr;  // protected
  int exitCode_ = 0;
};

}  // namespace

int run(const RunOptions& options) {
  Host host(options);
  return host.run();
}

}  // namespace minisock::jsc
