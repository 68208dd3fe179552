#include "output.hpp"

#include <boost/json/serialize.hpp>
#include <cstdio>

namespace minisock::cli {
namespace {

std::string_view asText(std::span<const std::byte> data) {
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}

// The library's own advice names the C++ API; on the command line the switch is --policy.
constexpr std::string_view kLibraryHint =
    "; change that Policy field or use Policy::unrestricted() to allow it";
// Likewise a certificate failure advises Policy::caFile, which is --ca here.
constexpr std::string_view kCaHint = "Policy::caFile";

}  // namespace

Output::Output(OutputSettings settings) : settings_(std::move(settings)) {}

void Output::event(std::string_view name, boost::json::object fields) {
  if (!settings_.json) return;
  boost::json::object object;
  object["event"] = name;
  for (auto& field : fields) object[field.key()] = std::move(field.value());
  writeOut(boost::json::serialize(object) + "\n");
}

void Output::status(std::string_view text, std::string_view name, boost::json::object fields) {
  if (settings_.json) return event(name, std::move(fields));
  if (!settings_.quiet) writeErr("minisock " + settings_.name + ": " + std::string(text) + "\n");
}

void Output::warning(std::string_view text) { status(text, "warning", {{"text", text}}); }

void Output::line(std::string_view text) { writeOut(std::string(text) + "\n"); }

void Output::message(std::span<const std::byte> data, DataKind kind, Framing framing,
                     boost::json::object fields) {
  const bool asHex = kind != DataKind::text && settings_.hex;
  if (settings_.json) {
    const bool showText =
        kind == DataKind::text || (kind == DataKind::bytes && !asHex && validUtf8(asText(data)));
    fields["data"] = showText ? boost::json::string(asText(data)) : boost::json::string(hex(data));
    fields["binary"] = !showText;
    fields["size"] = data.size();
    return event("message", std::move(fields));
  }
  std::string out = asHex ? hex(data) : std::string(asText(data));
  if (asHex || framing == Framing::message) out += '\n';
  writeOut(out);
}

void Output::error(const ErrorEvent& e) {
  std::string text = e.errMsg;
  if (e.errCode == static_cast<int>(ErrorCode::noPermission)) {
    const std::string hint = "; refused by --policy " + settings_.policy +
                             ": run with --policy unrestricted (or another --policy) to allow it";
    if (text.ends_with(kLibraryHint)) text.resize(text.size() - kLibraryHint.size());
    text += hint;
  }
  if (const auto at = text.find(kCaHint); at != std::string::npos)
    text.replace(at, kCaHint.size(), "--ca FILE");
  if (settings_.json)
    event("error", {{"errMsg", e.errMsg}, {"errCode", e.errCode}, {"errNo", e.errNo}});
  writeErr("minisock " + settings_.name + ": " + text + "\n");
}

void Output::failure(std::string_view text) {
  if (settings_.json) event("error", {{"errMsg", text}});
  writeErr("minisock " + settings_.name + ": " + std::string(text) + "\n");
}

std::string Output::hex(std::span<const std::byte> data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (std::byte b : data) {
    out += kDigits[std::to_integer<unsigned>(b) >> 4];
    out += kDigits[std::to_integer<unsigned>(b) & 0xf];
  }
  return out;
}

bool Output::validUtf8(std::string_view text) {
  // RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned c = *p;
    int extra = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
      ++p;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      const unsigned next = p[i];
      if (next < (i == 1 ? lo : 0x80) || next > (i == 1 ? hi : 0xBF)) return false;
    }
    p += extra + 1;
  }
  return true;
}

void Output::writeOut(std::string_view text) {
  std::lock_guard lock(mutex_);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void Output::writeErr(std::string_view text) {
  std::lock_guard lock(mutex_);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace minisock::cli
