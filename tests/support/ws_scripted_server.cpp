#include "ws_scripted_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <stdexcept>

namespace minisock::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxRequest = 16 * 1024;
constexpr std::uint64_t kMaxPayload = 64u << 20;
constexpr auto kRequestLimit = std::chrono::seconds(10);
constexpr int kSliceMs = 50;  // how often a wait looks at the stopping flag

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

int sliceUntil(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<std::int64_t>(left, 0, kSliceMs));
}

// Reads an HTTP head (up to the blank line) from fd: at most kMaxRequest bytes, until
// `deadline`. Returns the head (empty when incomplete) and puts what followed it in `rest`.
std::string readHead(int fd, const std::atomic<bool>& stopping, Clock::time_point deadline,
                     std::string& rest) {
  std::string data;
  std::size_t end = std::string::npos;
  char buf[4096];
  while (end == std::string::npos && data.size() < kMaxRequest && !stopping) {
    const int slice = sliceUntil(deadline);
    if (slice == 0) break;
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, slice);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const ssize_t n = ::recv(fd, buf, std::min(sizeof buf, kMaxRequest - data.size()), 0);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) break;
    if (n < 0) continue;
    data.append(buf, static_cast<std::size_t>(n));
    end = data.find("\r\n\r\n");
  }
  if (end == std::string::npos) return {};
  rest = data.substr(end + 4);
  data.resize(end + 4);
  return data;
}

}  // namespace

std::string websocketAccept(std::string_view key) {
  const std::string input = std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digestSize = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &digestSize, EVP_sha1(), nullptr) != 1)
    return {};
  unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(encoded, digest, static_cast<int>(digestSize));
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
}

std::optional<std::string> headerValue(std::string_view head, std::string_view name) {
  std::size_t pos = head.find('\n');  // skip the request or status line
  while (pos != std::string_view::npos && pos + 1 < head.size()) {
    const std::size_t start = pos + 1;
    const std::size_t end = head.find('\n', start);
    std::string_view line =
        head.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // end of the head
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), name))
      return std::string(trim(line.substr(colon + 1)));
    pos = end;
  }
  return std::nullopt;
}

std::vector<std::string> splitList(std::string_view value) {
  std::vector<std::string> items;
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    const std::string_view item = trim(value.substr(0, comma));
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return items;
}

