#!/usr/bin/env bash
# Builds and runs every test: a normal build (release preset, with the installed-package
# consumer test) and an AddressSanitizer + UndefinedBehaviorSanitizer build (LeakSanitizer on).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)
start=$(date +%s)
for preset in release asan; do
  echo "=== $preset: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "=== $preset: test"
  ctest --preset "$preset" -j "$jobs"
done
echo "=== all tests passed in $(( $(date +%s) - start )) s"
