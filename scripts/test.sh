#!/usr/bin/env bash
# Builds and runs every test, in three builds, each with its tests:
#   release  the configuration a packager builds (CMAKE_BUILD_TYPE=Release, -O3) with warnings as
#            errors, its log also checked for any other warning; its tests: unit, integration,
#            CLI, `minisock run` (JavaScriptCore), the installed package through CMake and
#            pkg-config (static, and the sources built shared), the npm tarball installed
#            prebuilt and from source, a small soak, the API reference; beside them the
#            JavaScript binding's own suite under Node;
#   asan     AddressSanitizer + UndefinedBehaviorSanitizer, LeakSanitizer on: the same tests
#            but the package ones, and the fuzz corpora replayed;
#   tsan     ThreadSanitizer, on the tests that run more than one thread (not the two volume
#            tests, 16 MiB and 256 MiB of data through one socket).
# Every compiler call goes through ccache (CCACHE_BASEDIR: the copies built from other folders,
# the shared-library consumer's and the npm package's, and other clones hit the same entries).
# Each step's wall time is printed as it starts and again in a summary at the end; ninja's
# .ninja_log and ctest's Testing/Temporary/CTestCostData.txt stay in each build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
# Tests mostly wait on sockets and timers: one more at a time than there are cores.
test_jobs=$(($(nproc) + 1))

summary=()
step_name=""
step_start=$started
step() {
  local now
  now=$(date +%s)
  if [ -n "$step_name" ]; then summary+=("$(printf '%6d s  %s' $((now - step_start)) "$step_name")"); fi
  step_name="$1"
  step_start=$now
  echo "=== $1 ($((now - started)) s)"
}
finish() {
  local status=$? now
  now=$(date +%s)
  if [ -n "$step_name" ]; then summary+=("$(printf '%6d s  %s' $((now - step_start)) "$step_name")"); fi
  echo "=== step times"
  printf '%s\n' "${summary[@]}"
  if command -v ccache >/dev/null 2>&1; then
    ccache --show-stats 2>/dev/null | grep -E '^(Cacheable calls|  Hits|  Misses)' || true
  fi
  if [ "$status" -eq 0 ]; then
    echo "=== all tests passed: $((now - started)) s in all (set-up included)"
  else
    echo "=== FAILED (status $status) after $((now - started)) s, in: $step_name" >&2
  fi
}
trap finish EXIT

step "set-up (scripts/setup.sh)"
scripts/setup.sh

if command -v ccache >/dev/null 2>&1; then
  # Read by CMake when a build folder is configured the first time, and inherited by the builds
  # the tests make (the consumer's shared library, cmake-js in the npm package test).
  export CMAKE_CXX_COMPILER_LAUNCHER="${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}"
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
  # Debug information does not put the folder into the hash, so a fresh clone elsewhere hits
  # too (a cached object's debug information then names the folder it was first built in).
  export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
  ccache --zero-stats >/dev/null
fi

for preset in release asan tsan; do
  step "$preset: build"
  cmake --preset "$preset" >/dev/null
  if [ "$preset" = release ]; then
    # The packager's Release configuration: -Werror stops the build on a compiler warning in
    # minisock's own code; the log is searched for any other warning (the linker's).
    cmake --build --preset release 2>&1 | tee build/release/build.log
    if grep -E ': (warning|error): ' build/release/build.log; then
      echo "release build: warnings (above; the full log is build/release/build.log)" >&2
      exit 1
    fi
  else
    cmake --build --preset "$preset"
  fi
  if [ "$preset" != release ]; then
    step "$preset: test"
    ctest --preset "$preset" -j "$test_jobs"
    continue
  fi
  # The JavaScript binding's suite (bindings/node, built by the release preset only) runs beside
  # ctest: both mostly wait on sockets. Its devDependencies (TypeScript and
  # miniprogram-api-typings, for the type tests) come from the npm registry, as
  # package-lock.json pins them; it loads this build's addon (the npm package tests pack
  # bindings/node meanwhile).
  step "release: test (ctest, and beside it the JavaScript binding's suite)"
  npm ci --ignore-scripts --no-audit --no-fund --prefix bindings/node >/dev/null
  MINISOCK_NODE_ADDON="$PWD/build/release/bindings/node/minisock.node" \
    node --test bindings/node/test/ >build/release/javascript-tests.log 2>&1 &
  js=$!
  ctest_status=0
  ctest --preset release -j "$test_jobs" || ctest_status=$?
  js_status=0
  wait "$js" || js_status=$?
  echo "--- the JavaScript binding's suite (build/release/javascript-tests.log)"
  cat build/release/javascript-tests.log
  if [ "$ctest_status" -ne 0 ] || [ "$js_status" -ne 0 ]; then
    echo "release tests failed: ctest status $ctest_status, JavaScript suite status $js_status" >&2
    exit 1
  fi
done
