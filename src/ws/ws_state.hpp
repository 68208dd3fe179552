#pragma once
// What a Runtime keeps for its WebSocket tasks (loop thread only): tasks counted against
// Policy::maxWebSockets, the TLS context (made on the first wss task), and the older global
// calls' listeners and target. RuntimeCore holds it (made on first use; at shutdown its listeners
// and target are dropped, the state itself lives as long as the core).

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/listener_registry.hpp"
#include "core/ws_options.hpp"
#include "minisock/socket_task.hpp"

namespace minisock::detail {

class SocketTaskImpl;
class TlsContext;

struct WsState {
  int activeWebSockets = 0;
  std::shared_ptr<TlsContext> tls;
  ListenerRegistry<SocketTask::OpenEvent> open;
  ListenerRegistry<SocketTask::MessageEvent> message;
  ListenerRegistry<ErrorEvent> error;
  ListenerRegistry<SocketTask::CloseEvent> close;
  std::weak_ptr<SocketTaskImpl> current;                 // the most recent task
  std::optional<std::pair<std::string, WsUrl>> lastUrl;  // the last URL that parsed
  std::uint64_t currentId = 0;

  std::array<ListenerRegistryBase*, 4> registries() { return {&open, &message, &error, &close}; }
};

}  // namespace minisock::detail
