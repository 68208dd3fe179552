#!/usr/bin/env bash
# Builds and runs every test three times: a normal build (release preset, with the
# installed-package consumer test, a small soak and the JavaScript binding's tests), an AddressSanitizer +
# UndefinedBehaviorSanitizer build (LeakSanitizer on), and a ThreadSanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)
start=$(date +%s)
for preset in release asan tsan; do
  echo "=== $preset: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "=== $preset: test"
  ctest --preset "$preset" -j "$jobs"
  if [ "$preset" = release ]; then
    # The JavaScript binding (bindings/node), built by the release preset only.
    echo "=== release: JavaScript binding tests"
    node --test bindings/node/test/
  fi
done
echo "=== all tests passed in $(( $(date +%s) - start )) s"
