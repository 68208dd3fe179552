#pragma once
/// @file Helpers shared by the WebSocket subcommands (ws, autobahn).

#include <minisock/socket_task.hpp>
#include <optional>
#include <string>
#include <utility>

#include "output.hpp"

namespace minisock::cli {

/// Splits a --header value "Name: value" at its first colon (the value without the spaces
/// around it). Empty when there is no colon or no name; the library checks the rest.
std::optional<std::pair<std::string, std::string>> parseHeaderOption(const std::string& text);

/// Prints a received WebSocket message: text as text, binary raw or as hex (--hex), one per
/// line; in JSON, a "message" event with "type": "text" or "binary".
void printMessage(Output& out, const SocketTask::MessageEvent& e);

/// A copy of the message's data with its type, ready to send back.
SocketTask::Data copyData(const SocketTask::MessageEvent& e);

}  // namespace minisock::cli
