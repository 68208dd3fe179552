#pragma once
// SocketTask's implementation: Boost.Beast's WebSocket client (over TCP, or TLS through Asio's
// OpenSSL stream) driven by a state machine on the loop thread.
//
// Opening: validate options and policy → success/complete → resolve → TCP → TLS → upgrade
// (checked against what was offered) → Open. One async_read is always pending while open;
// sends queue and go out one async_write at a time; close() flushes the queue, then runs
// Beast's closing handshake. Every end goes through finish(): Error (at most once), Close.

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <optional>
#include <variant>

#include "core/asio_types.hpp"
#include "core/fifo_queue.hpp"
#include "core/proxy.hpp"
#include "core/runtime_core.hpp"
#include "core/ws_options.hpp"
#include "minisock/socket_task.hpp"
#include "ws/cork_stream.hpp"
#include "ws/tls_transport.hpp"
#include "ws/ws_errors.hpp"

namespace minisock::detail {

class SocketTaskImpl final : public SocketBase {
 public:
  SocketTaskImpl(std::shared_ptr<RuntimeLink> link, std::uint64_t id);
  ~SocketTaskImpl() override;

  /// Begins the task (any thread; runs on the loop).
  void start(ConnectSocketOption option);
  void send(SocketTask::SendOption option);
  /// `global`: called through Runtime::closeSocket (closing before open does not close).
  void close(SocketTask::CloseOption option, bool global);
  void pause() { paused_.store(true, std::memory_order_relaxed); }
  void resume();
  bool isPaused() const noexcept { return paused_.load(std::memory_order_relaxed); }

  int readyState() const noexcept { return readyState_.load(std::memory_order_acquire); }
  std::uint64_t id() const noexcept { return id_; }
  std::size_t bufferedAmount() const noexcept { return buffered_.load(std::memory_order_relaxed); }

  void abortFromRuntime() noexcept override;

  ListenerRegistry<SocketTask::OpenEvent> openListeners;
  ListenerRegistry<SocketTask::MessageEvent> messageListeners;
  ListenerRegistry<ErrorEvent> errorListeners;
  ListenerRegistry<SocketTask::CloseEvent> closeListeners;
  std::array<ListenerRegistryBase*, 4> registries() {
    return {&openListeners, &messageListeners, &errorListeners, &closeListeners};
  }

  /// The public handle, in the same allocation: connectSocket returns a shared_ptr that owns
  /// this impl and points here. Its own pointer back does not own (no cycle); SocketTask
  /// cannot be copied or moved out, so it never outlives the impl.
  SocketTask handle{std::shared_ptr<SocketTaskImpl>(std::shared_ptr<void>(), this)};

 private:
  using tcp = boost::asio::ip::tcp;
  // CorkStream (cork_stream.hpp) coalesces Beast's small writes into one system call;
  // TlsTransport (tls_transport.hpp) sends the last handshake flight with the upgrade request.
  using PlainWs = boost::beast::websocket::stream<CorkStream<TcpSocket>>;
  using TlsWs = boost::beast::websocket::stream<
      CorkStream<boost::asio::ssl::stream<TlsTransport<TcpSocket>>>>;
  using Clock = std::chrono::steady_clock;

  std::shared_ptr<SocketTaskImpl> self() {
    return std::static_pointer_cast<SocketTaskImpl>(shared_from_this());
  }
  template <class F>
  decltype(auto) withWs(F&& f) {
    return std::visit(std::forward<F>(f), *ws_);
  }
  TcpSocket& lowest();

