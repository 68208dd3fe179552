#include "minisock/socket_task.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/option.hpp>
#include <boost/beast/zlib/error.hpp>

#include <algorithm>
#include <array>
#include <type_traits>

#include "core/admission.hpp"
#include "core/asio_address.hpp"
#include "core/asio_errors.hpp"
#include "core/proxy_tunnel.hpp"
#include "core/resolver.hpp"
#include "core/utf8.hpp"
#include "minisock/runtime.hpp"
#include "tls/tls_context.hpp"
#include "ws/socket_task_impl.hpp"
#include "ws/ws_state.hpp"

namespace minisock {
namespace detail {
namespace {

namespace websocket = boost::beast::websocket;
namespace http = boost::beast::http;

constexpr auto kClosingHandshakeTimeout = std::chrono::seconds(5);
constexpr auto kClosingDeadline = std::chrono::seconds(15);  // queued messages + the handshake
constexpr std::size_t kFirstReadBytes = 256;                 // see startRead()
constexpr std::size_t kReadBufferKeep = 64 * 1024;           // larger read buffers may be released
constexpr int kNetworkInterrupted = static_cast<int>(UnifiedErrno::networkInterrupted);
constexpr bool kFromIo = true;  // finish() called from an I/O completion

// The bytes of a message, whichever form it came in.
boost::asio::const_buffer bytesOf(const SocketTask::Data& data) {
  return std::visit(
      [](const auto& d) {
        if constexpr (std::is_same_v<std::decay_t<decltype(d)>, SocketTask::SharedBytes>) {
          return d ? boost::asio::buffer(d->data(), d->size()) : boost::asio::const_buffer{};
        } else {
          return boost::asio::const_buffer(d.data(), d.size());
        }
      },
      data);
}

std::size_t sizeOf(const SocketTask::Data& data) { return bytesOf(data).size(); }

// Adds the user's headers and subprotocol offers to the upgrade request. Beast calls it while
// async_handshake starts, when the option it points to is alive; one pointer is small enough
// for Beast to keep without an allocation.
struct RequestDecorator {
  const ConnectSocketOption* option;
  void operator()(websocket::request_type& req) const {
    req.set(http::field::user_agent, "minisock/0.1");
    for (const auto& [name, value] : option->header) req.insert(name, value);
    if (!option->protocols.empty()) {
      std::string protocols;
      for (const auto& p : option->protocols) protocols += (protocols.empty() ? "" : ", ") + p;
      req.set(http::field::sec_websocket_protocol, protocols);
    }
  }
};

}  // namespace

SocketTaskImpl::SocketTaskImpl(std::shared_ptr<RuntimeLink> link, std::uint64_t id)
    : SocketBase(std::move(link)), id_(id) {}

SocketTaskImpl::~SocketTaskImpl() { releaseIo(ws_, opening_); }

TcpSocket& SocketTaskImpl::lowest() {
  return withWs([](auto& ws) -> TcpSocket& { return boost::beast::get_lowest_layer(ws); });
}

double SocketTaskImpl::epochMs(Clock::time_point t) const {
  return opening_->fetchStartEpochMs +
         std::chrono::duration<double, std::milli>(t - opening_->fetchStart).count();
}

bool SocketTaskImpl::isCurrentTask() const { return core().ws().currentId == id_; }

void SocketTaskImpl::postCallbacks(const Callback& first, const Callback& complete,
                                   CallbackResult result) {
  if (!first && !complete) return;
  ++deferred_;
  defer([self = self(), first, complete, result = std::move(result)] {
    --self->deferred_;
    if (self->aborted_) return;
    invokeCallback(first, result);
    if (self->aborted_) return;
    invokeCallback(complete, result);
  });
}

// ---- public entry points ----

void SocketTaskImpl::start(ConnectSocketOption option) {
  exec([self = self(), option = std::move(option)]() mutable { self->doStart(option); });
}

void SocketTaskImpl::send(SocketTask::SendOption option) {
  exec([self = self(), option = std::move(option)]() mutable { self->doSend(option); });
}

void SocketTaskImpl::close(SocketTask::CloseOption option, bool global) {
  exec([self = self(), option = std::move(option), global]() mutable {
    self->doClose(option, global);
  });
}

void SocketTaskImpl::abortFromRuntime() noexcept {
  holdLoop(false);
  aborted_ = true;
  readyState_ = SocketTask::CLOSED;
  boost::system::error_code ec;
  if (opening_ && opening_->lookup) opening_->lookup->store(true, std::memory_order_release);
  if (ws_) lowest().close(ec);
  ws_.reset();
  opening_.reset();
  deadline_ = {};  // entries left in Deadlines hold only a weak pointer
  closeAnswer_ = {};
  for (const auto& pending : sendQueue_) buffered_ -= sizeOf(pending.data);
  sendQueue_.clear();
  if (inFlight_) buffered_ -= sizeOf(inFlight_->data);
  dropListeners(registries(), nullptr);
}

// ---- opening ----

void SocketTaskImpl::doStart(ConnectSocketOption& option) {
  if (aborted_) return;
  auto& core = this->core();
  opening_ = std::make_unique<Opening>();
  opening_->fetchStart = Clock::now();
  opening_->fetchStartEpochMs =
      std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  opening_->option = std::move(option);
  // The platform caps the opening's timeout at 60 s rather than refusing more.
  opening_->option.timeout = std::min(opening_->option.timeout, SocketTask::kMaxOpeningTimeout);
  heartbeat_ = opening_->option.heartbeat;

  auto refuse = [&](std::string reason, int errNo, ErrorCode code) {
    CallbackResult result{"connectSocket:fail " + reason, errNo};
    postCallbacks(opening_->option.fail, opening_->option.complete, result);
    finish(makeError(code, result.errMsg, errNo), 1006, "");
  };
  // Reconnecting to the same URL is common: the last URL that parsed is kept per runtime.
  auto& lastUrl = core.ws().lastUrl;
  const bool parsed = lastUrl && lastUrl->first == opening_->option.url;
  if (parsed) opening_->url = lastUrl->second;
  const Policy& policy = core.policy;
  if (auto refusal = checkConnectSocketOption(policy, opening_->option, opening_->url, parsed))
    return refuse(std::move(refusal->reason), refusal->errNo, refusal->code);
  if (!parsed) lastUrl.emplace(opening_->option.url, opening_->url);

  postCallbacks(opening_->option.success, opening_->option.complete,
                CallbackResult{"connectSocket:ok", 0});

  if (policy.maxWebSockets > 0 && core.ws().activeWebSockets >= policy.maxWebSockets) {
    return finish(
        makeError(ErrorCode::systemError,
                  "exceed max task count: at most " + std::to_string(policy.maxWebSockets) +
                      " WebSocket connections at once (rule: maxWebSockets)",
                  static_cast<int>(UnifiedErrno::exceedMaxTaskCount)),
        1006, "");
  }
  ++core.ws().activeWebSockets;
  counted_ = true;
  // Admitted: the global calls act on this task from now on (a refused one never takes them
  // over, whether JavaScript or minisock refused it).
  core.ws().current = self();
  core.ws().currentId = id_;

  if (opening_->url.secure) {
    if (!core.ws().tls) core.ws().tls = std::make_shared<TlsContext>(policy, core.network);
    if (!core.ws().tls->loadError().empty()) return failOpening(core.ws().tls->loadError());
    ws_.emplace(std::in_place_type<TlsWs>, core.ioc, core.ws().tls->context());
  } else {
    ws_.emplace(std::in_place_type<PlainWs>, core.ioc);
  }
  withWs([&](auto& ws) {
    ws.next_layer().setOwner(weak_from_this(), &SocketTaskImpl::onTeardown);
    ws.next_layer().boundTeardown(SocketTask::kServerEndTimeout);
    // Told of the server's close frame before Beast echoes it, so that an echo of a code not
    // allowed on the wire becomes 1002. Only until our own close starts (no echo follows
    // then; and Beast 1.81's read, which with a control callback yields once before handling
    // a frame it already holds, can then leave a close() under way waiting for its answer).
    ws.control_callback([&ws](websocket::frame_type kind, boost::beast::string_view) {
      if (kind != websocket::frame_type::close) return;
      const auto code = static_cast<int>(ws.reason().code);
      if (code != static_cast<int>(websocket::close_code::none) && !isWireCloseCode(code))
        ws.next_layer().replaceNextBadCloseFrame();
    });
  });
  deadline_ =
      core.deadlines.add<&SocketTaskImpl::onOpeningTimeout>(opening_->option.timeout, self());

  opening_->lookupStart = opening_->lookupEnd = Clock::now();
  if (!core.networkProblem.empty()) return failOpening(core.networkProblem);
  if ((proxy_ = core.proxyFor(opening_->url.parsedHost)) != nullptr) return connectToProxy();
  if (opening_->url.parsedHost.kind != HostKind::name) {
    connectTo(tcp::endpoint(fromIP(opening_->url.parsedHost.ip),
                            static_cast<unsigned short>(opening_->url.port)));
    return;
  }
  opening_->lookup = core.resolver().resolve(
      opening_->url.parsedHost.name, Resolver::Family::any,
      [weak = weak_from_this()](Lookup lookup) {
        auto self = std::static_pointer_cast<SocketTaskImpl>(weak.lock());
        if (!self || self->aborted_ || self->readyState() != SocketTask::CONNECTING ||
            lookup.outcome == Lookup::Outcome::cancelled)
          return;
        self->opening_->lookupEnd = Clock::now();
        Admitted admitted =
            admitResolved(self->core().policy, self->opening_->url.parsedHost.name, lookup);
        if (admitted.addresses.empty()) {
          const int errNo = admitted.code == ErrorCode::noPermission
                                ? 0
                                : static_cast<int>(UnifiedErrno::unknownNetworkError);
          return self->failOpening(std::move(admitted.problem), errNo, admitted.code);
        }
        const auto port = static_cast<unsigned short>(self->opening_->url.port);
        std::vector<tcp::endpoint> endpoints;
        for (const IPAddress& ip : admitted.addresses) endpoints.emplace_back(fromIP(ip), port);
        self->connectTo(std::move(endpoints));
      });
}

void SocketTaskImpl::connectTo(std::vector<tcp::endpoint> endpoints) {
  if (endpoints.size() == 1) return connectTo(endpoints.front());
  opening_->connectStart = Clock::now();
  boost::asio::async_connect(lowest(), std::move(endpoints),
                             [self = self()](const boost::system::error_code& ec,
                                             const tcp::endpoint&) { self->onConnected(ec); });
}

void SocketTaskImpl::connectTo(const tcp::endpoint& endpoint) {
  // One address (the usual case): opened here so that EMFILE and the like keep their errno,
  // and connected directly (the range form closes and reopens the socket for each address).
  opening_->connectStart = Clock::now();
  boost::system::error_code ec;
  lowest().open(endpoint.protocol(), ec);
  if (ec) return end(WsStep::connect, ec);
  lowest().async_connect(endpoint, [self = self()](const boost::system::error_code& connected) {
    self->onConnected(connected);
  });
}

void SocketTaskImpl::connectToProxy() {
  const ProxyUrl& proxy = *proxy_;
  if (proxy.host.kind != HostKind::name)
    return connectTo(tcp::endpoint(fromIP(proxy.host.ip), proxy.port));
  // The proxy's own name: looked up here, with no Policy rule (the rules are the destination's).
  opening_->lookup = core().resolver().resolve(
      proxy.host.name, Resolver::Family::any, [weak = weak_from_this()](Lookup lookup) {
        auto self = std::static_pointer_cast<SocketTaskImpl>(weak.lock());
        if (!self || self->aborted_ || self->readyState() != SocketTask::CONNECTING ||
            lookup.outcome == Lookup::Outcome::cancelled)
          return;
        self->opening_->lookupEnd = Clock::now();
        std::string problem;
        auto endpoints = proxyEndpoints(*self->proxy_, lookup, problem);
        if (endpoints.empty()) return self->failOpening(std::move(problem));
        self->connectTo(std::move(endpoints));
      });
}

void SocketTaskImpl::openTunnelThenHandshake() {
  const ParsedHost& host = opening_->url.parsedHost;
  openTunnel(lowest(), *proxy_, TunnelTarget{host, static_cast<std::uint16_t>(opening_->url.port)},
             [self = self()](const TunnelResult& result) {
               if (self->aborted_ || self->readyState() != SocketTask::CONNECTING || result.aborted)
                 return;
               if (!result.problem.empty()) return self->failOpening(result.problem);
               self->proxy_ = nullptr;  // the tunnel is open: on as over a direct connection
               self->onConnected({});
             });
}

void SocketTaskImpl::onConnected(const boost::system::error_code& ec) {
  if (aborted_ || readyState() != SocketTask::CONNECTING) return;
  if (ec && proxy_) {
    return failOpening(fromAsio("connect to proxy " + proxy_->display, ec).errMsg);
  }
  if (ec) return end(WsStep::connect, ec);
  boost::system::error_code ignored;
  lowest().set_option(tcp::no_delay(opening_->option.tcpNoDelay), ignored);
  if (proxy_) return openTunnelThenHandshake();
  if (opening_->url.secure) return tlsHandshake();
  opening_->connectEnd = Clock::now();
  wsHandshake();
}

void SocketTaskImpl::tlsHandshake() {
  auto& stream = std::get<TlsWs>(*ws_).next_layer().next_layer();
  const bool isIp = opening_->url.parsedHost.kind != HostKind::name;
  const std::string host =
      isIp ? opening_->url.parsedHost.ip.toString() : opening_->url.parsedHost.name;
  if (std::string problem = core().ws().tls->prepare(
          stream.native_handle(), host, isIp, static_cast<std::uint16_t>(opening_->url.port));
      !problem.empty()) {
    return failOpening(problem);
  }
  // The client's last flight (TLS 1.3: Finished) goes out with the upgrade request.
  stream.next_layer().holdLastFlight(stream.native_handle());
  stream.async_handshake(
      boost::asio::ssl::stream_base::client, [self = self()](const boost::system::error_code& ec) {
        if (self->aborted_ || self->readyState() != SocketTask::CONNECTING) return;
        if (ec) {
          WsContext context = self->context();
          context.tlsVerifyResult = SSL_get_verify_result(
              std::get<TlsWs>(*self->ws_).next_layer().next_layer().native_handle());
          return self->end(WsStep::tlsHandshake, ec, false, context);
        }
        auto& tls = std::get<TlsWs>(*self->ws_).next_layer().next_layer();
        tls.next_layer().handshakeEnded();
        SSL* ssl = tls.native_handle();
        if (std::string problem = self->core().ws().tls->checkPins(ssl); !problem.empty())
          return self->failOpening(std::move(problem));
        self->opening_->tlsSessionReused = SSL_session_reused(ssl) == 1;
        self->opening_->connectEnd = Clock::now();
        self->wsHandshake();
      });
}

void SocketTaskImpl::wsHandshake() {
  opening_->handshakeStart = Clock::now();
  std::string problem;
  withWs([&](auto& ws) {
    ws.set_option(websocket::stream_base::decorator(RequestDecorator{&opening_->option}));
    websocket::permessage_deflate pmd;
    pmd.client_enable = opening_->option.perMessageDeflate;
    ws.set_option(pmd);
    ws.read_message_max(core().policy.maxWebSocketMessageSize);
    // Beast's defaults cut messages into 4 KiB frames; whole frames and a 64 KiB write buffer
    // avoid that cost for large messages.
    ws.auto_fragment(false);
    ws.write_buffer_bytes(64 * 1024);
    ws.set_option(websocket::stream_base::timeout{websocket::stream_base::none(),
                                                  websocket::stream_base::none(), false});
    ws.next_layer().limitUpgradeAnswer(SocketTask::kMaxUpgradeAnswerHeaderBytes);
    // Beast builds the request (the decorator's fields) before the operation starts, and throws
    // where a field does not fit; checkConnectSocketOption refuses such fields first, so this
    // is the last line, never the way a limit is reported.
    try {
      ws.async_handshake(
          opening_->response, opening_->url.hostHeader, opening_->url.target,
          [self = self()](const boost::system::error_code& ec) { self->onHandshake(ec); });
    } catch (const std::exception& e) {
      problem = std::string("cannot build the upgrade request: ") + e.what();
    }
  });
  if (!problem.empty()) failOpening(std::move(problem));
}

void SocketTaskImpl::onHandshake(const boost::system::error_code& ec) {
  if (aborted_ || readyState() != SocketTask::CONNECTING) return;
  if (ec) return end(WsStep::upgrade, ec);
  // Beast 1.81 accepts a subprotocol or an extension the client never offered; RFC 6455
  // requires the client to fail the connection.
  std::string protocol;
  if (std::string problem =
          checkUpgradeFields(opening_->option.protocols, opening_->option.perMessageDeflate,
                             opening_->response, protocol);
      !problem.empty()) {
    return failOpening(problem);
  }
  core().deadlines.cancel(deadline_);
  const auto opened = Clock::now();
  withWs([&](auto& ws) {
    websocket::stream_base::timeout t;
    // The closing handshake is bounded by closeAnswer_ (startClosingHandshake), not by a
    // timer of Beast's own.
    t.handshake_timeout = websocket::stream_base::none();
    if (opening_->option.heartbeat.count() > 0) {
      t.idle_timeout = opening_->option.heartbeat * 2;  // Beast pings at half of it
      t.keep_alive_pings = true;
    } else {
      t.idle_timeout = websocket::stream_base::none();
      t.keep_alive_pings = false;
    }
    ws.set_option(t);
  });
  readyState_ = SocketTask::OPEN;

  SocketTask::OpenEvent event;
  event.header.reserve(static_cast<std::size_t>(
      std::distance(opening_->response.begin(), opening_->response.end())));
  for (const auto& field : opening_->response)
    event.header.emplace_back(std::string(field.name_string()), std::string(field.value()));
  event.protocol = protocol;
  auto& p = event.profile;
  p.fetchStart = epochMs(opening_->fetchStart);
  p.domainLookUpStart = epochMs(opening_->lookupStart);
  p.domainLookUpEnd = epochMs(opening_->lookupEnd);
  p.connectStart = epochMs(opening_->connectStart);
  p.connectEnd = epochMs(opening_->connectEnd);
  p.handshakeCost =
      std::chrono::duration<double, std::milli>(opened - opening_->handshakeStart).count();
  p.cost = std::chrono::duration<double, std::milli>(opened - opening_->fetchStart).count();
  p.rtt = std::chrono::duration<double, std::milli>(opening_->connectEnd - opening_->connectStart)
              .count();
  p.tlsSessionReused = opening_->tlsSessionReused;
  opening_.reset();  // what only the opening needed: an open connection keeps less memory

  auto keep = self();
  openListeners.dispatch(event);
  if (!aborted_ && isCurrentTask()) core().ws().open.dispatch(event);
  if (aborted_ || readyState() == SocketTask::CLOSED) return;
  if (closeStarted_) return;  // close() in a listener: Beast's close reads until the answer
  startRead();
}

// ---- reading ----

void SocketTaskImpl::resume() {
  paused_.store(false, std::memory_order_relaxed);
  exec([self = self()] {
    if (self->aborted_ || self->isPaused()) return;
    self->holdLoop(false);
    if (self->reading_ || self->closeStarted_) return;
    if (self->readyState() == SocketTask::OPEN) self->startRead();
  });
}

void SocketTaskImpl::startRead() {
  if (isPaused() && readyState() == SocketTask::OPEN)
    return holdLoop(true);  // resume() reads again
  reading_ = true;
  // The first read of a message asks for little (Beast would prepare 1,536 bytes): an idle
  // connection then holds a small buffer, not a frame's worth. Later reads of the same message
  // take what the frame announces.
  const std::size_t limit = readBuffer_.size() == 0 ? kFirstReadBytes : 0;
  withWs([&](auto& ws) {
    ws.async_read_some(
        readBuffer_, limit,
        [self = self()](const boost::system::error_code& ec, std::size_t) { self->onRead(ec); });
  });
}

void SocketTaskImpl::onRead(const boost::system::error_code& ec) {
  reading_ = false;
  if (aborted_ || readyState() == SocketTask::CLOSED) return;
  if (ec) {
    // An error, or the server's close frame (answered): the mapping says how the task ends.
    // After a protocol failure of ours, the server's answer to our close frame ends it with
    // that failure.
    const WsContext c = context();
    const bool serverClosed =
        ec == websocket::error::closed ||
        (ec == boost::asio::ssl::error::stream_truncated && c.serverCloseCode != 0);
    if (pendingError_ && serverClosed) return finish(pendingError_, closeCode_, "", kFromIo);
    return end(WsStep::read, ec, kFromIo, c);
  }
  if (!withWs([](auto& ws) { return ws.is_message_done(); })) return startRead();
  const bool text = withWs([](auto& ws) { return ws.got_text(); });
  const auto bytes = readBuffer_.cdata();
  const std::string_view view(static_cast<const char*>(bytes.data()), bytes.size());
  if (text && endsInsideUtf8Sequence(view)) {
    // Beast 1.81 skips the end-of-message UTF-8 check when the last frame is empty.
    readBuffer_.consume(readBuffer_.size());
    return protocolFailure(1007,
                           "webSocket WebSocket protocol error from the server: a text message "
                           "ends inside a UTF-8 sequence");
  }
  if (readyState() == SocketTask::OPEN) {
    SocketTask::MessageEvent event;
    if (text) {
      event.data = view;
    } else {
      event.data =
          std::span<const std::byte>(static_cast<const std::byte*>(bytes.data()), bytes.size());
    }
    auto keep = self();
    messageListeners.dispatch(event);
    if (!aborted_ && readyState() == SocketTask::OPEN && isCurrentTask())
      core().ws().message.dispatch(event);
  }
  if (aborted_ || readyState() == SocketTask::CLOSED) return;
  // A large buffer is kept while messages keep filling it (no reallocation per message) and
  // released after a message that used less than a quarter of it.
  const std::size_t used = readBuffer_.size();
  readBuffer_.consume(used);
  if (readBuffer_.capacity() > kReadBufferKeep && used < readBuffer_.capacity() / 4)
    readBuffer_.shrink_to_fit();
  startRead();
}

// ---- sending ----

void SocketTaskImpl::doSend(SocketTask::SendOption& option) {
  if (aborted_) return;
  if (readyState() != SocketTask::OPEN) {
    return postCallbacks(
        option.fail, option.complete,
        CallbackResult{
            readyState() == SocketTask::CONNECTING
                ? "sendSocketMessage:fail webSocket is not connected"
                : "sendSocketMessage:fail webSocket is not connected (it is closing or closed)",
            0});
  }
  if (const auto* shared = std::get_if<SocketTask::SharedBytes>(&option.data); shared && !*shared) {
    return postCallbacks(option.fail, option.complete,
                         CallbackResult{"sendSocketMessage:fail data is a null SharedBytes", 0});
  }
  if (const auto* text = std::get_if<std::string>(&option.data); text && !isValidUtf8(*text)) {
    return postCallbacks(
        option.fail, option.complete,
        CallbackResult{
            "sendSocketMessage:fail text data is not valid UTF-8 (send it as binary data)", 0});
  }
  buffered_ += sizeOf(option.data);
  sendQueue_.push_back(std::move(option));
  if (!writing_) writeNext();
}

void SocketTaskImpl::writeNext() {
  if (sendQueue_.empty()) {
    writing_ = false;
    if (readyState() == SocketTask::CLOSING && !closeStarted_) startClosingHandshake();
    return;
  }
  writing_ = true;
  inFlight_ = std::move(sendQueue_.front());
  sendQueue_.pop_front();
  const auto& front = *inFlight_;
  withWs([&](auto& ws) {
    const bool text = std::holds_alternative<std::string>(front.data);
    ws.text(text);
    const auto buffer = bytesOf(front.data);
    ws.async_write(buffer, [self = self()](const boost::system::error_code& ec, std::size_t) {
      self->onWritten(ec);
    });
  });
}

void SocketTaskImpl::onWritten(const boost::system::error_code& ec) {
  if (aborted_ || !inFlight_) return;
  // The message stayed in inFlight_ until now, even across finish(): Beast reads from it.
  SocketTask::SendOption sent = std::move(*inFlight_);
  inFlight_.reset();
  writing_ = false;
  buffered_ -= sizeOf(sent.data);
  if (readyState() == SocketTask::CLOSED) {
    return postCallbacks(
        sent.fail, sent.complete,
        CallbackResult{"sendSocketMessage:fail the WebSocket closed before the message was sent",
                       kNetworkInterrupted});
  }
  if (ec) {
    postCallbacks(sent.fail, sent.complete,
                  CallbackResult{"sendSocketMessage:fail " + ec.message(), kNetworkInterrupted});
    failQueuedSends();
    return end(WsStep::write, ec);
  }
  if (sent.success || sent.complete) {
    const CallbackResult ok{"sendSocketMessage:ok", 0};
    invokeCallback(sent.success, ok);
    if (aborted_) return;
    invokeCallback(sent.complete, ok);
    if (aborted_) return;
  }
  if (readyState() == SocketTask::CLOSED) return;
  if (pendingError_) {  // a protocol failure: its close frame goes next, the queue was failed
    if (!closeStarted_) startClosingHandshake();
    return;
  }
  writeNext();
}

void SocketTaskImpl::failQueuedSends() {
  for (auto& pending : sendQueue_) {
    buffered_ -= sizeOf(pending.data);
    postCallbacks(
        pending.fail, pending.complete,
        CallbackResult{"sendSocketMessage:fail the WebSocket closed before the message was sent",
                       kNetworkInterrupted});
  }
  sendQueue_.clear();
}

void SocketTaskImpl::armClosingDeadline() {
  // Bounds the whole close: queued messages, then the closing handshake (Beast's own 5 s
  // timeout starts only once the close frame can be written).
  core().deadlines.cancel(deadline_);
  deadline_ = core().deadlines.add<&SocketTaskImpl::onClosingDeadline>(kClosingDeadline, self());
}

void SocketTaskImpl::onOpeningTimeout() {
  if (aborted_ || readyState() != SocketTask::CONNECTING) return;
  deadline_ = {};
  failOpening("timeout: the opening handshake did not finish within " +
              std::to_string(opening_->option.timeout.count()) + " ms" +
              (proxy_ ? " (still connecting through proxy " + proxy_->display + ")" : ""));
}

void SocketTaskImpl::onClosingDeadline() {
  if (aborted_ || readyState() != SocketTask::CLOSING) return;
  deadline_ = {};
  const std::size_t unsent = bufferedAmount();
  finish(makeError(ErrorCode::systemError,
                   "closeSocket: the closing handshake did not finish within " +
                       std::to_string(kClosingDeadline.count()) + " s (" + std::to_string(unsent) +
                       " bytes of messages were not sent)",
                   kNetworkInterrupted),
         1006, "");
}

void SocketTaskImpl::onCloseAnswerTimeout() {
  if (aborted_ || readyState() == SocketTask::CLOSED) return;
  closeAnswer_ = {};
  if (pendingError_) return finish(pendingError_, closeCode_, "");
  finish(makeError(ErrorCode::systemError,
                   "closeSocket: the server did not answer the close frame within 5 s",
                   kNetworkInterrupted),
         1006, "");
}

void SocketTaskImpl::onTeardown(void* owner) {
  auto& self = static_cast<SocketTaskImpl&>(*static_cast<SocketBase*>(owner));
  if (self.aborted_) return;
  // The server answered our close frame (or sent its own, or Beast failed the connection):
  // the wait for that answer is over.
  self.core().deadlines.cancel(self.closeAnswer_);
  // The teardown ends within kServerEndTimeout: the whole close's deadline would only report a
  // finished closing handshake as unfinished.
  self.core().deadlines.cancel(self.deadline_);
  // Beast's idle timer (the heartbeat) would close the socket under the teardown and turn its
  // end into a descriptor error; the teardown's own bound replaces it.
  self.withWs([](auto& ws) {
    ws.set_option(websocket::stream_base::timeout{websocket::stream_base::none(),
                                                  websocket::stream_base::none(), false});
  });
}

// ---- closing ----

void SocketTaskImpl::doClose(SocketTask::CloseOption& option, bool global) {
  if (aborted_) return;
  auto fail = [&](std::string why) {
    postCallbacks(option.fail, option.complete, CallbackResult{"closeSocket:fail " + why, 0});
  };
  if (std::string problem = checkCloseCode(option.code); !problem.empty()) return fail(problem);
  if (std::string problem = checkCloseReason(option.reason); !problem.empty()) return fail(problem);
  switch (readyState()) {
    case SocketTask::CONNECTING:
      if (global) {
        return fail(
            "the WebSocket is not open yet, and closing it before onSocketOpen does not close it");
      }
      postCallbacks(option.success, option.complete, CallbackResult{"closeSocket:ok", 0});
      return finish(std::nullopt, 1006, "");  // no closing handshake took place
    case SocketTask::OPEN:
      readyState_ = SocketTask::CLOSING;
      closeCode_ = option.code;
      closeReason_ = option.reason;
      postCallbacks(option.success, option.complete, CallbackResult{"closeSocket:ok", 0});
      armClosingDeadline();
      if (!writing_) startClosingHandshake();  // else after the queued messages have left
      return;
    default:
      return fail("the WebSocket is already closing or closed");
  }
}

void SocketTaskImpl::startClosingHandshake() {
  closeStarted_ = true;
  holdLoop(false);  // Beast's close reads until the answer: the loop has work
  withWs([](auto& ws) { ws.control_callback(); });  // see doStart()
  closeAnswer_ =
      core().deadlines.add<&SocketTaskImpl::onCloseAnswerTimeout>(kClosingHandshakeTimeout, self());
  withWs([&](auto& ws) {
    ws.async_close(
        websocket::close_reason(static_cast<websocket::close_code>(closeCode_), closeReason_),
        [self = self()](const boost::system::error_code& ec) { self->onClosed(ec); });
  });
}

void SocketTaskImpl::onClosed(const boost::system::error_code& ec) {
  if (aborted_ || readyState() == SocketTask::CLOSED) return;
  if (pendingError_) return finish(pendingError_, closeCode_, "", kFromIo);
  end(WsStep::closing, ec, kFromIo);
}

WsContext SocketTaskImpl::context() {
  WsContext c;
  c.closeStarted = closeStarted_;
  c.closeCode = closeCode_;
  c.heartbeat = heartbeat_;
  if (opening_) c.httpStatus = static_cast<int>(opening_->response.result_int());
  if (opening_ && ws_)
    c.answerStatus = withWs([](auto& ws) { return ws.next_layer().upgradeAnswerStatus(); });
  if (opening_ && ws_ && std::holds_alternative<TlsWs>(*ws_)) {
    c.clientCertificateRequested = TlsContext::clientCertificateRequested(
        std::get<TlsWs>(*ws_).next_layer().next_layer().native_handle());
    c.clientCertificateSent = core().ws().tls && core().ws().tls->hasClientCertificate();
  }
  if (ws_) {
    const auto reason = withWs([](auto& ws) { return ws.reason(); });
    if (reason.code != websocket::close_code::none) {
      c.serverCloseCode = static_cast<int>(reason.code);
      c.serverCloseReason = std::string(reason.reason.c_str());
    }
  }
  return c;
}

void SocketTaskImpl::end(WsStep step, const boost::system::error_code& ec, bool fromIo) {
  end(step, ec, fromIo, context());
}

void SocketTaskImpl::end(WsStep step, const boost::system::error_code& ec, bool fromIo,
                         const WsContext& context) {
  if (std::optional<WsEnding> ending = wsEnding(step, ec, context))
    finish(std::move(ending->error), ending->code, std::move(ending->reason), fromIo);
}

void SocketTaskImpl::protocolFailure(int code, std::string errMsg) {
  pendingError_ = makeError(ErrorCode::systemError, std::move(errMsg), 0);
  if (closeStarted_) return;  // a close is already under way: it reports the error when done
  if (readyState() == SocketTask::OPEN) armClosingDeadline();
  readyState_ = SocketTask::CLOSING;
  closeCode_ = code;
  closeReason_.clear();
  failQueuedSends();  // the connection is being failed: nothing more of the user's goes out
  if (!writing_) startClosingHandshake();  // else right after the message being written
}

void SocketTaskImpl::failOpening(std::string reason, int errNo, ErrorCode code) {
  finish(makeError(code, "connectSocket:fail " + reason, errNo), 1006, "");
}

void SocketTaskImpl::finish(std::optional<ErrorEvent> error, int code, std::string reason,
                            bool fromIo) {
  if (aborted_ || readyState() == SocketTask::CLOSED) return;
  readyState_ = SocketTask::CLOSED;
  holdLoop(false);
  if (counted_) {
    --core().ws().activeWebSockets;
    counted_ = false;
  }
  boost::system::error_code ignored;
  core().deadlines.cancel(deadline_);
  core().deadlines.cancel(closeAnswer_);
  if (opening_ && opening_->lookup) opening_->lookup->store(true, std::memory_order_release);
  if (ws_) lowest().close(ignored);
  failQueuedSends();  // the one in flight (inFlight_) is answered by onWritten
  SocketTask::CloseEvent event{code, std::move(reason)};
  if (fromIo && deferred_ == 0) {
    // Inside an I/O completion, with none of this task's callbacks still queued: nothing the
    // user is in the middle of, and nothing that must come first. Dispatched now, like Open
    // and Message (saves a loop turn per connection).
    auto keep = self();
    if (error) dispatchError(*error);
    if (!aborted_) dispatchClose(event);
    return;
  }
  if (error) {
    ++deferred_;
    defer([self = self(), error = std::move(*error)] {
      --self->deferred_;
      if (!self->aborted_) self->dispatchError(error);
    });
  }
  defer([self = self(), event = std::move(event)] {
    if (!self->aborted_) self->dispatchClose(event);
  });
}

void SocketTaskImpl::dispatchError(const ErrorEvent& error) {
  errorListeners.dispatch(error);
  if (!aborted_ && isCurrentTask()) core().ws().error.dispatch(error);
}

void SocketTaskImpl::dispatchClose(const SocketTask::CloseEvent& event) {
  closeListeners.dispatch(event);
  if (!aborted_ && isCurrentTask()) core().ws().close.dispatch(event);
  if (aborted_) return;
  // Nothing can fire after Close (later calls answer through their callbacks): dropping the
  // listeners breaks cycles of listeners that captured their own task's handle.
  dropListeners(registries(), nullptr);
  core().release(this);
}

}  // namespace detail

// ---- the public handle ----

SocketTask::SocketTask(std::shared_ptr<detail::SocketTaskImpl> impl) noexcept
    : impl_(std::move(impl)) {}
SocketTask::~SocketTask() = default;

void SocketTask::send(SendOption option) { impl_->send(std::move(option)); }
void SocketTask::close(CloseOption option) { impl_->close(std::move(option), false); }
void SocketTask::close() { impl_->close(CloseOption{}, false); }
void SocketTask::pause() { impl_->pause(); }
void SocketTask::resume() { impl_->resume(); }
bool SocketTask::isPaused() const noexcept { return impl_->isPaused(); }
int SocketTask::readyState() const noexcept { return impl_->readyState(); }
std::uint64_t SocketTask::socketTaskId() const noexcept { return impl_->id(); }
std::size_t SocketTask::bufferedAmount() const noexcept { return impl_->bufferedAmount(); }

ListenerId SocketTask::onOpen(Listener<OpenEvent> l) {
  return impl_->addListener(impl_->openListeners, std::move(l));
}
void SocketTask::offOpen(ListenerId id) { impl_->removeListener(impl_->openListeners, id); }
void SocketTask::offOpen() { impl_->removeListeners(impl_->openListeners); }
ListenerId SocketTask::onMessage(Listener<MessageEvent> l) {
  return impl_->addListener(impl_->messageListeners, std::move(l));
}
void SocketTask::offMessage(ListenerId id) { impl_->removeListener(impl_->messageListeners, id); }
void SocketTask::offMessage() { impl_->removeListeners(impl_->messageListeners); }
ListenerId SocketTask::onError(Listener<ErrorEvent> l) {
  return impl_->addListener(impl_->errorListeners, std::move(l));
}
void SocketTask::offError(ListenerId id) { impl_->removeListener(impl_->errorListeners, id); }
void SocketTask::offError() { impl_->removeListeners(impl_->errorListeners); }
ListenerId SocketTask::onClose(Listener<CloseEvent> l) {
  return impl_->addListener(impl_->closeListeners, std::move(l));
}
void SocketTask::offClose(ListenerId id) { impl_->removeListener(impl_->closeListeners, id); }
void SocketTask::offClose() { impl_->removeListeners(impl_->closeListeners); }

// ---- Runtime: connectSocket and the older global calls ----

namespace {

// Adds/removes a runtime-level listener on the loop thread.
template <class E>
ListenerId addGlobal(detail::RuntimeCore& core,
                     detail::ListenerRegistry<E> detail::WsState::*registry, Listener<E> fn,
                     std::atomic<std::uint64_t>& ids) {
  const ListenerId id{++ids};
  core.link->exec([&core, registry, id, fn = std::move(fn)]() mutable {
    (core.ws().*registry).add(id, std::move(fn));
  });
  return id;
}

template <class E>
void removeGlobal(detail::RuntimeCore& core, detail::ListenerRegistry<E> detail::WsState::*registry,
                  ListenerId id) {
  core.link->exec([&core, registry, id] { (core.ws().*registry).remove(id); });
}

std::atomic<std::uint64_t> globalListenerIds{0};

}  // namespace

std::shared_ptr<SocketTask> Runtime::connectSocket(ConnectSocketOption option) {
  return connectSocket(std::move(option), SocketTask::Listeners{});
}

std::shared_ptr<SocketTask> Runtime::connectSocket(ConnectSocketOption option,
                                                   SocketTask::Listeners listeners) {
  auto impl = std::make_shared<detail::SocketTaskImpl>(core_->link, ++core_->nextSocketTaskId);
  impl->addInitialListener(impl->openListeners, std::move(listeners.onOpen));
  impl->addInitialListener(impl->messageListeners, std::move(listeners.onMessage));
  impl->addInitialListener(impl->errorListeners, std::move(listeners.onError));
  impl->addInitialListener(impl->closeListeners, std::move(listeners.onClose));
  core_->adopt(impl);
  impl->start(std::move(option));
  SocketTask* handle = &impl->handle;
  return std::shared_ptr<SocketTask>(std::move(impl), handle);
}

ListenerId Runtime::onSocketOpen(Listener<SocketTask::OpenEvent> l) {
  return addGlobal(*core_, &detail::WsState::open, std::move(l), globalListenerIds);
}
ListenerId Runtime::onSocketMessage(Listener<SocketTask::MessageEvent> l) {
  return addGlobal(*core_, &detail::WsState::message, std::move(l), globalListenerIds);
}
ListenerId Runtime::onSocketError(Listener<ErrorEvent> l) {
  return addGlobal(*core_, &detail::WsState::error, std::move(l), globalListenerIds);
}
ListenerId Runtime::onSocketClose(Listener<SocketTask::CloseEvent> l) {
  return addGlobal(*core_, &detail::WsState::close, std::move(l), globalListenerIds);
}
void Runtime::offSocketOpen(ListenerId id) { removeGlobal(*core_, &detail::WsState::open, id); }
void Runtime::offSocketMessage(ListenerId id) {
  removeGlobal(*core_, &detail::WsState::message, id);
}
void Runtime::offSocketError(ListenerId id) { removeGlobal(*core_, &detail::WsState::error, id); }
void Runtime::offSocketClose(ListenerId id) { removeGlobal(*core_, &detail::WsState::close, id); }

// The lambdas below hold the core by raw pointer: they run only on the loop, while it lives
// (a shared_ptr in a queued handler would keep the io_context that holds it alive).
void Runtime::sendSocketMessage(SocketTask::SendOption option) {
  detail::RuntimeCore* core = core_.get();
  core->link->exec([core, option = std::move(option)]() mutable {
    if (auto task = core->ws().current.lock()) return task->send(std::move(option));
    const CallbackResult r{
        "sendSocketMessage:fail webSocket is not connected (no connectSocket task)", 0};
    core->link->defer([option = std::move(option), r] {
      detail::invokeCallback(option.fail, r);
      detail::invokeCallback(option.complete, r);
    });
  });
}

void Runtime::closeSocket(SocketTask::CloseOption option) {
  detail::RuntimeCore* core = core_.get();
  core->link->exec([core, option = std::move(option)]() mutable {
    if (auto task = core->ws().current.lock()) return task->close(std::move(option), true);
    const CallbackResult r{
        "closeSocket:fail there is no WebSocket to close (no connectSocket task)", 0};
    core->link->defer([option = std::move(option), r] {
      detail::invokeCallback(option.fail, r);
      detail::invokeCallback(option.complete, r);
    });
  });
}

}  // namespace minisock
