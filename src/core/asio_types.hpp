#pragma once
// The Asio I/O objects minisock uses, bound to the io_context's own executor type instead of
// the type-erased any_io_executor: every operation then skips the executor's type erasure
// (copies, virtual calls, the outstanding-work wrapper), measured at about 7% of the
// instructions per WebSocket message.

#include <boost/asio/basic_datagram_socket.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/basic_resolver.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>

namespace minisock::detail {

using LoopExecutor = boost::asio::io_context::executor_type;
using TcpSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, LoopExecutor>;
using UdpSocket = boost::asio::basic_datagram_socket<boost::asio::ip::udp, LoopExecutor>;
using TcpResolver = boost::asio::ip::basic_resolver<boost::asio::ip::tcp, LoopExecutor>;
using UdpResolver = boost::asio::ip::basic_resolver<boost::asio::ip::udp, LoopExecutor>;
using SteadyTimer = boost::asio::basic_waitable_timer<
    std::chrono::steady_clock, boost::asio::wait_traits<std::chrono::steady_clock>, LoopExecutor>;

}  // namespace minisock::detail
