#include "ws_common.hpp"

#include <vector>

namespace minisock::cli {

std::optional<std::pair<std::string, std::string>> parseHeaderOption(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  const auto first = text.find_first_not_of(" \t", colon + 1);
  const auto last = text.find_last_not_of(" \t");
  std::string value = first == std::string::npos ? "" : text.substr(first, last - first + 1);
  return std::pair{text.substr(0, colon), std::move(value)};
}

void printMessage(Output& out, const SocketTask::MessageEvent& e) {
  if (const auto* text = std::get_if<std::string_view>(&e.data)) {
    out.message({reinterpret_cast<const std::byte*>(text->data()), text->size()}, DataKind::text,
                Framing::message, {{"type", "text"}});
  } else {
    out.message(std::get<std::span<const std::byte>>(e.data), DataKind::binary, Framing::message,
                {{"type", "binary"}});
  }
}

SocketTask::Data copyData(const SocketTask::MessageEvent& e) {
  if (const auto* text = std::get_if<std::string_view>(&e.data)) return std::string(*text);
  const auto bytes = std::get<std::span<const std::byte>>(e.data);
  return std::vector<std::byte>(bytes.begin(), bytes.end());
}

}  // namespace minisock::cli
