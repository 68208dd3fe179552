#!/usr/bin/env bash
# Installs the Debian 12 packages minisock needs, when they are missing. Idempotent.
# Boost comes only as 1.81 packages: the unversioned names pull in 1.74 and remove 1.81.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev libssl-dev openssl zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev
  iproute2 nodejs doxygen
  tinyproxy-bin microsocks  # real proxies for tests/integration/proxy_test.cpp (no service)
  libjavascriptcoregtk-4.1-dev  # minisock run (bindings/jsc): JavaScriptCore's C API
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Debian's own nodejs keeps the Node-API headers in libnode-dev (NodeSource's nodejs ships them):
# checked after nodejs is installed, so that the two never meet in one apt-get call.
node_headers() { [ -f /usr/include/node/node_api.h ]; }

# npm (the binding's tests and the npm package test): NodeSource's nodejs includes it, Debian's
# is the separate npm package; installed only when missing, after nodejs, for the same reason.
has_npm() { command -v npm >/dev/null 2>&1; }

if [ ${#missing[@]} -eq 0 ] && node_headers && has_npm; then
  exit 0
fi

echo "setup: installing ${missing[*]:-the Node-API headers or npm}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: need root (or sudo) to install: ${missing[*]:-libnode-dev}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ! node_headers; then
  $SUDO apt-get install -y -qq --no-install-recommends libnode-dev
fi
if ! has_npm; then
  $SUDO apt-get install -y -qq --no-install-recommends npm
fi
