#pragma once
// TCPSocket's implementation: a state machine on the loop thread over an Asio TCP socket.
//
// Reads: one async_read_some pending into a 256-byte buffer of the socket's own (head_); a full
// one goes on with non-blocking reads into the runtime's shared receive buffer until EAGAIN,
// each chunk dispatched in place (no allocation or copy per message). Writes: try the system call
// at once; whatever the OS does not take waits in a WriteQueue and goes out as one gathered write
// when the socket is writable.

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/asio_types.hpp"
#include "core/proxy.hpp"
#include "core/runtime_core.hpp"
#include "core/write_queue.hpp"
#include "minisock/tcp_socket.hpp"

namespace minisock::detail {

class TCPSocketImpl final : public SocketBase {
 public:
  TCPSocketImpl(std::shared_ptr<RuntimeLink> link, std::string type);
  ~TCPSocketImpl() override;

  /// Reports an invalid type (after adoption by the runtime).
  void init();

  void connect(TCPSocket::ConnectOption option);
  void write(std::span<const std::byte> data);
  void write(std::string&& data);
  void write(std::vector<std::byte>&& data);
  std::size_t bufferedAmount() const noexcept { return buffered_.load(std::memory_order_relaxed); }
  void close();
  void pause() { paused_.store(true, std::memory_order_relaxed); }
  void resume();
  bool isPaused() const noexcept { return paused_.load(std::memory_order_relaxed); }
  void bindWifi(TCPSocket::BindWifiOption option);

  void abortFromRuntime() noexcept override;

  ListenerRegistry<TCPSocket::ConnectEvent> connectListeners;
  ListenerRegistry<TCPSocket::MessageEvent> messageListeners;
  ListenerRegistry<ErrorEvent> errorListeners;
  ListenerRegistry<TCPSocket::CloseEvent> closeListeners;
  ListenerRegistry<TCPSocket::BindWifiEvent> bindWifiListeners;
  ListenerRegistry<TCPSocket::DrainEvent> drainListeners;
  std::array<ListenerRegistryBase*, 6> registries() {
    return {&connectListeners, &messageListeners,  &errorListeners,
            &closeListeners,   &bindWifiListeners, &drainListeners};
  }

  /// The public handle, in the same allocation (as SocketTask's): createTCPSocket returns a
  /// shared_ptr that owns this impl and points here, so a weak_ptr to the handle stays valid
  /// while the Runtime holds the socket (until Close). Its own pointer back does not own.
  TCPSocket handle{std::shared_ptr<TCPSocketImpl>(std::shared_ptr<void>(), this)};

 private:
  enum class State { idle, connecting, open, closing, closed };
  enum class TimerPurpose { connect, closeProgress, linger };
  using tcp = boost::asio::ip::tcp;

  struct Io {
    explicit Io(boost::asio::io_context& ioc) : socket(ioc), timer(ioc) {}
    TcpSocket socket;
    SteadyTimer timer;
    std::shared_ptr<std::atomic<bool>> lookup;  // a name lookup under way (Resolver::Ticket)
  };

  std::shared_ptr<TCPSocketImpl> self() {
    return std::static_pointer_cast<TCPSocketImpl>(shared_from_this());
  }

  // All below run on the loop thread.
  void doConnect(const TCPSocket::ConnectOption& option);
  void startConnect(std::vector<tcp::endpoint> endpoints, const std::string& host);
  void onConnected(const tcp::endpoint& remote);
  /// Through a proxy (NetworkOptions): the proxy's address, looked up when it is a name.
  void connectToProxy();
  /// Connected to the proxy at `remote`: the tunnel to tunnelTarget_, then onConnected.
  void openTunnelTo(const tcp::endpoint& remote);
  template <class Owned>
  void writeOwned(Owned&& data);
  template <class Owned>
  void doWriteOwned(Owned&& data, bool counted);
  void doWriteCopy(std::span<const std::byte> data, bool counted);
  bool refuseWrite(std::size_t size, bool counted);
  /// The first use of a socket created over the TCP quota: Error (-3, naming the rule) and
  /// Close. False when the socket may be used.
  bool refuseOverQuota(const char* operation);
  /// Sends what is queued. `fromIo`: called from an I/O completion, where Drain may fire.
  void flush(bool fromIo = false);
  void armWrite();
  void armRead();
  /// pause() is in effect and the socket is open (while closing, reading goes on).
  bool readPaused() const noexcept {
    return state_ == State::open && paused_.load(std::memory_order_relaxed);
  }
  /// Continues reading into the Runtime's buffer, where `have` bytes already are.
  void onReadable(std::size_t have);
  /// One Message event for `n` received bytes (only while open).
  void deliver(const std::byte* data, std::size_t n);
  void onPeerEof();
  void onFlushedWhileClosing();
  void doClose();
  void armTimer(std::chrono::steady_clock::duration after, TimerPurpose purpose);
  void onTimer(TimerPurpose purpose);
  /// Ends the connection with an Error then Close.
  void fail(ErrorEvent error);
  /// Ends the connection with Close only.
  void finish();
  void closeIo() noexcept;
  void postError(ErrorEvent error);
  void postClose();

  State state_ = State::idle;
  const std::string type_;
  bool v6_ = false;
  bool overQuota_ = false;  // created over Policy::maxTCPSocketsPerWindow (init)
  bool userClosed_ = false;
  bool peerEof_ = false;
  bool shutdownSent_ = false;
  bool readArmed_ = false;
  std::atomic<bool> paused_{false};    // pause()/resume(); read on the loop thread
  std::array<std::byte, 256> head_{};  // the pending read's buffer (see armRead)
  bool writeArmed_ = false;
  bool drainDue_ = false;  // bytes entered queue_: Drain fires when an I/O flush empties it
  std::uint64_t timerGeneration_ = 0;
  std::uint64_t bytesSent_ = 0;
  std::uint64_t bytesSentAtCheck_ = 0;
  std::chrono::milliseconds connectTimeout_{0};
  const ProxyUrl* proxy_ = nullptr;  // the Runtime's, while connecting through it
  TunnelTarget tunnelTarget_{};
  std::unique_ptr<Io> io_;
  WriteQueue queue_;
  std::atomic<std::size_t> buffered_{0};
  TCPSocket::MessageEvent message_;  // reused for every Message event
};

}  // namespace minisock::detail
