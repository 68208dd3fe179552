#!/usr/bin/env bash
# Runs one libFuzzer target for N minutes over its corpus, then merges what it found into
# fuzz/corpus/<name>/ (only inputs that add coverage are kept).
#
#   fuzz/run.sh NAME MINUTES [extra libFuzzer flags...]     e.g. fuzz/run.sh parse_host 10
#
# Builds build/fuzz (clang, ASan+UBSan, -j1) first if needed. Environment:
#   MINISOCK_FUZZ_BUILD_DIR  build directory (default: build/fuzz)
#   MINISOCK_FUZZ_JOBS       build parallelism (default: 1)
#   MINISOCK_FUZZ_MERGE=0    do not merge new inputs into fuzz/corpus/NAME
# A crash's reproducer is copied to fuzz/crashes/NAME/.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 NAME MINUTES [libFuzzer flags...]" >&2
  echo "targets: $(cd "$(dirname "$0")" && ls *.cpp | grep -v replay_main | sed 's/\.cpp$//' | tr '\n' ' ')" >&2
  exit 2
fi
name=$1
minutes=$2
shift 2

root=$(cd "$(dirname "$0")/.." && pwd)
build=${MINISOCK_FUZZ_BUILD_DIR:-$root/build/fuzz}
jobs=${MINISOCK_FUZZ_JOBS:-1}
corpus=$root/fuzz/corpus/$name
work=$build/fuzz-work/$name
artifacts=$build/fuzz-artifacts/$name
crashes=$root/fuzz/crashes/$name

if [[ ! -f $build/build.ninja ]]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMINISOCK_BUILD_FUZZ=ON -DMINISOCK_BUILD_TESTS=OFF -DMINISOCK_BUILD_EXAMPLES=OFF \
    -DMINISOCK_BUILD_TOOLS=OFF -DMINISOCK_SANITIZE=address,undefined
fi
nice -n 10 cmake --build "$build" -j "$jobs" --target "fuzz_$name"

# Per-target input limits: the stream target takes whole HTTP responses and frame sequences.
case $name in
  ws_client_stream) max_len=65536 ;;
  write_queue | listener_registry) max_len=16384 ;;
  *) max_len=4096 ;;
esac

mkdir -p "$corpus" "$work" "$artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
# New inputs go to the scratch directory (first); the checked-in corpus is read.
nice -n 10 "$build/fuzz/fuzz_$name" "$work" "$corpus" -max_total_time=$((minutes * 60)) \
  -print_final_stats=1 -max_len=$max_len -timeout=20 -rss_limit_mb=2560 \
  -artifact_prefix="$artifacts/" "$@" || status=$?

if compgen -G "$artifacts/*" >/dev/null; then
  mkdir -p "$crashes"
  mv "$artifacts"/* "$crashes"/
  echo "run.sh: reproducers moved to $crashes" >&2
fi
if [[ ${MINISOCK_FUZZ_MERGE:-1} == 1 && $status == 0 ]]; then
  nice -n 10 "$build/fuzz/fuzz_$name" -merge=1 -max_len=$max_len -timeout=20 -rss_limit_mb=2560 \
    "$corpus" "$work" 2>&1 | grep -E "MERGE-OUTER: [0-9]+ new files" || true
  echo "run.sh: corpus $corpus: $(ls "$corpus" | wc -l) files, $(du -sb --apparent-size "$corpus" | cut -f1) bytes"
fi
exit $status
