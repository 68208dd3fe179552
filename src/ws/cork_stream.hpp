#pragma once
// CorkStream: the layer between Beast's WebSocket stream and the socket (or TLS stream) that
// coalesces small writes into one system call.
//
// Beast writes each message with at least one write of its own. A client that answers a burst
// of incoming messages, or queues many small ones, would pay one system call (and, under TLS,
// one record) per message. CorkStream takes Beast's small writes made while received messages
// are being handled into a buffer and completes them at once, and sends the buffer as one
// write when the reader is about to wait on the network (nothing more can be answered before
// new data arrives) or when it reaches kFlushBytes. A write made while the reader waits, with
// nothing buffered or under way, goes straight through (no copy), as do large ones; writes that
// follow while it is under way are gathered and go out together right after it. Order is kept:
// a write that arrives while the buffer is not empty or a write is under way joins the buffer.
//
// Beast's framing, masking and control frames are untouched: this layer sees bytes only.
// All calls happen on the loop thread (like every other use of the stream).

#include <sys/socket.h>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <boost/system/error_code.hpp>

#include "core/ws_options.hpp"  // isWireCloseCode
#include "ws/upgrade_answer_limit.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace minisock::detail {

template <class Next>
class CorkStream {
 public:
  using executor_type = typename Next::executor_type;
  using next_layer_type = Next;

  static constexpr std::size_t kDirectBytes = 4096;      // larger writes skip the buffer
  static constexpr std::size_t kFlushBytes = 64 * 1024;  // flush when the buffer holds this much
  static constexpr std::size_t kKeepBytes = 16 * 1024;   // larger buffers are released after use
  // A plain TCP socket can be written without an operation; TLS needs its engine's op.
  static constexpr bool kWritesNow =
      std::is_same_v<Next, boost::asio::basic_stream_socket<boost::asio::ip::tcp, executor_type>>;

  template <class... Args>
  explicit CorkStream(Args&&... args) : next_(std::forward<Args>(args)...) {}

  /// Called on the owner when Beast's teardown starts (see boundTeardown()).
  using TeardownHook = void (*)(void* owner);

  /// Pending operations hold the owner (which holds this stream) while they run.
  void setOwner(std::weak_ptr<void> owner, TeardownHook onTeardown = nullptr) {
    owner_ = std::move(owner);
    onTeardown_ = onTeardown;
  }

  /// Beast's teardown, after the close frames were exchanged (or after Beast sent its own close
  /// frame on a protocol failure), waits for the server to end TCP (or to answer close_notify),
  /// with no limit, and its write of what is still buffered can wait for a server that stopped
  /// reading. Bounded: after `bound` the TCP connection is shut down both ways, which ends the
  /// teardown as the server's end would; the close frames already said how the connection
  /// ended, so the teardown then completes without an error.
  void boundTeardown(std::chrono::milliseconds bound) noexcept { teardownBound_ = bound; }

  /// The teardown starts: the owner is told, and its bound armed.
  void teardownStarting() {
    auto keep = owner_.lock();
    if (!keep) return;  // the owner is going: nothing waits for this teardown
    if (onTeardown_ != nullptr) onTeardown_(keep.get());
    if (teardownBound_.count() <= 0) return;
    teardownForced_ = false;
    teardownTimer_.emplace(next_.get_executor());
    teardownTimer_->expires_after(teardownBound_);
    teardownTimer_->async_wait([this, keep](const boost::system::error_code& ec) {
      if (ec || !teardownTimer_) return;  // the teardown ended first
      teardownForced_ = true;
      // Both ways: a read waiting for the server's end sees EOF, and a write the server no
      // longer reads (the rest of the buffer, a close_notify) fails instead of waiting.
      boost::system::error_code ignored;
      boost::beast::get_lowest_layer(next_).shutdown(boost::asio::socket_base::shutdown_both,
                                                     ignored);
    });
  }

  /// The teardown ended with `ec`: what Beast is told.
  boost::system::error_code teardownEnded(const boost::system::error_code& ec) {
    if (teardownTimer_) {
      teardownTimer_->cancel();
      teardownTimer_.reset();
    }
    return teardownForced_ ? boost::system::error_code{} : ec;
  }

  /// Beast is about to echo a close frame whose code may not be on the wire: the next write
  /// that is exactly such a frame is answered with 1002 instead. (Armed only then: a write can
  /// also begin inside a frame's payload, whose bytes could look like a close frame.)
  void replaceNextBadCloseFrame() noexcept { replaceClose_ = true; }

