#!/usr/bin/env bash
# The side-by-side benchmark run (bench/README.md): installs what is missing, builds build/bench,
# makes a throwaway CA and server certificate, starts bench_server, runs every peer's client on
# every row over interleaved repetitions, runs bench_micro once, and writes bench/results/<date>.*
#
#   bench/run.sh [--quick] [--reps N] [--only ROWREGEX] [--peers LIST] [--no-build]
#
#   --quick        about a minute: short windows, small sizes (quick numbers are noisy)
#   --reps N       repetitions (default 3; at least 3 gives a spread worth reading)
#   --only RE      rows whose name (with @1cpu/@2cpu) matches the extended regex RE;
#                  "micro" names bench_micro, which runs only when RE matches it
#   --peers LIST   comma-separated subset of raw,asio,websocketpp,node,minisock,minisock_js,
#                  minisock_jsc
#                  (and minisock_base, added by BENCH_BASE_DIR)
#                  (with --only or --peers the report goes to the scratch folder only)
#   --no-build     skip setup, configure, build and npm (use what build/bench has)
#
# Environment: BENCH_JOBS=N limits the build's parallelism (cmake --build -j N); BENCH_BIN_DIR=DIR
# takes bench_* executables from DIR first (e.g. with --no-build, to try other builds);
# BENCH_BASE_DIR=DIR adds the peer minisock_base, DIR/bench_minisock (an earlier minisock's C++
# client, built from its own checkout), to check the C++ rows against it in the same run.
# Needs root (or sudo) only when Debian packages are missing, as scripts/setup.sh does.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

command="bench/run.sh${*:+ $*}"
quick=0
reps=""
only=""
default_peers="raw,asio,websocketpp,node,minisock,minisock_js,minisock_jsc${BENCH_BASE_DIR:+,minisock_base}"
peers_arg=$default_peers
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --reps) reps="$2"; shift ;;
    --only) only="$2"; shift ;;
    --peers) peers_arg="$2"; shift ;;
    --no-build) build=0 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument: $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done

if [ "$quick" = 1 ]; then
  window=0.15; warmup=0.05; stream_bytes=$((256 << 20)); idle_conns=200,2000; idle_reps=1
  flood_busy=1; cli_flood=1
  micro_args=(--benchmark_min_time=0.02)
  reps=${reps:-3}
else
  window=2; warmup=0.3; stream_bytes=$((2 << 30)); idle_conns=1000,10000; idle_reps=${reps:-3}
  flood_busy=6; cli_flood=5
  micro_args=()
  reps=${reps:-3}
fi
case "$reps" in ''|*[!0-9]*) echo "run.sh: --reps needs a number" >&2; exit 64 ;; esac
[ "$reps" -ge 1 ] || { echo "run.sh: --reps must be at least 1" >&2; exit 64; }
[ "$idle_reps" -le "$reps" ] || idle_reps=$reps

log() { printf '%s\n' "$*" >&2; }
t_start=$(date +%s.%N)

