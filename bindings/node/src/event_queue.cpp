// EventQueue: the one crossing from the loop threads to JavaScript.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "addon.hpp"

namespace minisock::node {

namespace {

// Records converted per call of the JavaScript drain function (one handle scope each).
constexpr std::size_t kChunk = 1024;
constexpr std::uint32_t kStride = 5;
// An arena that grew past this is given back after a delivery.
constexpr std::size_t kArenaKeep = 1 << 20;

napi_value headerObject(napi_env env, const HeaderFields& fields) {
  napi_value obj = makeObject(env);
  for (const auto& [name, value] : fields) {
    bool has = false;
    napi_value key = makeString(env, name);
    check(napi_has_own_property(env, obj, key, &has));
    if (has) {
      // A repeated field: its values joined as HTTP allows (RFC 9110 section 5.3).
      napi_value before;
      check(napi_get_property(env, obj, key, &before));
      std::string joined = toString(env, before) + ", " + value;
      check(napi_set_property(env, obj, key, makeString(env, joined)));
    } else {
      check(napi_set_property(env, obj, key, makeString(env, value)));
    }
  }
  return obj;
}

napi_value openObject(napi_env env, const SocketTask::OpenEvent& e) {
  napi_value obj = makeObject(env);
  setProp(env, obj, "header", headerObject(env, e.header));
  napi_value profile = makeObject(env);
  const SocketTask::Profile& p = e.profile;
  setProp(env, profile, "fetchStart", makeNumber(env, p.fetchStart));
  setProp(env, profile, "domainLookUpStart", makeNumber(env, p.domainLookUpStart));
  setProp(env, profile, "domainLookUpEnd", makeNumber(env, p.domainLookUpEnd));
  setProp(env, profile, "connectStart", makeNumber(env, p.connectStart));
  setProp(env, profile, "connectEnd", makeNumber(env, p.connectEnd));
  setProp(env, profile, "handshakeCost", makeNumber(env, p.handshakeCost));
  setProp(env, profile, "cost", makeNumber(env, p.cost));
  setProp(env, profile, "rtt", makeNumber(env, p.rtt));
  setProp(env, obj, "profile", profile);
  setProp(env, obj, "protocol", makeString(env, e.protocol));
  return obj;
}

napi_value addressObject(napi_env env, const std::string& address, const std::string& family,
                         int port) {
  napi_value obj = makeObject(env);
  setProp(env, obj, "address", makeString(env, address));
  setProp(env, obj, "family", makeString(env, family));
  setProp(env, obj, "port", makeInt(env, port));
  return obj;
}

void finalizeLarge(napi_env, void*, void* hint) {
  delete static_cast<std::vector<std::byte>*>(hint);
}

}  // namespace

void EventQueue::appendBytes(Record& r, std::span<const std::byte> bytes) {
  // Large binary messages go to JavaScript without a second copy; anything that would take
  // the arena past what a 32-bit offset reaches (JavaScript far behind) is kept apart too.
  const bool large = r.kind == Kind::MessageBinary && bytes.size() >= kLargeMessage;
  if (large || arena_.size() + bytes.size() > UINT32_MAX) {
    r.large = std::make_unique<std::vector<std::byte>>(bytes.begin(), bytes.end());
    return;
  }
  r.offset = static_cast<std::uint32_t>(arena_.size());
  r.length = static_cast<std::uint32_t>(bytes.size());
  arena_.insert(arena_.end(), bytes.begin(), bytes.end());
}

void EventQueue::appendText(Record& r, std::string_view text) {
  appendBytes(r, std::as_bytes(std::span(text.data(), text.size())));
}

void EventQueue::commit(Record&& r) {
  records_.push_back(std::move(r));
  wake();
}

void EventQueue::wake() {
  if (scheduled_ || tsfn_ == nullptr) return;
  // Nonblocking on an unbounded queue: never waits. One call per batch: `scheduled_` stays
  // set until deliver() takes the records.
  if (napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking) == napi_ok)
    scheduled_ = true;
}

void EventQueue::pushSimple(Kind kind, std::uint32_t target) {
  std::lock_guard lock(mutex_);
  commit(Record{.kind = kind, .target = target});
}

void EventQueue::pushMessage(std::uint32_t target, bool text, std::span<const std::byte> bytes,
                             const InfoPair* changedInfo) {
  std::lock_guard lock(mutex_);
  if (changedInfo) {
    Record info{.kind = Kind::Info, .target = target};
    info.info = std::make_unique<InfoPair>(*changedInfo);
    records_.push_back(std::move(info));
  }
  Record r{.kind = text ? Kind::MessageText : Kind::MessageBinary, .target = target};
  appendBytes(r, bytes);
  commit(std::move(r));
}

void EventQueue::pushError(std::uint32_t target, const ErrorEvent& error) {
  std::lock_guard lock(mutex_);
  Record r{.kind = Kind::Error, .target = target, .a = error.errCode, .b = error.errNo};
  appendText(r, error.errMsg);
  commit(std::move(r));
}