  /// Whether `buffers` are exactly a masked close frame whose code may not be on the wire; if so,
  /// `out` becomes the same frame with code 1002 and no reason (same masking key).
  template <class ConstBuffers>
  static bool closeFrameToReplace(const ConstBuffers& buffers, std::array<unsigned char, 8>& out) {
    auto it = boost::asio::buffer_sequence_begin(buffers);
    const auto end = boost::asio::buffer_sequence_end(buffers);
    for (; it != end && boost::asio::const_buffer(*it).size() == 0; ++it) {
    }
    if (it == end ||
        *static_cast<const unsigned char*>(boost::asio::const_buffer(*it).data()) != 0x88)
      return false;  // not a close frame (the one byte every write pays)
    std::array<unsigned char, 8> h{};
    if (boost::asio::buffer_copy(boost::asio::buffer(h), buffers) < h.size()) return false;
    const unsigned length = h[1] & 0x7fU;
    if ((h[1] & 0x80U) == 0 || length < 2 || length > 125) return false;
    if (boost::asio::buffer_size(buffers) != 6 + length) return false;
    const int code = ((h[6] ^ h[2]) << 8) | (h[7] ^ h[3]);
    if (isWireCloseCode(code)) return false;
    constexpr unsigned kProtocolError = 1002;
    out = {0x88,
           0x82,
           h[2],
           h[3],
           h[4],
           h[5],
           static_cast<unsigned char>((kProtocolError >> 8) ^ h[2]),
           static_cast<unsigned char>((kProtocolError & 0xffU) ^ h[3])};
    return true;
  }

  /// The server's upgrade answer that the next reads bring may take at most `limit` bytes from
  /// its status line to the blank line that ends its header fields; the read that passes the
  /// limit before that blank line fails with http::error::header_limit. (Beast's parser has a
  /// limit of its own, but it applies to what is unparsed at a time, so whether an answer
  /// passes depends on how it was cut into segments; this one is exact.)
  void limitUpgradeAnswer(std::size_t limit) noexcept { answer_.start(limit); }

  /// The upgrade answer's status code as its status line said (0: not read, or not HTTP).
  int upgradeAnswerStatus() const noexcept { return answer_.status(); }

  /// Counts `n` received bytes against the upgrade answer's limit; false when they pass it.
  template <class MutableBuffers>
  bool countUpgradeAnswer(const MutableBuffers& buffers, std::size_t n) noexcept {
    for (auto it = boost::asio::buffer_sequence_begin(buffers),
              end = boost::asio::buffer_sequence_end(buffers);
         it != end && n > 0 && answer_.counting(); ++it) {
      const boost::asio::mutable_buffer b(*it);
      const std::size_t take = std::min(n, b.size());
      n -= take;
      answer_.count(static_cast<const char*>(b.data()), take);
    }
    return answer_.state() != UpgradeAnswerLimit::State::exceeded;
  }

