#!/usr/bin/env bash
# Builds and runs every test: first the plain configuration a packager builds
# (`cmake -DCMAKE_BUILD_TYPE=Release`, no preset: warnings are not errors there, so its log is
# checked for warnings from minisock's own code), then three preset builds, each with its tests:
# a normal build (release preset, with the installed-package consumer tests, a small soak and
# the JavaScript binding's tests), an AddressSanitizer + UndefinedBehaviorSanitizer build
# (LeakSanitizer on), and a ThreadSanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)
start=$(date +%s)
step() { echo "=== $1 ($(( $(date +%s) - start )) s)"; }

step "plain Release build"
cmake -S . -B build/plain -DCMAKE_BUILD_TYPE=Release >/dev/null
if ! cmake --build build/plain -j "$jobs" >build/plain/build.log 2>&1; then
  tail -n 60 build/plain/build.log >&2
  exit 1
fi
# GCC reports nothing from system headers unless our code triggered it (inlined into ours).
if grep -E ': (warning|error): ' build/plain/build.log; then
  echo "plain Release build: warnings (above; the full log is build/plain/build.log)" >&2
  exit 1
fi

for preset in release asan tsan; do
  step "$preset: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  step "$preset: test"
  ctest --preset "$preset" -j "$jobs"
  if [ "$preset" = release ]; then
    # The JavaScript binding (bindings/node), built by the release preset only. Its
    # devDependencies (TypeScript and miniprogram-api-typings, for the type tests) come from
    # the npm registry, as package-lock.json pins them.
    step "release: JavaScript binding tests"
    npm ci --ignore-scripts --no-audit --no-fund --prefix bindings/node >/dev/null
    node --test bindings/node/test/
  fi
done
step "all tests passed"
