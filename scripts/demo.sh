#!/usr/bin/env bash
# The main job: builds minisock (release preset) and runs `minisock demo`: the seed examples
# (TCPSocket, UDPSocket, connectSocket/SocketTask and the global calls) against embedded
# loopback servers, printing every event.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target minisock_cli
./build/release/tools/minisock/minisock demo