  executor_type get_executor() noexcept { return next_.get_executor(); }
  Next& next_layer() noexcept { return next_; }
  const Next& next_layer() const noexcept { return next_; }

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    inBurst_ = false;
    flush();                   // nothing more will be written in answer before data arrives
    if (answer_.counting()) {  // the upgrade answer is being read
      return next_.async_read_some(
          buffers, [this, keep = owner_.lock(), buffers, h = std::forward<Handler>(handler)](
                       const boost::system::error_code& ec, std::size_t n) mutable {
            if (!ec && !countUpgradeAnswer(buffers, n))
              return h(make_error_code(boost::beast::http::error::header_limit), std::size_t{0});
            h(ec, n);
          });
    }
    next_.async_read_some(buffers, [this, keep = owner_.lock(), h = std::forward<Handler>(handler)](
                                       const boost::system::error_code& ec, std::size_t n) mutable {
      inBurst_ = true;  // until the reader waits again: received data is being handled
      h(ec, n);
    });
  }

  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    if (replaceClose_ && closeFrameToReplace(buffers, replacement_)) {
      replaceClose_ = false;
      // Beast's echo of a server's close code that RFC 6455 (7.4) does not allow on the wire
      // (Beast takes 5000 and up); the answer must be 1002. Buffered behind whatever is already
      // waiting and completed at once, as a small write during a burst is; teardown drains the
      // buffer before the socket closes. Not async_write(*this, ...): that would instantiate this
      // function again with async_write's handler around this one, without end.
      const std::size_t original = boost::asio::buffer_size(buffers);
      if (!error_) {
        pending_.insert(pending_.end(), replacement_.begin(), replacement_.end());
        flush();
      }
      return boost::asio::post(next_.get_executor(),
                               [h = std::forward<Handler>(handler), ec = error_,
                                original]() mutable { h(ec, ec ? std::size_t{0} : original); });
    }
    if (error_) {
      return boost::asio::post(
          next_.get_executor(),
          [h = std::forward<Handler>(handler), ec = error_]() mutable { h(ec, std::size_t{0}); });
    }
    // Nothing buffered and either a large write or one outside any burst of received messages
    // (the opening handshake's request, the first of a ping-pong): straight to the next layer.
    // (The size is computed only when needed: over Beast's HTTP serializer's buffer sequence it
    // costs as much as the copy.)
    const bool idle = !writing_ && pending_.empty();
    const std::size_t n = idle && !inBurst_ ? 0 : boost::asio::buffer_size(buffers);
    if (idle && (!inBurst_ || n >= kDirectBytes)) {
      writing_ = true;
      return next_.async_write_some(
          buffers, [this, keep = owner_.lock(), h = std::forward<Handler>(handler)](
                       const boost::system::error_code& ec, std::size_t written) mutable {
            writing_ = false;
            if (ec) error_ = ec;
            if (parked_ && error_) completeParked();
            if (!pending_.empty()) flush();
            notifyDrained();
            h(ec, written);
          });
    }
    const std::size_t old = pending_.size();
    pending_.resize(old + n);
    boost::asio::buffer_copy(boost::asio::buffer(pending_.data() + old, n), buffers);
    if (pending_.size() < kFlushBytes) {
      boost::asio::post(next_.get_executor(), [h = std::forward<Handler>(handler), n]() mutable {
        h(boost::system::error_code{}, n);
      });
      // While messages are being received and answered, the reader flushes when it next waits
      // on the network; any other write goes out now (or right after the write under way,
      // gathering whatever else is written until then).
      if (!inBurst_) flush();
      return;
    }
    // The buffer is full: this write completes only once its bytes are handed on, so a peer
    // that stops reading holds Beast (and bufferedAmount grows) as without the buffer.
    if (!writing_) flush();
    if (!writing_ && pending_.empty()) {  // written at once
      return boost::asio::post(next_.get_executor(),
                               [h = std::forward<Handler>(handler), ec = error_, n]() mutable {
                                 h(ec, ec ? std::size_t{0} : n);
                               });
    }
    parkedSeq_ = pending_.empty() ? flushSeq_ : flushSeq_ + 1;
    parked_ = makeWaiter(std::forward<Handler>(handler));
    parkedBytes_ = n;
  }

  /// Sends what is buffered, now (unless a write is under way: then right after it).
  void flush() {
    if (writing_ || pending_.empty() || error_) return;
    if constexpr (kWritesNow) {
      // A plain socket takes what it can at once (no operation, no completion to post).
      // send(MSG_DONTWAIT) directly: Asio's synchronous write would need the socket's
      // non-blocking mode set (one more system call) or would block.
      boost::system::error_code ec;
      std::size_t n = 0;
      const ssize_t sent = ::send(next_.native_handle(), pending_.data(), pending_.size(),
                                  MSG_DONTWAIT | MSG_NOSIGNAL);
      if (sent >= 0) {
        n = static_cast<std::size_t>(sent);
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        ec.assign(errno, boost::system::system_category());
      }
      if (ec || n == pending_.size()) {
        if (ec) error_ = ec;
        pending_.clear();
        if (pending_.capacity() > kKeepBytes) pending_.shrink_to_fit();
        const auto seq = ++flushSeq_;
        if (parked_ && (parkedSeq_ <= seq || error_)) completeParked();
        notifyDrained();
        return;
      }
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    writing_ = true;
    inFlight_.swap(pending_);
    boost::asio::async_write(next_, boost::asio::buffer(inFlight_),
                             [this, keep = owner_.lock(), seq = ++flushSeq_](
                                 const boost::system::error_code& ec, std::size_t) {
                               writing_ = false;
                               if (ec) error_ = ec;
                               inFlight_.clear();
                               if (inFlight_.capacity() > kKeepBytes) inFlight_.shrink_to_fit();
                               if (parked_ && (parkedSeq_ <= seq || error_)) completeParked();
                               if (!pending_.empty()) flush();
                               if (!writing_ && pending_.capacity() > kKeepBytes)
                                 pending_.shrink_to_fit();
                               notifyDrained();
                             });
  }

  /// Nothing buffered, nothing under way.
  bool drained() const noexcept { return !writing_ && pending_.empty(); }

  /// Flushes, then calls `handler(ec)` once nothing is buffered or under way.
  template <class Handler>
  void async_drain(Handler&& handler) {
    flush();
    if (!writing_ || error_) {
      return boost::asio::post(next_.get_executor(), [h = std::forward<Handler>(handler),
                                                      ec = error_]() mutable { h(ec); });
    }
    drainWaiters_.push_back(makeWaiter(std::forward<Handler>(handler)));
  }

 private:
  // A move-only handler, called as h(ec, n) or h(ec) (std::function needs copyable ones).
  struct WaiterBase {
    virtual ~WaiterBase() = default;
    virtual void operator()(boost::system::error_code ec, std::size_t n) = 0;
  };
  template <class H>
  struct Waiter final : WaiterBase {
    explicit Waiter(H&& h) : handler(std::move(h)) {}
    void operator()(boost::system::error_code ec, std::size_t n) override {
      if constexpr (std::is_invocable_v<H&, boost::system::error_code, std::size_t>) {
        handler(ec, n);
      } else {
        (void)n;
        handler(ec);
      }
    }
    H handler;
  };
  template <class Handler>
  static std::unique_ptr<WaiterBase> makeWaiter(Handler&& handler) {
    return std::make_unique<Waiter<std::decay_t<Handler>>>(std::forward<Handler>(handler));
  }

  void completeParked() {
    boost::asio::post(next_.get_executor(),
                      [w = std::move(parked_), ec = error_,
                       n = error_ ? 0 : parkedBytes_]() mutable { (*w)(ec, n); });
    parked_.reset();
  }

  void notifyDrained() {
    if (drainWaiters_.empty() || (writing_ && !error_)) return;
    auto waiters = std::move(drainWaiters_);
    drainWaiters_.clear();
    for (auto& w : waiters) {
      boost::asio::post(next_.get_executor(),
                        [w = std::move(w), ec = error_]() mutable { (*w)(ec, 0); });
    }
  }

  using Timer =
      boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                        boost::asio::wait_traits<std::chrono::steady_clock>,
                                        executor_type>;

  Next next_;
  std::weak_ptr<void> owner_{};
  TeardownHook onTeardown_ = nullptr;
  std::chrono::milliseconds teardownBound_{0};  // 0: Beast's own wait, unbounded
  std::optional<Timer> teardownTimer_{};
  bool teardownForced_ = false;   // the bound passed: we ended the receiving side
  std::vector<char> pending_{};   // accepted, not yet handed to the next layer
  std::vector<char> inFlight_{};  // being written by async_write
  boost::system::error_code error_{};
  std::vector<std::unique_ptr<WaiterBase>> drainWaiters_{};
  std::unique_ptr<WaiterBase> parked_{};  // a write waiting for its flush (buffer full)
  std::size_t parkedBytes_ = 0;
  std::uint64_t flushSeq_ = 0, parkedSeq_ = 0;  // flushes started; the one parked_ waits for
  bool writing_ = false;
  bool inBurst_ = false;  // a read completed and the reader has not waited again since
  bool replaceClose_ = false;
  UpgradeAnswerLimit answer_{};  // limitUpgradeAnswer(): counting while the answer is read
  std::array<unsigned char, 8> replacement_{};  // the close frame written instead of Beast's
};

