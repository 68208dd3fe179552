#pragma once
// The part of Node-API (node_api.h) that the binding's native code uses (bindings/node/src),
// implemented over JavaScriptCore's public C API (the same API as iOS's JavaScriptCore
// framework). With it the binding's C++ entry points compile unchanged for a JavaScriptCore
// host: one native layer, one JavaScript layer, two engines. Host thread only, except the
// finalizers, which JavaScriptCore may run on any thread: they only queue the release, which
// runReleases() does on the host thread.

#include <JavaScriptCore/JavaScript.h>
#include <node_api.h>

#include <functional>
#include <string>
#include <string_view>

namespace minisock::jsc {

/// A JSStringRef released at scope end: made from UTF-8 text (a name), or adopted.
class JsString {
 public:
  explicit JsString(const char* utf8) : s_(JSStringCreateWithUTF8CString(utf8)) {}
  explicit JsString(JSStringRef adopted) : s_(adopted) {}
  ~JsString() {
    if (s_ != nullptr) JSStringRelease(s_);
  }
  JsString(const JsString&) = delete;
  JsString& operator=(const JsString&) = delete;
  JSStringRef get() const { return s_; }

 private:
  JSStringRef s_;
};

struct EnvHooks {
  /// An exception no JavaScript caught (napi_fatal_exception): the host reports it.
  std::function<void(JSValueRef error)> uncaught;
  /// A finalizer queued a release (any thread): the host should call runReleases() soon.
  std::function<void()> wake;
};

/// A Node-API environment over `ctx` (which must outlive it).
napi_env createEnv(JSGlobalContextRef ctx, EnvHooks hooks);
/// The releases queued by finalizers: the C++ objects behind collected externals are deleted
/// here, on the calling (host) thread. Returns whether any ran.
bool runReleases(napi_env env);
/// Drops every reference the environment holds on JavaScript values (before the context is
/// released, so that the engine can collect them).
void releaseReferences(napi_env env);
/// No more events reach JavaScript (after an uncaught exception: the host is ending):
/// napi_make_callback returns without calling.
void halt(napi_env env);
/// After the context is released: the remaining releases, then the instance data's finalizer,
/// then the environment itself.
void destroyEnv(napi_env env);

/// A JavaScript string's text as UTF-8 (lone surrogates become U+FFFD, as V8 encodes them).
std::string utf8Of(JSStringRef s);
/// UTF-8 text (ill-formed sequences become U+FFFD, NULs kept) as a JavaScript string.
JSValueRef makeStringValue(JSContextRef ctx, std::string_view utf8);

inline JSValueRef toJs(napi_value v) { return reinterpret_cast<JSValueRef>(v); }
inline napi_value toNapi(JSValueRef v) {
  return reinterpret_cast<napi_value>(const_cast<OpaqueJSValue*>(v));
}

}  // namespace minisock::jsc
