// Node-API over JavaScriptCore's C API: the functions bindings/node/src calls, with Node's
// semantics where the binding can tell (status codes, which conversions throw, UTF-8 with
// U+FFFD for what cannot be encoded, externals finalized when collected). Not a general
// Node-API: what the binding does not call is not here.
#include "napi_jsc.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

using minisock::jsc::toJs;
using minisock::jsc::toNapi;

namespace {

/// What a collected external leaves for the host thread to run.
struct Release {
  napi_finalize finalize = nullptr;
  void* data = nullptr;
  void* hint = nullptr;
};

}  // namespace

struct napi_env__ {
  JSGlobalContextRef ctx = nullptr;
  minisock::jsc::EnvHooks hooks;
  JSClassRef externalClass = nullptr;
  JSClassRef functionClass = nullptr;
  JSObjectRef functionPrototype = nullptr;  // protected
  JSObjectRef freeze = nullptr;             // Object.freeze, protected
  JSObjectRef typeError = nullptr;          // TypeError, protected
  JSValueRef pending = nullptr;             // the pending exception, protected while set
  void* instanceData = nullptr;
  napi_finalize instanceFinalize = nullptr;
  void* instanceHint = nullptr;
  std::unordered_set<napi_ref> references;
  std::mutex releasesMutex;
  std::vector<Release> releases;  // guarded by releasesMutex
  int scopes = 0;
  bool halted = false;
  // The last string converted to UTF-8 within the current native call (the binding measures,
  // then copies a long string: one conversion serves both). Reset on each call's entry and exit.
  JSValueRef lastString = nullptr;
  std::string lastUtf8;
};

struct napi_ref__ {
  JSValueRef value = nullptr;  // protected while count > 0
  std::uint32_t count = 0;
};

struct napi_callback_info__ {
  JSObjectRef thisObject;
  std::size_t argc;
  const JSValueRef* argv;
  void* data;
};

