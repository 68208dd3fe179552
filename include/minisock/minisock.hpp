#pragma once
/// @file
/// Umbrella header of minisock: the mini-program socket API family in C++.

#include "minisock/errors.hpp"
#include "minisock/listener.hpp"
#include "minisock/network.hpp"
#include "minisock/policy.hpp"
#include "minisock/runtime.hpp"
#include "minisock/socket_task.hpp"
#include "minisock/tcp_socket.hpp"
#include "minisock/udp_socket.hpp"