  void doStart(ConnectSocketOption& option);
  void connectTo(std::vector<tcp::endpoint> endpoints);
  void connectTo(const tcp::endpoint& endpoint);
  /// Through a proxy (NetworkOptions): its address (looked up when a name), the connection,
  /// the tunnel; then onConnected as for a direct connection.
  void connectToProxy();
  void openTunnelThenHandshake();
  void onConnected(const boost::system::error_code& ec);
  void tlsHandshake();
  void wsHandshake();
  void onHandshake(const boost::system::error_code& ec);
  void startRead();
  void onRead(const boost::system::error_code& ec);
  /// What the error mapping (ws_errors.hpp) needs to know of this task now.
  WsContext context();
  /// Ends the task as the mapping says for `ec` at `step` (nothing when it is not an end).
  void end(WsStep step, const boost::system::error_code& ec, bool fromIo = false);
  void end(WsStep step, const boost::system::error_code& ec, bool fromIo, const WsContext& context);
  /// The control callback: the server's close frame arrived (Beast answers it next).
  void doSend(SocketTask::SendOption& option);
  void writeNext();
  void onWritten(const boost::system::error_code& ec);
  /// Fails every queued (not in-flight) send through its callbacks.
  void failQueuedSends();
  /// Bounds a close: finish() with an Error if still CLOSING after kClosingDeadline.
  void armClosingDeadline();
  // What the deadlines call (Deadlines keeps a weak reference).
  void onOpeningTimeout();
  void onClosingDeadline();
  void onCloseAnswerTimeout();
  /// Beast's teardown starts (CorkStream::TeardownHook): the close frames are exchanged, or
  /// Beast sent its own after a protocol failure; the teardown is bounded by
  /// SocketTask::kServerEndTimeout from here, so no other timer may cut it short.
  static void onTeardown(void* owner);
  void doClose(SocketTask::CloseOption& option, bool global);
  void startClosingHandshake();
  void onClosed(const boost::system::error_code& ec);
  /// Fails the connection because the server broke the protocol: sends `code`, then ends.
  void protocolFailure(int code, std::string errMsg);
  void failOpening(std::string reason,
                   int errNo = static_cast<int>(UnifiedErrno::unknownNetworkError),
                   ErrorCode code = ErrorCode::systemError);
  /// The one way a task ends: optional Error, then Close{code, reason}; idempotent.
  /// Error and Close are posted, except from an I/O completion (`fromIo`) when none of this
  /// task's callbacks is still queued: then they are dispatched at once.
  void finish(std::optional<ErrorEvent> error, int code, std::string reason, bool fromIo = false);
  void dispatchError(const ErrorEvent& error);
  void dispatchClose(const SocketTask::CloseEvent& event);
  void postCallbacks(const Callback& first, const Callback& complete, CallbackResult result);
  bool isCurrentTask() const;
  double epochMs(Clock::time_point t) const;

  const std::uint64_t id_;
  std::atomic<int> readyState_{SocketTask::CONNECTING};
  std::atomic<std::size_t> buffered_{0};
  bool counted_ = false;  // holds one of Policy::maxWebSockets
  bool writing_ = false;
  bool closeStarted_ = false;
  bool reading_ = false;             // a read of ours is pending (startRead)
  std::atomic<bool> paused_{false};  // pause()/resume(); read on the loop thread
  int deferred_ = 0;                 // this task's callbacks and events posted and not yet run

  // What only the opening handshake needs; released once the task is open.
  struct Opening {
    ConnectSocketOption option;
    WsUrl url;
    boost::beast::websocket::response_type response;
    std::shared_ptr<std::atomic<bool>> lookup;  // a name lookup under way (Resolver::Ticket)
    Clock::time_point fetchStart{}, lookupStart{}, lookupEnd{}, connectStart{}, connectEnd{},
        handshakeStart{};
    double fetchStartEpochMs = 0;
    bool tlsSessionReused = false;
  };
  std::unique_ptr<Opening> opening_;
  const ProxyUrl* proxy_ = nullptr;  // the Runtime's, while opening through it
  std::chrono::milliseconds heartbeat_{0};
  std::optional<std::variant<PlainWs, TlsWs>> ws_;
  Deadlines::Handle deadline_;     // the opening timeout, then the whole close's (15 s)
  Deadlines::Handle closeAnswer_;  // the server's answer to our close frame (5 s)
  boost::beast::flat_buffer readBuffer_;
  FifoQueue<SocketTask::SendOption> sendQueue_;
  std::optional<SocketTask::SendOption> inFlight_;  // being written: Beast reads from it
  int closeCode_ = 1000;
  std::string closeReason_;
  std::optional<ErrorEvent> pendingError_;  // set by protocolFailure while its close runs
};

}  // namespace minisock::detail