namespace {

/// The private data of an external object.
struct External {
  napi_env env;
  void* data;
  napi_finalize finalize;
  void* hint;
};

/// The private data of a native function.
struct Function {
  napi_env env;
  napi_callback callback;
  void* data;
};

napi_status setPending(napi_env env, JSValueRef exception) {
  if (env->pending != nullptr) JSValueUnprotect(env->ctx, env->pending);
  env->pending = exception;
  if (exception != nullptr) JSValueProtect(env->ctx, exception);
  return napi_pending_exception;
}

/// After a JSC call that may have thrown into `exception`.
napi_status checked(napi_env env, JSValueRef exception) {
  return exception == nullptr ? napi_ok : setPending(env, exception);
}

using minisock::jsc::JsString;

// ---- UTF-8 <-> UTF-16, as V8 does it for Node-API: what cannot be converted is U+FFFD ----

std::u16string fromUtf8(const char* s, std::size_t n) {
  std::u16string out;
  out.reserve(n);
  const auto* p = reinterpret_cast<const unsigned char*>(s);
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = p[i];
    if (c < 0x80) {
      out.push_back(static_cast<char16_t>(c));
      ++i;
      continue;
    }
    // A well-formed sequence (Unicode Table 3-7), else one U+FFFD per maximal subpart.
    std::size_t len = 0;
    unsigned cp = 0, lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3, cp = c & 0x0F;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4, cp = c & 0x07;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    if (len == 0) {
      out.push_back(u'\uFFFD');
      ++i;
      continue;
    }
    std::size_t k = 1;
    for (; k < len && i + k < n; ++k) {
      const unsigned b = p[i + k];
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) break;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (k < len) {
      out.push_back(u'\uFFFD');
      i += k;
      continue;
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

std::string toUtf8(const JSChar* s, std::size_t n) {
  std::string out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    unsigned cp = s[i];
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (s[i + 1] - 0xDC00u);
      ++i;
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      cp = 0xFFFD;  // a lone surrogate
    }
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return out;
}

JSValueRef makeString(napi_env env, const char* s, std::size_t n) {
  const std::u16string text = fromUtf8(s, n);
  JsString str(
      JSStringCreateWithCharacters(reinterpret_cast<const JSChar*>(text.data()), text.size()));
  return JSValueMakeString(env->ctx, str.get());
}

// ---- finalizers (any thread) and native functions ----

void finalizeExternal(JSObjectRef object) {
  auto* e = static_cast<External*>(JSObjectGetPrivate(object));
  if (e == nullptr) return;
  if (e->finalize != nullptr) {
    napi_env env = e->env;
    {
      std::lock_guard lock(env->releasesMutex);
      env->releases.push_back({e->finalize, e->data, e->hint});
    }
    if (env->hooks.wake) env->hooks.wake();
  }
  delete e;
}

void finalizeFunction(JSObjectRef object) {
  delete static_cast<Function*>(JSObjectGetPrivate(object));
}

JSValueRef callFunction(JSContextRef, JSObjectRef function, JSObjectRef thisObject,
                        std::size_t argc, const JSValueRef argv[], JSValueRef* exception) {
  auto* f = static_cast<Function*>(JSObjectGetPrivate(function));
  if (f == nullptr) return nullptr;
  napi_env env = f->env;
  // After an uncaught exception the host is ending (as Node's process, which dies before the
  // current event's Promise jobs run): what those jobs still call does nothing.
  if (env->halted) return JSValueMakeUndefined(env->ctx);
  napi_callback_info__ info{thisObject, argc, argv, f->data};
  env->lastString = nullptr;
  napi_value result = f->callback(env, &info);
  env->lastString = nullptr;
  if (env->pending != nullptr) {
    *exception = env->pending;
    JSValueUnprotect(env->ctx, env->pending);
    env->pending = nullptr;
    return JSValueMakeUndefined(env->ctx);
  }
  return result != nullptr ? toJs(result) : JSValueMakeUndefined(env->ctx);
}

JSObjectRef globalProperty(JSGlobalContextRef ctx, const char* property) {
  JsString n(property);
  JSValueRef v = JSObjectGetProperty(ctx, JSContextGetGlobalObject(ctx), n.get(), nullptr);
  return JSValueToObject(ctx, v, nullptr);
}

/// A new Error (`ctor` nullptr) or instance of `ctor` with `msg` (and `code`), pending.
napi_status throwNew(napi_env env, JSObjectRef ctor, const char* code, const char* msg) {
  JSValueRef message = makeString(env, msg, std::strlen(msg));
  JSValueRef exception = nullptr;
  JSObjectRef error = ctor == nullptr
                          ? JSObjectMakeError(env->ctx, 1, &message, &exception)
                          : JSObjectCallAsConstructor(env->ctx, ctor, 1, &message, &exception);
  if (exception != nullptr) return setPending(env, exception);
  if (code != nullptr) {
    JsString n("code");
    JSObjectSetProperty(env->ctx, error, n.get(), makeString(env, code, std::strlen(code)),
                        kJSPropertyAttributeNone, nullptr);
  }
  setPending(env, error);
  return napi_ok;
}

double toInteger32(double d) {  // ECMAScript ToInt32 / ToUint32's common part, modulo 2^32
  if (!std::isfinite(d)) return 0;
  double m = std::fmod(std::trunc(d), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return m;
}

}  // namespace

namespace minisock::jsc {

napi_env createEnv(JSGlobalContextRef ctx, EnvHooks hooks) {
  auto* env = new napi_env__();
  env->ctx = ctx;
  env->hooks = std::move(hooks);
  JSClassDefinition external = kJSClassDefinitionEmpty;
  external.className = "External";
  external.finalize = finalizeExternal;
  env->externalClass = JSClassCreate(&external);
  JSClassDefinition function = kJSClassDefinitionEmpty;
  function.className = "Function";
  function.callAsFunction = callFunction;
  function.finalize = finalizeFunction;
  env->functionClass = JSClassCreate(&function);
  JSObjectRef functionCtor = globalProperty(ctx, "Function");
  JsString prototype("prototype");
  env->functionPrototype = JSValueToObject(
      ctx, JSObjectGetProperty(ctx, functionCtor, prototype.get(), nullptr), nullptr);
  JSObjectRef object = globalProperty(ctx, "Object");
  JsString freeze("freeze");
  env->freeze =
      JSValueToObject(ctx, JSObjectGetProperty(ctx, object, freeze.get(), nullptr), nullptr);
  env->typeError = globalProperty(ctx, "TypeError");
  JSValueProtect(ctx, env->functionPrototype);
  JSValueProtect(ctx, env->freeze);
  JSValueProtect(ctx, env->typeError);
  return env;
}

bool runReleases(napi_env env) {
  std::vector<Release> due;
  {
    std::lock_guard lock(env->releasesMutex);
    due.swap(env->releases);
  }
  for (const Release& r : due) r.finalize(env, r.data, r.hint);
  return !due.empty();
}

void releaseReferences(napi_env env) {
  for (napi_ref ref : env->references) {
    if (ref->count > 0) JSValueUnprotect(env->ctx, ref->value);
    ref->count = 0;
  }
  setPending(env, nullptr);
  for (JSObjectRef* v : {&env->functionPrototype, &env->freeze, &env->typeError}) {
    if (*v != nullptr) JSValueUnprotect(env->ctx, *v);
    *v = nullptr;
  }
}

void halt(napi_env env) { env->halted = true; }

std::string utf8Of(JSStringRef s) {
  return toUtf8(JSStringGetCharactersPtr(s), JSStringGetLength(s));
}

JSValueRef makeStringValue(JSContextRef ctx, std::string_view utf8) {
  const std::u16string text = fromUtf8(utf8.data(), utf8.size());
  JsString str(
      JSStringCreateWithCharacters(reinterpret_cast<const JSChar*>(text.data()), text.size()));
  return JSValueMakeString(ctx, str.get());
}

void destroyEnv(napi_env env) {
  runReleases(env);
  if (env->instanceFinalize != nullptr)
    env->instanceFinalize(env, env->instanceData, env->instanceHint);
  runReleases(env);  // what the instance's finalizer let go
  for (napi_ref ref : env->references) delete ref;
  JSClassRelease(env->externalClass);
  JSClassRelease(env->functionClass);
  delete env;
}

}  // namespace minisock::jsc

// ---- Node-API ----

extern "C" {

napi_status napi_get_undefined(napi_env env, napi_value* result) {
  *result = toNapi(JSValueMakeUndefined(env->ctx));
  return napi_ok;
}

napi_status napi_get_global(napi_env env, napi_value* result) {
  *result = toNapi(JSContextGetGlobalObject(env->ctx));
  return napi_ok;
}

napi_status napi_get_boolean(napi_env env, bool value, napi_value* result) {
  *result = toNapi(JSValueMakeBoolean(env->ctx, value));
  return napi_ok;
}

napi_status napi_create_object(napi_env env, napi_value* result) {
  *result = toNapi(JSObjectMake(env->ctx, nullptr, nullptr));
  return napi_ok;
}

napi_status napi_create_array_with_length(napi_env env, size_t length, napi_value* result) {
  JSValueRef exception = nullptr;
  JSObjectRef array = JSObjectMakeArray(env->ctx, 0, nullptr, &exception);
  if (exception != nullptr) return setPending(env, exception);
  JsString n("length");
  JSObjectSetProperty(env->ctx, array, n.get(),
                      JSValueMakeNumber(env->ctx, static_cast<double>(length)),
                      kJSPropertyAttributeNone, &exception);
  *result = toNapi(array);
  return checked(env, exception);
}

napi_status napi_create_double(napi_env env, double value, napi_value* result) {
  *result = toNapi(JSValueMakeNumber(env->ctx, value));
  return napi_ok;
}

napi_status napi_create_int32(napi_env env, int32_t value, napi_value* result) {
  *result = toNapi(JSValueMakeNumber(env->ctx, value));
  return napi_ok;
}

napi_status napi_create_uint32(napi_env env, uint32_t value, napi_value* result) {
  *result = toNapi(JSValueMakeNumber(env->ctx, value));
  return napi_ok;
}

napi_status napi_create_string_utf8(napi_env env, const char* str, size_t length,
                                    napi_value* result) {
  if (str == nullptr && length != 0) return napi_invalid_arg;
  if (length == NAPI_AUTO_LENGTH) length = std::strlen(str);
  *result = toNapi(makeString(env, str, length));
  return napi_ok;
}

napi_status napi_create_function(napi_env env, const char* utf8name, size_t, napi_callback cb,
                                 void* data, napi_value* result) {
  JSObjectRef f = JSObjectMake(env->ctx, env->functionClass, new Function{env, cb, data});
  JSObjectSetPrototype(env->ctx, f, env->functionPrototype);
  if (utf8name != nullptr) {
    JsString n("name");
    JsString value(utf8name);
    JSObjectSetProperty(env->ctx, f, n.get(), JSValueMakeString(env->ctx, value.get()),
                        kJSPropertyAttributeReadOnly | kJSPropertyAttributeDontEnum, nullptr);
  }
  *result = toNapi(f);
  return napi_ok;
}

napi_status napi_throw_error(napi_env env, const char* code, const char* msg) {
  return throwNew(env, nullptr, code, msg);
}

napi_status napi_throw_type_error(napi_env env, const char* code, const char* msg) {
  return throwNew(env, env->typeError, code, msg);
}

napi_status napi_is_exception_pending(napi_env env, bool* result) {
  *result = env->pending != nullptr;
  return napi_ok;
}

napi_status napi_get_and_clear_last_exception(napi_env env, napi_value* result) {
  if (env->pending == nullptr) return napi_get_undefined(env, result);
  *result = toNapi(env->pending);
  JSValueUnprotect(env->ctx, env->pending);  // on the caller's stack now
  env->pending = nullptr;
  return napi_ok;
}

napi_status napi_fatal_exception(napi_env env, napi_value err) {
  if (env->hooks.uncaught) env->hooks.uncaught(toJs(err));
  return napi_ok;
}

napi_status napi_typeof(napi_env env, napi_value value, napi_valuetype* result) {
  JSValueRef v = toJs(value);
  switch (JSValueGetType(env->ctx, v)) {
    case kJSTypeUndefined:
      *result = napi_undefined;
      break;
    case kJSTypeNull:
      *result = napi_null;
      break;
    case kJSTypeBoolean:
      *result = napi_boolean;
      break;
    case kJSTypeNumber:
      *result = napi_number;
      break;
    case kJSTypeString:
      *result = napi_string;
      break;
    case kJSTypeSymbol:
      *result = napi_symbol;
      break;
    case kJSTypeBigInt:
      *result = napi_bigint;
      break;
    case kJSTypeObject: {
      JSObjectRef o = JSValueToObject(env->ctx, v, nullptr);
      if (JSValueIsObjectOfClass(env->ctx, v, env->externalClass))
        *result = napi_external;
      else if (o != nullptr && JSObjectIsFunction(env->ctx, o))
        *result = napi_function;
      else
        *result = napi_object;
      break;
    }
  }
  return napi_ok;
}

napi_status napi_get_value_double(napi_env env, napi_value value, double* result) {
  if (!JSValueIsNumber(env->ctx, toJs(value))) return napi_number_expected;
  *result = JSValueToNumber(env->ctx, toJs(value), nullptr);
  return napi_ok;
}

napi_status napi_get_value_int32(napi_env env, napi_value value, int32_t* result) {
  if (!JSValueIsNumber(env->ctx, toJs(value))) return napi_number_expected;
  const double m = toInteger32(JSValueToNumber(env->ctx, toJs(value), nullptr));
  *result = static_cast<int32_t>(static_cast<uint32_t>(m));
  return napi_ok;
}

napi_status napi_get_value_uint32(napi_env env, napi_value value, uint32_t* result) {
  if (!JSValueIsNumber(env->ctx, toJs(value))) return napi_number_expected;
  *result = static_cast<uint32_t>(toInteger32(JSValueToNumber(env->ctx, toJs(value), nullptr)));
  return napi_ok;
}

napi_status napi_get_value_bool(napi_env env, napi_value value, bool* result) {
  if (!JSValueIsBoolean(env->ctx, toJs(value))) return napi_boolean_expected;
  *result = JSValueToBoolean(env->ctx, toJs(value));
  return napi_ok;
}

napi_status napi_get_value_string_utf8(napi_env env, napi_value value, char* buf, size_t bufsize,
                                       size_t* result) {
  if (!JSValueIsString(env->ctx, toJs(value))) return napi_string_expected;
  if (env->lastString != toJs(value)) {
    JsString s(JSValueToStringCopy(env->ctx, toJs(value), nullptr));
    env->lastUtf8 = toUtf8(JSStringGetCharactersPtr(s.get()), JSStringGetLength(s.get()));
    env->lastString = toJs(value);
  }
  const std::string& utf8 = env->lastUtf8;
  if (buf == nullptr) {
    if (result == nullptr) return napi_invalid_arg;
    *result = utf8.size();
    return napi_ok;
  }
  if (bufsize == 0) {
    if (result != nullptr) *result = 0;
    return napi_ok;
  }
  std::size_t n = utf8.size() < bufsize - 1 ? utf8.size() : bufsize - 1;
  // As V8: never half a character.
  while (n < utf8.size() && n > 0 && (static_cast<unsigned char>(utf8[n]) & 0xC0) == 0x80) --n;
  std::memcpy(buf, utf8.data(), n);
  buf[n] = '\0';
  if (result != nullptr) *result = n;
  return napi_ok;
}

napi_status napi_set_named_property(napi_env env, napi_value object, const char* utf8name,
                                    napi_value value) {
  JSObjectRef o = JSValueToObject(env->ctx, toJs(object), nullptr);
  if (o == nullptr) return napi_object_expected;
  JSValueRef exception = nullptr;
  JsString n(utf8name);
  JSObjectSetProperty(env->ctx, o, n.get(), toJs(value), kJSPropertyAttributeNone, &exception);
  return checked(env, exception);
}

napi_status napi_get_named_property(napi_env env, napi_value object, const char* utf8name,
                                    napi_value* result) {
  if (!JSValueIsObject(env->ctx, toJs(object))) return napi_object_expected;
  JSObjectRef o = JSValueToObject(env->ctx, toJs(object), nullptr);
  JSValueRef exception = nullptr;
  JsString n(utf8name);
  *result = toNapi(JSObjectGetProperty(env->ctx, o, n.get(), &exception));
  return checked(env, exception);
}

napi_status napi_set_element(napi_env env, napi_value object, uint32_t index, napi_value value) {
  JSObjectRef o = JSValueToObject(env->ctx, toJs(object), nullptr);
  if (o == nullptr) return napi_object_expected;
  JSValueRef exception = nullptr;
  JSObjectSetPropertyAtIndex(env->ctx, o, index, toJs(value), &exception);
  return checked(env, exception);
}

napi_status napi_get_element(napi_env env, napi_value object, uint32_t index, napi_value* result) {
  if (!JSValueIsObject(env->ctx, toJs(object))) return napi_object_expected;
  JSObjectRef o = JSValueToObject(env->ctx, toJs(object), nullptr);
  JSValueRef exception = nullptr;
  *result = toNapi(JSObjectGetPropertyAtIndex(env->ctx, o, index, &exception));
  return checked(env, exception);
}

napi_status napi_get_array_length(napi_env env, napi_value value, uint32_t* result) {
  if (!JSValueIsArray(env->ctx, toJs(value))) return napi_array_expected;
  JSObjectRef o = JSValueToObject(env->ctx, toJs(value), nullptr);
  JSValueRef exception = nullptr;
  JsString n("length");
  JSValueRef length = JSObjectGetProperty(env->ctx, o, n.get(), &exception);
  if (exception != nullptr) return setPending(env, exception);
  *result = static_cast<uint32_t>(JSValueToNumber(env->ctx, length, nullptr));
  return napi_ok;
}

napi_status napi_object_freeze(napi_env env, napi_value object) {
  JSValueRef exception = nullptr;
  JSValueRef arg = toJs(object);
  JSObjectCallAsFunction(env->ctx, env->freeze, nullptr, 1, &arg, &exception);
  return checked(env, exception);
}

napi_status napi_get_cb_info(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv,
                             napi_value* thisArg, void** data) {
  if (argv != nullptr && argc != nullptr) {
    for (std::size_t i = 0; i < *argc; ++i)
      argv[i] = i < info->argc ? toNapi(info->argv[i]) : toNapi(JSValueMakeUndefined(env->ctx));
  }
  if (argc != nullptr) *argc = info->argc;
  if (thisArg != nullptr)
    *thisArg = info->thisObject != nullptr ? toNapi(info->thisObject)
                                           : toNapi(JSValueMakeUndefined(env->ctx));
  if (data != nullptr) *data = info->data;
  return napi_ok;
}

napi_status napi_create_external(napi_env env, void* data, napi_finalize finalize_cb,
                                 void* finalize_hint, napi_value* result) {
  *result = toNapi(JSObjectMake(env->ctx, env->externalClass,
                                new External{env, data, finalize_cb, finalize_hint}));
  return napi_ok;
}

napi_status napi_get_value_external(napi_env env, napi_value value, void** result) {
  if (!JSValueIsObjectOfClass(env->ctx, toJs(value), env->externalClass)) return napi_invalid_arg;
  auto* e =
      static_cast<External*>(JSObjectGetPrivate(JSValueToObject(env->ctx, toJs(value), nullptr)));
  *result = e != nullptr ? e->data : nullptr;
  return napi_ok;
}

napi_status napi_create_reference(napi_env env, napi_value value, uint32_t initial_refcount,
                                  napi_ref* result) {
  auto* ref = new napi_ref__{toJs(value), initial_refcount};
  if (initial_refcount > 0) JSValueProtect(env->ctx, ref->value);
  env->references.insert(ref);
  *result = ref;
  return napi_ok;
}

napi_status napi_delete_reference(napi_env env, napi_ref ref) {
  if (env->references.erase(ref) == 0) return napi_invalid_arg;
  if (ref->count > 0) JSValueUnprotect(env->ctx, ref->value);
  delete ref;
  return napi_ok;
}

napi_status napi_get_reference_value(napi_env env, napi_ref ref, napi_value* result) {
  // Only strong references are made here (count >= 1); a released one reads as nullptr.
  (void)env;
  *result = ref->count > 0 ? toNapi(ref->value) : nullptr;
  return napi_ok;
}

napi_status napi_open_handle_scope(napi_env env, napi_handle_scope* result) {
  // JavaScriptCore scans the native stack: values in locals stay alive without scopes.
  ++env->scopes;
  *result = reinterpret_cast<napi_handle_scope>(env);
  return napi_ok;
}

napi_status napi_close_handle_scope(napi_env env, napi_handle_scope) {
  --env->scopes;
  return napi_ok;
}

napi_status napi_is_arraybuffer(napi_env env, napi_value value, bool* result) {
  *result =
      JSValueGetTypedArrayType(env->ctx, toJs(value), nullptr) == kJSTypedArrayTypeArrayBuffer;
  return napi_ok;
}

napi_status napi_create_arraybuffer(napi_env env, size_t byte_length, void** data,
                                    napi_value* result) {
  void* bytes = std::calloc(byte_length == 0 ? 1 : byte_length, 1);
  if (bytes == nullptr) return napi_generic_failure;
  JSValueRef exception = nullptr;
  JSObjectRef buffer = JSObjectMakeArrayBufferWithBytesNoCopy(
      env->ctx, bytes, byte_length, [](void* p, void*) { std::free(p); }, nullptr, &exception);
  if (exception != nullptr) return setPending(env, exception);  // bytes: the engine's (or lost)
  if (data != nullptr) *data = bytes;
  *result = toNapi(buffer);
  return napi_ok;
}

napi_status napi_get_arraybuffer_info(napi_env env, napi_value arraybuffer, void** data,
                                      size_t* byte_length) {
  JSObjectRef o = JSValueToObject(env->ctx, toJs(arraybuffer), nullptr);
  if (o == nullptr) return napi_invalid_arg;
  JSValueRef exception = nullptr;
  void* bytes = JSObjectGetArrayBufferBytesPtr(env->ctx, o, &exception);
  const std::size_t length = JSObjectGetArrayBufferByteLength(env->ctx, o, &exception);
  if (exception != nullptr) return setPending(env, exception);
  if (data != nullptr) *data = bytes;
  if (byte_length != nullptr) *byte_length = length;
  return napi_ok;
}

napi_status napi_set_instance_data(napi_env env, void* data, napi_finalize finalize_cb,
                                   void* finalize_hint) {
  env->instanceData = data;
  env->instanceFinalize = finalize_cb;
  env->instanceHint = finalize_hint;
  return napi_ok;
}

napi_status napi_get_instance_data(napi_env env, void** data) {
  *data = env->instanceData;
  return napi_ok;
}

napi_status napi_async_init(napi_env, napi_value, napi_value, napi_async_context* result) {
  *result = reinterpret_cast<napi_async_context>(1);  // no async hooks under JavaScriptCore
  return napi_ok;
}

napi_status napi_make_callback(napi_env env, napi_async_context, napi_value recv, napi_value func,
                               size_t argc, const napi_value* argv, napi_value* result) {
  if (env->halted) {
    if (result != nullptr) *result = toNapi(JSValueMakeUndefined(env->ctx));
    return napi_ok;
  }
  JSObjectRef f = JSValueToObject(env->ctx, toJs(func), nullptr);
  if (f == nullptr || !JSObjectIsFunction(env->ctx, f)) return napi_function_expected;
  JSObjectRef self = recv != nullptr ? JSValueToObject(env->ctx, toJs(recv), nullptr) : nullptr;
  env->lastString = nullptr;  // values seen before may be gone once JavaScript runs
  JSValueRef exception = nullptr;
  // An outermost call (from the host loop): JavaScriptCore runs the microtasks when it returns.
  JSValueRef r = JSObjectCallAsFunction(env->ctx, f, self, argc,
                                        reinterpret_cast<const JSValueRef*>(argv), &exception);
  if (result != nullptr) *result = toNapi(r);
  return checked(env, exception);
}

}  // extern "C"
