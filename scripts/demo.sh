#!/usr/bin/env bash
# The main job: builds minisock (release preset) and runs the demo against embedded loopback
# servers, printing every event.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target tcp_socket_example udp_socket_example socket_task_example
echo "=== TCPSocket"
./build/release/examples/tcp_socket_example
echo "=== UDPSocket"
./build/release/examples/udp_socket_example
echo "=== SocketTask (WebSocket)"
./build/release/examples/socket_task_example