# ---------------------------------------------------------------- setup and build
bdir=build/bench
node_dir=$bdir/node
if [ "$build" = 1 ]; then
  bash scripts/setup.sh
  need=()
  for p in libwebsocketpp-dev gnuplot-nox openssl; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  command -v node >/dev/null 2>&1 || need+=(nodejs)
  command -v npm >/dev/null 2>&1 || need+=(npm)
  if [ ${#need[@]} -gt 0 ]; then
    log "run.sh: installing ${need[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
      if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        log "run.sh: need root (or sudo) to install: ${need[*]}"; exit 1
      fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
  fi

  # The tools too: cli_ws_flood runs the minisock CLI (build/bench/tools/minisock/minisock).
  cmake -S . -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMINISOCK_BUILD_BENCH=ON \
    -DMINISOCK_BUILD_TESTS=OFF -DMINISOCK_BUILD_EXAMPLES=OFF -DMINISOCK_BUILD_TOOLS=ON \
    -DMINISOCK_FUZZ_REPLAY=OFF >/dev/null
  cmake --build "$bdir" ${BENCH_JOBS:+-j "$BENCH_JOBS"}

  # npm ws + bufferutil, pinned by bench/node/package-lock.json, outside the tracked tree.
  mkdir -p "$node_dir"
  if ! cmp -s bench/node/package-lock.json "$node_dir/package-lock.json" ||
     [ ! -d "$node_dir/node_modules/ws" ]; then
    cp bench/node/package.json bench/node/package-lock.json "$node_dir/"
    (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

# ---------------------------------------------------------------- peers
# Finds build/bench/bench_<peer> (or wherever the bench CMake put it under build/bench).
find_exe() {
  local name=$1 f
  for f in ${BENCH_BIN_DIR:+"$BENCH_BIN_DIR/$name"} "$bdir/$name" "$bdir/bench/$name"; do
    [ -x "$f" ] && [ -f "$f" ] && { echo "$f"; return 0; }
  done
  f=$(find "$bdir" -name "$name" -type f -perm -u+x 2>/dev/null | head -n1)
  [ -n "$f" ] && { echo "$f"; return 0; }
  return 1
}

export MINISOCK_BENCH_NODE_MODULES="$root/$node_dir/node_modules"
declare -A peer_cmd=()
peers=()
notes=()
IFS=',' read -r -a wanted <<<"$peers_arg"
for p in "${wanted[@]}"; do
  case "$p" in
    node)
      if ! command -v node >/dev/null 2>&1; then notes+=("node: no node executable, skipped"); continue; fi
      if ! why=$(node -e "require('./bench/node/deps.js').loadWs()" 2>&1); then
        notes+=("node: ws/bufferutil not usable, skipped: $(printf '%s' "$why" | grep -m1 -i error || true)")
        continue
      fi
      peer_cmd[node]="node --expose-gc $root/bench/node/client.js" ;;
    minisock_js)
      # The JavaScript binding, built by the release preset (bindings/node finds it).
      if ! why=$(node -e "require('./bindings/node')" 2>&1); then
        notes+=("minisock_js: bindings/node not loadable (build the release preset), skipped")
        continue
      fi
      peer_cmd[minisock_js]="node --expose-gc $root/bench/node/minisock_js.js" ;;
    minisock_jsc)
      # The same script in JavaScriptCore: `minisock run` of the CLI built here (bindings/jsc).
      if ! cli=$(find_exe minisock) || ! "$cli" run --help >/dev/null 2>&1 ||
         "$cli" run /dev/null 2>&1 | grep -q "without JavaScriptCore"; then
        notes+=("minisock_jsc: no minisock CLI with JavaScriptCore in $bdir, skipped")
        continue
      fi
      peer_cmd[minisock_jsc]="$(realpath "$cli") run $root/bench/node/minisock_js.js" ;;
    minisock_base)
      if [ -x "${BENCH_BASE_DIR:-}/bench_minisock" ]; then
        peer_cmd[minisock_base]=$(realpath "$BENCH_BASE_DIR/bench_minisock")
      else
        notes+=("minisock_base: no BENCH_BASE_DIR/bench_minisock, skipped"); continue
      fi ;;
    raw|asio|websocketpp|minisock)
      if exe=$(find_exe "bench_$p"); then peer_cmd[$p]=$(realpath "$exe"); else
        notes+=("$p: no build/bench/bench_$p, skipped"); continue
      fi ;;
    *) log "run.sh: unknown peer: $p"; exit 64 ;;
  esac
  peers+=("$p")