/// Beast's teardown (after the closing handshake) on the layer below, once the buffer is sent.
/// Bounded by CorkStream::boundTeardown().
template <class Next, class Handler>
void async_teardown(boost::beast::role_type role, CorkStream<Next>& stream, Handler&& handler) {
  using boost::beast::async_teardown;             // TLS (beast/websocket/ssl.hpp)
  using boost::beast::websocket::async_teardown;  // TCP
  stream.flush();
  stream.teardownStarting();
  auto ended = [&stream, h = std::forward<Handler>(handler)](
                   const boost::system::error_code& ec) mutable { h(stream.teardownEnded(ec)); };
  if (stream.drained()) {  // the usual case: no loop turn spent waiting for nothing
    return async_teardown(role, stream.next_layer(), std::move(ended));
  }
  stream.async_drain(
      [&stream, role, ended = std::move(ended)](const boost::system::error_code&) mutable {
        using boost::beast::async_teardown;             // TLS (beast/websocket/ssl.hpp)
        using boost::beast::websocket::async_teardown;  // TCP
        async_teardown(role, stream.next_layer(), std::move(ended));
      });
}

template <class Next>
void teardown(boost::beast::role_type role, CorkStream<Next>& stream,
              boost::system::error_code& ec) {
  using boost::beast::teardown;
  using boost::beast::websocket::teardown;
  teardown(role, stream.next_layer(), ec);
}

}  // namespace minisock::detail
