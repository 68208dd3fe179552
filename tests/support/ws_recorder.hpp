#pragma once
// Records a SocketTask's events and callbacks in order.

#include <minisock/minisock.hpp>
#include <string>
#include <vector>

namespace minisock::testing {

struct WsRecorder {
  std::vector<std::string>
      order;  // "success", "fail", "complete", "open", "message", "error", "close"
  std::vector<std::string> texts;  // text messages
  std::vector<std::vector<std::byte>> binaries;
  std::vector<CallbackResult> results;  // of success/fail/complete
  std::vector<ErrorEvent> errors;
  std::vector<SocketTask::OpenEvent> opens;
  std::vector<SocketTask::CloseEvent> closes;

  Callback callback(const char* name) {
    return [this, name](const CallbackResult& r) {
      order.emplace_back(name);
      results.push_back(r);
    };
  }
  void attach(SocketTask& task) {
    task.onOpen([this](const SocketTask::OpenEvent& e) {
      order.emplace_back("open");
      opens.push_back(e);
    });
    task.onMessage([this](const SocketTask::MessageEvent& e) {
      order.emplace_back("message");
      if (const auto* t = std::get_if<std::string_view>(&e.data)) {
        texts.emplace_back(*t);
      } else {
        const auto& b = std::get<std::span<const std::byte>>(e.data);
        binaries.emplace_back(b.begin(), b.end());
      }
    });
    task.onError([this](const ErrorEvent& e) {
      order.emplace_back("error");
      errors.push_back(e);
    });
    task.onClose([this](const SocketTask::CloseEvent& e) {
      order.emplace_back("close");
      closes.push_back(e);
    });
  }
};

}  // namespace minisock::testing