void EventQueue::pushClose(std::uint32_t target, int code, std::string_view reason) {
  std::lock_guard lock(mutex_);
  Record r{.kind = Kind::Close, .target = target, .a = code};
  appendText(r, reason);
  commit(std::move(r));
}

void EventQueue::pushOpen(std::uint32_t target, const SocketTask::OpenEvent& open) {
  std::lock_guard lock(mutex_);
  Record r{.kind = Kind::Open, .target = target};
  r.open = std::make_unique<SocketTask::OpenEvent>(open);
  commit(std::move(r));
}

void EventQueue::pushCallback(Kind kind, std::uint32_t target, const CallbackResult& result) {
  std::lock_guard lock(mutex_);
  Record r{.kind = kind, .target = target, .a = result.errNo};
  appendText(r, result.errMsg);
  commit(std::move(r));
}

void EventQueue::attach(napi_threadsafe_function tsfn) {
  std::lock_guard lock(mutex_);
  tsfn_ = tsfn;
  if (!records_.empty()) wake();
}

void EventQueue::detach() {
  std::lock_guard lock(mutex_);
  tsfn_ = nullptr;
}

void EventQueue::deliver(napi_env env, napi_value drain) {
  {
    std::lock_guard lock(mutex_);
    scheduled_ = false;
    delivering_.swap(records_);
    deliveringArena_.swap(arena_);
  }
  const std::byte* arena = deliveringArena_.data();
  auto bytesOf = [&](const Record& r) -> std::span<const std::byte> {
    if (r.large) return *r.large;
    return {arena + r.offset, r.length};
  };
  auto text = [&](const Record& r) {
    auto b = bytesOf(r);
    return makeString(env, std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
  };
  napi_value undefined = undefinedValue(env);
  for (std::size_t begin = 0; begin < delivering_.size(); begin += kChunk) {
    const std::size_t end = std::min(delivering_.size(), begin + kChunk);
    napi_handle_scope scope;
    check(napi_open_handle_scope(env, &scope));
    try {
      napi_value batch;
      check(napi_create_array_with_length(env, (end - begin) * kStride, &batch));
      std::uint32_t i = 0;
      for (std::size_t k = begin; k < end; ++k, i += kStride) {
        Record& r = delivering_[k];
        napi_value p1 = undefined, p2 = undefined, p3 = undefined;
        switch (r.kind) {
          case Kind::MessageBinary:
            if (r.large &&
                napi_create_external_arraybuffer(env, r.large->data(), r.large->size(),
                                                 finalizeLarge, r.large.get(), &p1) == napi_ok) {
              r.large.release();  // now owned by the ArrayBuffer
            } else {
              // Small, or a runtime that refuses external buffers: copied into V8's memory.
              bool pending = false;
              napi_is_exception_pending(env, &pending);
              if (pending) throw JsPending{};
              p1 = makeArrayBuffer(env, bytesOf(r));
            }
            break;
          case Kind::MessageText:
            p1 = text(r);
            break;
          case Kind::Error:
            p1 = text(r);
            p2 = makeInt(env, r.a);
            p3 = makeInt(env, r.b);
            break;
          case Kind::Close:
            p1 = makeInt(env, r.a);
            p2 = text(r);
            break;
          case Kind::Open:
            p1 = openObject(env, *r.open);
            break;
          case Kind::Info:
            p1 = addressObject(env, r.info->remote.address, r.info->remote.family,
                               r.info->remote.port);
            p2 =
                addressObject(env, r.info->local.address, r.info->local.family, r.info->local.port);
            break;
          case Kind::Success:
          case Kind::Fail:
          case Kind::Complete:
            p1 = text(r);
            p2 = makeInt(env, r.a);
            break;
          case Kind::Connect:
          case Kind::BindWifi:
          case Kind::Listening:
            break;
        }
        check(napi_set_element(env, batch, i, makeInt(env, static_cast<int>(r.kind))));
        check(napi_set_element(env, batch, i + 1, makeNumber(env, r.target)));
        if (p1 != undefined) check(napi_set_element(env, batch, i + 2, p1));
        if (p2 != undefined) check(napi_set_element(env, batch, i + 3, p2));
        if (p3 != undefined) check(napi_set_element(env, batch, i + 4, p3));
      }
      napi_value result;
      napi_status status = napi_call_function(env, undefined, drain, 1, &batch, &result);
      if (status == napi_pending_exception) {
        // lib/bridge.js catches listener exceptions itself; anything else is a bug of ours,
        // reported as Node reports an uncaught exception.
        napi_value error;
        if (napi_get_and_clear_last_exception(env, &error) == napi_ok)
          napi_fatal_exception(env, error);
      }
    } catch (const JsPending&) {
      napi_value error;
      if (napi_get_and_clear_last_exception(env, &error) == napi_ok)
        napi_fatal_exception(env, error);
    }
    napi_close_handle_scope(env, scope);
  }
  delivering_.clear();
  deliveringArena_.clear();
  if (deliveringArena_.capacity() > kArenaKeep) deliveringArena_.shrink_to_fit();
}

}  // namespace minisock::node