done
for n in "${notes[@]}"; do log "run.sh: note: $n"; done
[ ${#peers[@]} -gt 0 ] || { log "run.sh: no peer to run"; exit 1; }
server_exe=$(find_exe bench_server) || { log "run.sh: no build/bench/bench_server"; exit 1; }

t_bench=$(date +%s.%N)

# ---------------------------------------------------------------- scratch, certificates
stamp=$(date +%Y%m%d-%H%M%S)
run_dir=$bdir/runs/$stamp
mkdir -p "$run_dir/err"
tmp=$(mktemp -d)
server_pid=""
cleanup() {
  exec 7>&- 2>/dev/null || true
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A throwaway CA and a server certificate for IP:127.0.0.1 that it signed (EC P-256).
(
  cd "$tmp"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=minisock bench CA" -keyout ca.key -out ca.pem \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=127.0.0.1" -keyout server.key -out server.csr
  printf '%s\n' 'subjectAltName=IP:127.0.0.1' 'basicConstraints=CA:FALSE' \
    'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' >server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -extfile server.ext -out server.pem
) >/dev/null 2>"$run_dir/openssl.log" || { cat "$run_dir/openssl.log" >&2; exit 1; }

# ws_idle holds 10,000 connections in the client and as many in the server.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# ---------------------------------------------------------------- server
# Starts bench_server (again, after a crash: the run goes on and the report notes it), reads its
# LISTEN lines into port[]. It runs until its stdin (the fifo held open on fd 7) closes.
declare -A port=()
server_starts=0
start_server() {
  server_starts=$((server_starts + 1))
  local out="$run_dir/server.$server_starts.out" err="$run_dir/server.$server_starts.err"
  exec 7>&- 2>/dev/null || true
  rm -f "$tmp/server.stdin"
  mkfifo "$tmp/server.stdin"
  "$server_exe" --cert "$tmp/server.pem" --key "$tmp/server.key" \
    <"$tmp/server.stdin" >"$out" 2>"$err" &
  server_pid=$!
  exec 7>"$tmp/server.stdin"
  for _ in $(seq 300); do
    grep -q '^READY' "$out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q '^READY' "$out"; then
    log "run.sh: bench_server did not print READY"; cat "$out" "$err" >&2
    exit 1
  fi
  port=()
  local word name p
  while read -r word name p; do
    [ "$word" = LISTEN ] && port[$name]=$p
  done <"$out"
  for l in tcp_echo tcp_sink tcp_flood udp_echo udp_blast ws_echo ws_flood wss_echo; do
    [ -n "${port[$l]:-}" ] || { log "run.sh: bench_server printed no LISTEN $l"; exit 1; }
  done
}
start_server
all_cpus=$(taskset -c -p "$server_pid" | awk '{print $NF}')  # the server's CPU list as started
ncpu=$(nproc)

# ---------------------------------------------------------------- rows
# name | server listener | extra client arguments | pinned variants | samples per repetition
# of the unpinned variant (default 1)
rows=(
  "tcp_pingpong|tcp_echo|--size 64|pin"
  # Unpinned, each peer's tcp_stream samples spread 1.4-4.4 GB/s with how often the sink falls
  # asleep and must be woken (the report shows the wake-ups); five samples per repetition steady
  # the median.
  "tcp_stream|tcp_sink|--bytes $stream_bytes|pin|5"
  "udp_pingpong|udp_echo|--size 64|pin"
  "udp_oneway|udp_blast||"
  "ws_pingpong|ws_echo|--size 64|pin"
  "ws_pipelined|ws_echo|--size 64 --inflight 100|"
  "ws_1mib|ws_echo|--size 1048576 --inflight 4|"
  "wss_pingpong|wss_echo|--size 64 --ca $tmp/ca.pem|pin"
  "wss_1mib|wss_echo|--size 1048576 --inflight 4 --ca $tmp/ca.pem|"
  "ws_idle|ws_echo|--conns $idle_conns|"
  "ws_handshakes|ws_echo||pin"
  # Sequential wss open + full close to the same server; minisock resumes TLS sessions (its
  # default) and also reports its rate without resumption (no_resume_per_s).
  "wss_handshakes|wss_echo|--ca $tmp/ca.pem|pin"
  # What a client holds while its JavaScript is busy for --busy seconds (busy_flood: MiB ↓).
  "busy_flood|tcp_flood|--busy $flood_busy|"
  # The CLI's peak RSS while `minisock ws URL --json >file` receives --flood seconds of 1 MiB
  # binary messages (KiB ↓; the node peer runs bench/node/ws_cli.js the same way).
  "cli_ws_flood|ws_flood|--flood $cli_flood --size 1048576|"
)

# Expanded row list: "variant|base|listener|args|cpus|times" where cpus is "" (as started), 0 or
# 0,1 and times the samples per peer and repetition.
plan=()
extra_samples=""  # "variant=times,..." for the report
for r in "${rows[@]}"; do
  IFS='|' read -r name listener extra pin times <<<"$r"
  times=${times:-1}
  if [ "$pin" = pin ]; then
    plan+=("$name@1cpu|$name|$listener|$extra|0|1")
    if [ "$ncpu" -ge 2 ]; then
      plan+=("$name@2cpu|$name|$listener|$extra|0,1|$times")
      [ "$times" = 1 ] || extra_samples+="${extra_samples:+,}$name@2cpu=$times"
    fi
  else
    plan+=("$name|$name|$listener|$extra||$times")
    [ "$times" = 1 ] || extra_samples+="${extra_samples:+,}$name=$times"
  fi
done
if [ -n "$only" ]; then
  kept=()
  for p in "${plan[@]}"; do
    grep -Eq -- "$only" <<<"${p%%|*}" && kept+=("$p")
  done
  plan=("${kept[@]+"${kept[@]}"}")
fi

printf '%s\n' "${notes[@]+"${notes[@]}"}" >"$run_dir/notes.txt"
node -e '
  const [file, command, mode, reps, seconds, warmup, bytes, conns, idleReps, peers, only, extra] =
    process.argv.slice(1);
  const extraSamples = Object.fromEntries((extra ? extra.split(",") : [])
    .map((e) => e.split("=")).map(([k, v]) => [k, +v]));
  require("fs").writeFileSync(file, JSON.stringify({ command, mode, reps: +reps, seconds: +seconds,
    warmup: +warmup, stream_bytes: +bytes, idle_conns: conns, idle_reps: +idleReps,
    peers: peers.split(","), only, samples_per_rep: extraSamples,
    started: new Date().toISOString() }) + "\n");
' "$run_dir/meta.json" "$command" "$([ "$quick" = 1 ] && echo quick || echo full)" "$reps" "$window" \
  "$warmup" "$stream_bytes" "$idle_conns" "$idle_reps" "$(IFS=,; echo "${peers[*]}")" "$only" \
  "$extra_samples"

samples=$run_dir/samples.tsv
printf 'rep\trow\tpeer\tstatus\twall_s\tresult\tsample\n' >"$samples"
sample_no=0
run_one() {  # rep variant base listener extra cpus peer
  local rep=$1 variant=$2 base=$3 listener=$4 extra=$5 cpus=$6 peer=$7
  local limit
  limit=$(awk -v w="$window" -v u="$warmup" 'BEGIN { printf "%d", w + u + 30.999 }')
  case "$base" in ws_idle) limit=$((limit + 130)) ;; tcp_stream) limit=$((limit + 40)) ;;
    busy_flood) limit=$((limit + 20)) ;; wss_handshakes) limit=$(awk -v l="$limit" -v w="$window" -v u="$warmup" 'BEGIN { printf "%d", l + w + u + 1 }') ;;
    cli_ws_flood) limit=$((limit + cli_flood + 20)) ;; esac
  local prefix=()
  [ -n "$cpus" ] && prefix=(taskset -c "$cpus")
  sample_no=$((sample_no + 1))
  local errf="$run_dir/err/$sample_no.txt" out rc t0 t1 wakeups0
  # tcp_stream's throughput follows how often the sink sleeps and is woken (the sender pays
  # each wake-up): count the server's voluntary context switches over the sample.
  [ "$base" = tcp_stream ] && wakeups0=$(server_wakeups)
  t0=$(date +%s.%N)
  set +e
  # shellcheck disable=SC2086  # peer_cmd and extra are word lists
  out=$(timeout -k 5 "$limit" "${prefix[@]}" ${peer_cmd[$peer]} "$base" --host 127.0.0.1 \
        --port "${port[$listener]}" --seconds "$window" --warmup "$warmup" $extra 2>"$errf" </dev/null)
  rc=$?
  set -e
  t1=$(date +%s.%N)
  out=$(printf '%s' "$out" | grep -m1 '^{' || true)
  [ "$rc" = 0 ] && [ -z "$out" ] && rc=1 && echo "no JSON line on stdout" >>"$errf"
  if [ "$rc" = 0 ] && [ -n "${wakeups0:-}" ]; then
    local wakeups1
    wakeups1=$(server_wakeups)
    [ -n "$wakeups1" ] && out="${out%\}},\"server_wakeups\":$((wakeups1 - wakeups0))}"
  fi
  local wall
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$variant" "$peer" "$rc" "$wall" "$out" "$sample_no" >>"$samples"
  local shown
  case "$rc" in
    0) shown=$(sed -E 's/.*"value": *([^,}]*).*"unit": *"([^"]*)".*/\1 \2/' <<<"$out")
       shown=$(awk -v v="${shown%% *}" -v u="${shown#* }" \
         'BEGIN { printf (v >= 100 ? "%.0f %s" : "%.3g %s"), v, u }') ;;
    3) shown="(row not supported)" ;;
    124|137) shown="TIMEOUT after ${limit}s" ;;
    *) shown="FAILED ($rc): $(head -c 200 "$errf" | head -n1)" ;;
  esac
  printf '  [%s/%s] %-22s %-12s %s\n' "$rep" "$reps" "$variant" "$peer" "$shown" >&2
}

