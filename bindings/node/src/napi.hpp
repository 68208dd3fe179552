#pragma once
// A thin C++ layer over the C Node-API (node_api.h): status checks that throw, argument
// access, value makers, and the entry-point wrapper that turns C++ exceptions into JavaScript
// ones. Every function here runs on the JavaScript thread only.

#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <span>
#include <string>
#include <string_view>

namespace minisock::node {

/// A JavaScript exception is already pending in the env (a failed napi call).
struct JsPending {};

/// Thrown by entry points to raise a JavaScript TypeError/Error with this message.
struct JsThrow {
  std::string message;
  bool typeError = true;
};

inline void check(napi_status status) {
  if (status != napi_ok) throw JsPending{};
}

/// The arguments of one call; missing ones read as `undefined`.
class Args {
 public:
  static constexpr std::size_t kMax = 12;
  Args(napi_env env, napi_callback_info info) : env_(env) {
    std::size_t argc = kMax;
    check(napi_get_cb_info(env, info, &argc, argv_, nullptr, &data_));
    argc_ = argc < kMax ? argc : kMax;
    check(napi_get_undefined(env, &undefined_));
    for (std::size_t i = argc_; i < kMax; ++i) argv_[i] = undefined_;
  }
  napi_value operator[](std::size_t i) const { return i < kMax ? argv_[i] : undefined_; }
  std::size_t size() const noexcept { return argc_; }
  void* data() const noexcept { return data_; }
  napi_env env() const noexcept { return env_; }

 private:
  napi_env env_;
  napi_value argv_[kMax]{};
  std::size_t argc_ = 0;
  void* data_ = nullptr;
  napi_value undefined_ = nullptr;
};

inline napi_valuetype typeOf(napi_env env, napi_value v) {
  napi_valuetype t;
  check(napi_typeof(env, v, &t));
  return t;
}
inline bool isArrayBuffer(napi_env env, napi_value v) {
  bool is = false;
  check(napi_is_arraybuffer(env, v, &is));
  return is;
}

inline napi_value undefinedValue(napi_env env) {
  napi_value v;
  check(napi_get_undefined(env, &v));
  return v;
}
inline napi_value makeString(napi_env env, std::string_view s) {
  napi_value v;
  check(napi_create_string_utf8(env, s.data(), s.size(), &v));
  return v;
}
inline napi_value makeNumber(napi_env env, double d) {
  napi_value v;
  check(napi_create_double(env, d, &v));
  return v;
}
inline napi_value makeInt(napi_env env, std::int32_t i) {
  napi_value v;
  check(napi_create_int32(env, i, &v));
  return v;
}
inline napi_value makeBool(napi_env env, bool b) {
  napi_value v;
  check(napi_get_boolean(env, b, &v));
  return v;
}
inline napi_value makeObject(napi_env env) {
  napi_value v;
  check(napi_create_object(env, &v));
  return v;
}
inline void setProp(napi_env env, napi_value obj, const char* name, napi_value value) {
  check(napi_set_named_property(env, obj, name, value));
}
inline napi_value getProp(napi_env env, napi_value obj, const char* name) {
  napi_value v;
  check(napi_get_named_property(env, obj, name, &v));
  return v;
}
/// An ArrayBuffer holding a copy of `bytes`, in V8's own memory. (External buffers over
/// malloc'd memory skip V8's zero-fill, 3.5% of ws_1mib's time, but their garbage was
/// collected late even with napi_adjust_external_memory: busy_flood's peak rose 140 MiB
/// against 36 MiB with V8's, whose backing stores V8 itself counts toward a collection.)
inline napi_value makeArrayBuffer(napi_env env, std::span<const std::byte> bytes) {
  napi_value v;
  void* data = nullptr;
  check(napi_create_arraybuffer(env, bytes.size(), &data, &v));
  if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
  return v;
}

/// A JavaScript string as UTF-8 (lone surrogates become U+FFFD, as V8 encodes them).
inline std::string toString(napi_env env, napi_value v) {
  // Most strings are short: one call into a stack buffer, else measure and copy. The call never
  // writes part of a character, so a string that did not fit may stop up to 3 bytes short of
  // the buffer's end: only a result with room for a whole character more is surely complete.
  char small[256];
  std::size_t copied = 0;
  check(napi_get_value_string_utf8(env, v, small, sizeof small, &copied));
  if (copied + 4 < sizeof small) return std::string(small, copied);
  std::size_t length = 0;
  check(napi_get_value_string_utf8(env, v, nullptr, 0, &length));
  std::string s(length, '\0');
  check(napi_get_value_string_utf8(env, v, s.data(), length + 1, &copied));
  s.resize(copied);
  return s;
}
inline double toNumber(napi_env env, napi_value v) {
  double d = 0;
  check(napi_get_value_double(env, v, &d));
  return d;
}
inline std::int32_t toInt(napi_env env, napi_value v) {
  std::int32_t i = 0;
  check(napi_get_value_int32(env, v, &i));
  return i;
}
inline bool toBool(napi_env env, napi_value v) {
  bool b = false;
  check(napi_get_value_bool(env, v, &b));
  return b;
}
/// The bytes of an ArrayBuffer, valid while the buffer is reachable (this call).
inline std::span<const std::byte> arrayBufferBytes(napi_env env, napi_value v) {
  void* data = nullptr;
  std::size_t length = 0;
  check(napi_get_arraybuffer_info(env, v, &data, &length));
  return {static_cast<const std::byte*>(data), length};
}
inline std::uint32_t arrayLength(napi_env env, napi_value v) {
  std::uint32_t n = 0;
  check(napi_get_array_length(env, v, &n));
  return n;
}
inline napi_value element(napi_env env, napi_value array, std::uint32_t i) {
  napi_value v;
  check(napi_get_element(env, array, i, &v));
  return v;
}

/// The C++ object behind a napi external made by makeExternal<T>.
template <class T>
T& unwrapExternal(napi_env env, napi_value v) {
  if (typeOf(env, v) != napi_external) throw JsThrow{"minisock: not a native handle"};
  void* p = nullptr;
  check(napi_get_value_external(env, v, &p));
  if (p == nullptr) throw JsThrow{"minisock: native handle already released"};
  return *static_cast<T*>(p);
}
/// An external owning `object` (deleted when the external is collected).
template <class T>
napi_value makeExternal(napi_env env, T* object) {
  napi_value v;
  napi_status s = napi_create_external(
      env, object, [](napi_env, void* data, void*) { delete static_cast<T*>(data); }, nullptr, &v);
  if (s != napi_ok) {
    delete object;
    throw JsPending{};
  }
  return v;
}

/// Runs an entry point, turning C++ exceptions into JavaScript exceptions: the native side
/// never unwinds into V8.
template <napi_value (*Fn)(const Args&)>
napi_value entry(napi_env env, napi_callback_info info) noexcept {
  try {
    Args args(env, info);
    return Fn(args);
  } catch (const JsPending&) {
    // The failed napi call left its exception pending; make sure one is.
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, nullptr, "minisock: Node-API call failed");
  } catch (const JsThrow& e) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) {
      if (e.typeError)
        napi_throw_type_error(env, nullptr, e.message.c_str());
      else
        napi_throw_error(env, nullptr, e.message.c_str());
    }
  } catch (const std::exception& e) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, nullptr, (std::string("minisock: ") + e.what()).c_str());
  } catch (...) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, nullptr, "minisock: unknown native error");
  }
  return nullptr;
}

}  // namespace minisock::node
