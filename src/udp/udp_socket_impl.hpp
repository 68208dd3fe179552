#pragma once
// UDPSocket's implementation. bind() creates and binds the OS socket on the calling thread (so
// it can return the port at once) and hands the descriptor to the loop. Receives: wait for
// readability, then recvmmsg() (MSG_TRUNC) into the runtime's shared buffer until
// EAGAIN, one Message per datagram. Sends go out at once; a host name or a full send buffer
// queues them, in order.

#include <sys/socket.h>

#include <atomic>
#include <boost/asio/ip/udp.hpp>
#include <deque>
#include <optional>

#include "core/address.hpp"
#include "core/asio_types.hpp"
#include "core/fifo_queue.hpp"
#include "core/runtime_core.hpp"
#include "minisock/udp_socket.hpp"

namespace minisock::detail {

class UDPSocketImpl final : public SocketBase {
 public:
  UDPSocketImpl(std::shared_ptr<RuntimeLink> link, std::string type);
  ~UDPSocketImpl() override;

  void init();
  int bind(int port);
  void send(UDPSocket::SendOption option, bool write);
  void connect(UDPSocket::ConnectOption option);
  void setTTL(int ttl);
  void close();
  std::uint64_t droppedCount() const noexcept {
    return kernelDrops_.load() + oversizeDrops_.load();
  }

  void abortFromRuntime() noexcept override;

  ListenerRegistry<UDPSocket::ListeningEvent> listeningListeners;
  ListenerRegistry<UDPSocket::MessageEvent> messageListeners;
  ListenerRegistry<ErrorEvent> errorListeners;
  ListenerRegistry<UDPSocket::CloseEvent> closeListeners;
  std::array<ListenerRegistryBase*, 4> registries() {
    return {&listeningListeners, &messageListeners, &errorListeners, &closeListeners};
  }

  /// The public handle, in the same allocation (as SocketTask's): createUDPSocket returns a
  /// shared_ptr that owns this impl and points here, so a weak_ptr to the handle stays valid
  /// while the Runtime holds the socket (until Close). Its own pointer back does not own.
  UDPSocket handle{std::shared_ptr<UDPSocketImpl>(std::shared_ptr<void>(), this)};

 private:
  using udp = boost::asio::ip::udp;
  struct Io {
    explicit Io(boost::asio::io_context& ioc) : socket(ioc) {}
    UdpSocket socket;
    std::shared_ptr<std::atomic<bool>> lookup;  // a name lookup under way (Resolver::Ticket)
  };
  /// A send's success/fail/complete (Taro's SendOption) and the operation's name for them.
  struct Outcome {
    const char* op = "send";
    Callback success{};
    Callback fail{};
    Callback complete{};
  };
  /// Connects the OS socket to `peer` (its turn in the queue, or at once when nothing waits).
  void connectTo(const boost::asio::ip::udp::endpoint& peer);
  /// Queues a connect to `peer` (after the lookup of `name`, when not empty) behind what waits.
  void queueConnect(const boost::asio::ip::udp::endpoint& peer, std::string name);
  struct Pending {
    std::vector<std::byte> bytes;  // the slice to send (owned: it waits)
    std::string host;              // a name still to resolve, or empty
    udp::endpoint endpoint;
    bool connected = false;  // write(): to the connected peer
    bool broadcast = false;
    bool connect = false;  // not a datagram: connect() to `endpoint` (after its name's lookup)
    Outcome outcome{};
  };

  std::shared_ptr<UDPSocketImpl> self() {
    return std::static_pointer_cast<UDPSocketImpl>(shared_from_this());
  }

  /// Creates and binds the OS socket (any thread); returns the fd or -1 with errno set.
  int openBound(int port, int& boundPort) const;
  /// On the loop: takes over a bound descriptor, posts Listening, starts reading.
  void adopt(int fd);
  /// On the loop: binds a free port when nothing was bound yet (send/connect before bind).
  bool ensureBound(const char* operation);
  void doSend(UDPSocket::SendOption& option, bool write);
  void doConnect(UDPSocket::ConnectOption& option);
  void applyTTL();
  void pump();
  bool sendNow(Pending& p, boost::system::error_code& ec);
  void armRead();
  void onReadable(bool continued);
  /// Ends a drain whose last receive (made when connect() had been called `connects` times)
  /// found the queue empty: the sender rule, the drop count, the next wait.
  void queueFoundEmpty(int fd, bool burst, std::uint64_t connects);
  void readKernelDrops(int fd);
  void applyBroadcast(bool on, boost::system::error_code& ec);
  /// After a failed bind or adopt: binds implicitly for what was queued, or reports it.
  void resumeAfterFailedBind();
  void postError(ErrorEvent error);
  /// A datagram handed to the OS: its success and complete, later on the loop.
  void sent(Outcome& outcome);
  /// A datagram refused or dropped: the Error event, and its fail and complete with the same
  /// reason ("send:fail <reason>"), later on the loop.
  void refused(Outcome& outcome, ErrorEvent error);
  /// Its fail and complete only (the Error was reported already, for several datagrams).
  void failCallbacks(Outcome& outcome, std::string reason);
  void fillRemote(const sockaddr_storage& from, socklen_t length);

  const std::string type_;
  const bool v6_;
  const bool validType_;
  std::atomic<bool> bindClaimed_{false};
  std::atomic<bool> closed_{false};
  bool adopted_ = false;
  bool writeArmed_ = false;
  bool connected_ = false;
  int connecting_ = 0;      // connect() entries still queued (a name to resolve, or behind one)
  bool broadcast_ = false;  // SO_BROADCAST as last set
  std::optional<int> ttl_;
  std::unique_ptr<Io> io_;
  FifoQueue<Pending> queue_;
  struct LastDestination {
    std::string address;  // as the user wrote it
    ParsedHost host;      // parsed and allowed by the Policy
  };
  std::optional<LastDestination> lastDestination_;
  std::atomic<std::uint64_t> kernelDrops_{0};
  std::uint32_t lastKernelDrops_ = 0;  // SK_MEMINFO_DROPS when last read (loop thread)
  bool smallReceiveBuffer_ = false;    // read drops after every drain (adopt())
  std::atomic<std::uint64_t> oversizeDrops_{0};
  UDPSocket::MessageEvent message_;  // reused for every Message event
  // connect()'s peer as the kernel has it; senderIsPeer_: every queued datagram came after the
  // connect, so it is the sender (no address read per datagram).
  sockaddr_storage peer_{};
  socklen_t peerLength_ = 0;
  bool senderIsPeer_ = false;
  std::uint64_t connects_ = 0;  // connect() calls that took effect
  sockaddr_storage lastFrom_{};
  socklen_t lastFromLength_ = 0;
};

}  // namespace minisock::detail