server_wakeups() {  # voluntary context switches of the server's threads so far
  cat /proc/"$server_pid"/task/*/status 2>/dev/null |
    awk '/^voluntary_ctxt_switches/ { n += $2 } END { if (NR) print n }'
}

set_server_cpus() {  # "" = as started
  taskset -a -p -c "${1:-$all_cpus}" "$server_pid" >/dev/null ||
    log "run.sh: warning: could not move bench_server to CPUs ${1:-$all_cpus}"
}

# A server that died (with the previous client) is noted and started again.
ensure_server() {  # variant rep peer
  kill -0 "$server_pid" 2>/dev/null && return 0
  local st=0
  wait "$server_pid" 2>/dev/null || st=$?
  local msg="bench_server died (status $st) during the previous client run; restarted before $1 $3, repetition $2"
  log "run.sh: $msg"; tail -n 5 "$run_dir/server.$server_starts.err" >&2
  printf '%s\n' "$msg" >>"$run_dir/notes.txt"
  [ "$server_starts" -lt 10 ] || { log "run.sh: bench_server died 10 times, giving up"; exit 1; }
  start_server
}

log "run.sh: $([ "$quick" = 1 ] && echo quick || echo full) run, $reps repetitions, peers: ${peers[*]}; scratch in $run_dir"
for rep in $(seq "$reps"); do
  for p in "${plan[@]+"${plan[@]}"}"; do
    IFS='|' read -r variant base listener extra cpus times <<<"$p"
    [ "$base" = ws_idle ] && [ "$rep" -gt "$idle_reps" ] && continue
    for _ in $(seq "$times"); do
      for peer in $(shuf -e "${peers[@]}"); do
        ensure_server "$variant" "$rep" "$peer"
        # The server's threads follow the client's CPUs for the pinned variants.
        set_server_cpus "$cpus"
        run_one "$rep" "$variant" "$base" "$listener" "$extra" "$cpus" "$peer"
      done
    done
  done
done
set_server_cpus ""

# ---------------------------------------------------------------- server down, micro-benchmarks
exec 7>&-
for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
kill -TERM "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=""

if [ -z "$only" ] || grep -Eq -- "$only" <<<micro; then
  if micro=$(find_exe bench_micro); then
    log "run.sh: bench_micro"
    if ! "$micro" --benchmark_format=console --benchmark_out="$run_dir/micro.json" \
        --benchmark_out_format=json "${micro_args[@]+"${micro_args[@]}"}" >"$run_dir/micro.txt" 2>&1; then
      log "run.sh: bench_micro failed:"; tail -n 5 "$run_dir/micro.txt" >&2
    fi
  else
    log "run.sh: note: no build/bench/bench_micro, skipped"
  fi
fi

# ---------------------------------------------------------------- report
t_end=$(date +%s.%N)
wall=$(awk -v a="$t_start" -v b="$t_end" 'BEGIN{printf "%.0f", b-a}')
bench_wall=$(awk -v a="$t_bench" -v b="$t_end" 'BEGIN{printf "%.0f", b-a}')
# A run narrowed by --only or --peers reports into its scratch folder, not bench/results.
out=bench/results
latest=yes
if [ -n "$only" ] || [ "$peers_arg" != "$default_peers" ]; then
  out=$run_dir
  latest=no
fi
node bench/report/report.js --run "$run_dir" --out "$out" --latest "$latest" --build "$bdir" \
  --wall "$wall" --bench-wall "$bench_wall"
log "run.sh: done in ${wall} s, ${bench_wall} s of them benchmarks (raw samples: $run_dir)"