int Frame::closeCode() const {
  if (payload.size() < 2) return 0;
  return (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
}

std::string Frame::closeReason() const { return payload.size() > 2 ? payload.substr(2) : ""; }

// ---------------------------------------------------------------------------------------------

ScriptedConnection::ScriptedConnection(int fd, std::string request, std::string leftover,
                                       const std::atomic<bool>& stopping)
    : fd_(fd), request_(std::move(request)), in_(std::move(leftover)), stopping_(stopping) {
  acceptKey_ = websocketAccept(header("Sec-WebSocket-Key").value_or(""));
  // Bound every send: a peer that stops reading cannot block the server thread for long.
  timeval tv{5, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

ScriptedConnection::~ScriptedConnection() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string> ScriptedConnection::header(std::string_view name) const {
  return headerValue(request_, name);
}

bool ScriptedConnection::sendRaw(std::string_view bytes) {
  if (fd_ < 0) return false;
  return sendAll(fd_, bytes.data(), bytes.size());
}

bool ScriptedConnection::sendHandshake(std::string_view extraHeaders) {
  std::string response =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      acceptKey_ + "\r\n";
  response += extraHeaders;
  if (!extraHeaders.empty() && !response.ends_with("\r\n")) response += "\r\n";
  response += "\r\n";
  return sendRaw(response);
}

bool ScriptedConnection::sendFrame(std::uint8_t opcode, std::string_view payload, bool fin,
                                   bool masked, std::uint8_t rsv) {
  std::string frame;
  frame.reserve(payload.size() + 14);
  frame += static_cast<char>((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0F));
  const char maskBit = masked ? static_cast<char>(0x80) : 0;
  const std::uint64_t size = payload.size();
  if (size < 126) {
    frame += static_cast<char>(maskBit | static_cast<char>(size));
  } else if (size <= 0xFFFF) {
    frame += static_cast<char>(maskBit | 126);
    frame += static_cast<char>((size >> 8) & 0xFF);
    frame += static_cast<char>(size & 0xFF);
  } else {
    frame += static_cast<char>(maskBit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) frame += static_cast<char>((size >> shift) & 0xFF);
  }
  if (masked) {
    const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
    frame.append(reinterpret_cast<const char*>(key), 4);
    for (std::size_t i = 0; i < payload.size(); ++i)
      frame += static_cast<char>(payload[i] ^ static_cast<char>(key[i % 4]));
  } else {
    frame.append(payload);
  }
  return sendRaw(frame);
}

bool ScriptedConnection::sendClose(int code, std::string_view reason) {
  std::string payload;
  payload += static_cast<char>((code >> 8) & 0xFF);
  payload += static_cast<char>(code & 0xFF);
  payload.append(reason);
  return sendFrame(ws_opcode::close, payload);
}

ScriptedConnection::Fill ScriptedConnection::fill(Clock::time_point deadline) {
  char buf[64 * 1024];
  while (fd_ >= 0 && !stopping_) {
    const int slice = sliceUntil(deadline);
    if (slice == 0) return Fill::timeout;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, slice);
    if (ready < 0 && errno != EINTR) return Fill::closed;
    if (ready <= 0) continue;
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      in_.append(buf, static_cast<std::size_t>(n));
      return Fill::data;
    }
    if (n == 0) return Fill::closed;
    if (errno != EINTR && errno != EAGAIN) return Fill::closed;
  }
  return fd_ >= 0 ? Fill::timeout : Fill::closed;
}

std::optional<Frame> ScriptedConnection::readFrame(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto* b = reinterpret_cast<const unsigned char*>(in_.data());
    if (in_.size() >= 2) {
      Frame f;
      f.fin = (b[0] & 0x80) != 0;
      f.rsv = static_cast<std::uint8_t>((b[0] >> 4) & 7);
      f.opcode = static_cast<std::uint8_t>(b[0] & 0x0F);
      f.masked = (b[1] & 0x80) != 0;
      std::uint64_t size = b[1] & 0x7F;
      std::size_t headerSize = 2;
      bool complete = true;
      if (size == 126) {
        headerSize = 4;
        complete = in_.size() >= headerSize;
        if (complete) size = (std::uint64_t{b[2]} << 8) | b[3];
      } else if (size == 127) {
        headerSize = 10;
        complete = in_.size() >= headerSize;
        if (complete) {
          size = 0;
          for (int i = 2; i < 10; ++i) size = (size << 8) | b[i];
        }
      }
      if (complete && size > kMaxPayload) return std::nullopt;
      if (f.masked) headerSize += 4;
      if (complete && in_.size() >= headerSize + size) {
        if (f.masked)
          for (int i = 0; i < 4; ++i) f.maskKey[i] = b[headerSize - 4 + i];
        f.payload = in_.substr(headerSize, size);
        if (f.masked)
          for (std::size_t i = 0; i < f.payload.size(); ++i)
            f.payload[i] = static_cast<char>(f.payload[i] ^ static_cast<char>(f.maskKey[i % 4]));
        in_.erase(0, headerSize + size);
        return f;
      }
    }
    if (fill(deadline) != Fill::data) return std::nullopt;
  }
}

void ScriptedConnection::closeAbruptly() {
  if (fd_ < 0) return;
  // Unread input would make close() send a reset; discard what has arrived.
  char buf[64 * 1024];
  while (::recv(fd_, buf, sizeof buf, MSG_DONTWAIT) > 0) {
  }
  ::close(fd_);
  fd_ = -1;
}

void ScriptedConnection::reset() {
  if (fd_ < 0) return;
  closeWithReset(fd_);
  fd_ = -1;
}

bool ScriptedConnection::waitForPeerClose(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return false;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    in_.clear();
    switch (fill(deadline)) {
      case Fill::data:
        continue;
      case Fill::closed:
        return true;
      case Fill::timeout:
        return false;
    }
  }
}

// ---------------------------------------------------------------------------------------------

WsScriptedServer::WsScriptedServer(Script script) : script_(std::move(script)) {
  server_ = std::make_unique<RawServer>(
      [this](int fd, const std::atomic<bool>& stopping) { handle(fd, stopping); });
  port_ = server_->port();
}

WsScriptedServer::~WsScriptedServer() { server_.reset(); }

std::vector<std::string> WsScriptedServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::string WsScriptedServer::url(std::string_view path) const {
  return "ws://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void WsScriptedServer::handle(int fd, const std::atomic<bool>& stopping) {
  std::string rest;
  std::string request = readHead(fd, stopping, Clock::now() + kRequestLimit, rest);
  if (request.empty()) {
    ::close(fd);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
  }
  ScriptedConnection connection(fd, std::move(request), std::move(rest), stopping);
  try {
    script_(connection);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "WsScriptedServer: script threw: %s\n", e.what());
  }
}

// ---------------------------------------------------------------------------------------------

RawWsClient::RawWsClient(int port, std::string_view request, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("RawWsClient: socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // A loopback connect to a listening port completes (or is refused) at once.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    throw std::runtime_error("RawWsClient: connect failed");
  }
  std::string rest;
  std::string head;
  if (sendAll(fd, request.data(), request.size())) head = readHead(fd, stopping_, deadline, rest);
  connection_ =
      std::make_unique<ScriptedConnection>(fd, std::move(head), std::move(rest), stopping_);
}

}  // namespace minisock::testing
