#!/usr/bin/env bash
# The side-by-side benchmark (issue 21): each server in turn on loopback,
# driven by the same generator (build/bin/colibri-chat-load) with the same
# shapes, interleaved (A B ..., then ... B A), CPU per process read from /proc
# (server, broker, generator apart), one table at the end.
#
#   loadtests/compare/compare.sh [--quick] [--runs N] [--peers colibri,twin-ws,twin-uws,socketio]
#
# Needs the local stack (scripts/colibri run): its PostgreSQL (users and
# sessions for the generator, Colibri's log) and Redis. Peers are installed
# here (npm into loadtests/compare/node_modules, git-ignored). Every server
# binds 127.0.0.1; before a frame is sent the harness checks with ss that no
# process of the run listens anywhere else.
#
# Peers so far: colibri (two gateways, loadtests/bench_gateways.sh), twin-ws
# and twin-uws (Colibri's protocol on npm's ws and on uWebSockets.js, two
# processes each over Redis: twin_ws.mjs, twin_uws.mjs), socketio (socket.io
# 4 with @socket.io/redis-adapter, two processes: sio_server.mjs; the
# generator speaks its frames and checks order per sender). Shapes: fan-out (clients / room size / senders per room /
# rate) as in docs/benchmarks.md. --quick: each shape once for 5 s.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LOCAL=$ROOT/.local
PG_URL=${COLIBRI_BENCH_PG_URL:-postgresql://colibri@127.0.0.1:55432/colibri}
REDIS_PORT=${COLIBRI_LOCAL_REDIS_PORT:-56379}
GEN=$ROOT/build/bin/colibri-chat-load
RUNS=3 SECONDS_PER=10 PEERS=colibri,twin-ws,twin-uws,socketio
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) RUNS=1 SECONDS_PER=5; shift ;;
    --runs) RUNS=$2; shift 2 ;;
    --peers) PEERS=$2; shift 2 ;;
    *) echo "usage: $0 [--quick] [--runs N] [--peers colibri,twin-ws,twin-uws,socketio]" >&2; exit 2 ;;
  esac
done
# name clients room_size senders_per_room rate
SHAPES=("fanout-2 2000 2 1 2000" "fanout-100 2000 100 2 1500" "fanout-500 1000 500 5 300")
OUT=$(mktemp -d /tmp/colibri-compare.XXXXXX)
trap 'stop_peer; rm -rf "$OUT"' EXIT

[ -x "$GEN" ] || { echo "build first (scripts/colibri build)" >&2; exit 1; }
redis-cli -p "$REDIS_PORT" ping >/dev/null || { echo "the local stack is not running (scripts/colibri run)" >&2; exit 1; }
npm ci --prefix "$HERE" --no-audit --no-fund --silent

ticks() {  # user+system CPU ticks of the given pids (absent ones count 0)
  local t=0 p f
  for p in "$@"; do
    if [ -r "/proc/$p/stat" ]; then
      read -r -a f < <(sed 's/^.*) //' "/proc/$p/stat")
      t=$((t + f[11] + f[12]))
    fi
  done
  echo $t
}
children_ticks() {  # this shell's waited-for children (the generator)
  local f
  read -r -a f < <(sed 's/^.*) //' /proc/$$/stat)
  echo $((f[13] + f[14]))
}
rss_kib() { local t=0 p; for p in "$@"; do t=$((t + $(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0))); done; echo $t; }

SERVER_PIDS=() PROTO=colibri
start_peer() {
  SERVER_PIDS=()
  PROTO=colibri; [ "$1" = socketio ] && PROTO=socketio
  case "$1" in
    colibri)
      "$ROOT/loadtests/bench_gateways.sh" start >/dev/null
      SERVER_PIDS=($(cat "$LOCAL"/run/bench-chat-*.pid)) ;;
    twin-ws|twin-uws|socketio)
      "$ROOT/loadtests/bench_gateways.sh" stop >/dev/null 2>&1 || true
      [ -f "$LOCAL/run/chat.pid" ] && kill "$(cat "$LOCAL/run/chat.pid")" 2>/dev/null || true
      pkill -f "$ROOT/build/bin/colibri-chat" 2>/dev/null || true
      sleep 0.5
      for port in 8082 8092; do
        script=${1/-/_}; [ "$1" = socketio ] && script=sio_server
        node "$HERE/$script.mjs" $port "$REDIS_PORT" >"$OUT/$1-$port.log" 2>&1 &
        SERVER_PIDS+=($!)
      done
      for port in 8082 8092; do
        for _ in $(seq 100); do ss -ltn "sport = :$port" | grep -q LISTEN && break; sleep 0.1; done
      done ;;
  esac
  # Loopback only: every listener of the run's servers and brokers.
  local bad
  bad=$(ss -ltnp | awk 'NR > 1 && $4 !~ /^127\./ && $4 !~ /^\[::1\]/' | grep -E "pid=($(IFS='|'; echo "${SERVER_PIDS[*]}")|$(pgrep -d'|' redis-server)|$(pgrep -d'|' postgres))," || true)
  [ -z "$bad" ] || { echo "not loopback only:"; echo "$bad"; exit 1; } >&2
}
stop_peer() {
  local p
  for p in "${SERVER_PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${SERVER_PIDS[@]:-}"; do [ -n "$p" ] && while kill -0 "$p" 2>/dev/null; do sleep 0.05; done; done
  SERVER_PIDS=()
}

# Idle: N sockets said hello and subscribed, held; the servers' RSS at steady
# state (sampled every second once all are connected, the last of 3 equal
# readings) against before, per socket.
idle() {
  local peer=$1 n=$2 hold=$((SECONDS_PER + 15)) before during=0 prev=-1 same=0 log pid
  before=$(rss_kib "${SERVER_PIDS[@]}")
  "$GEN" --pg-url "$PG_URL" --gateways 127.0.0.1:8082,127.0.0.1:8092 --sources 127.0.0.1,127.0.0.2 \
    --protocol "$PROTO" --idle "$n" --seconds "$hold" --procs 2 >"$OUT/idle.log" 2>/dev/null &
  pid=$!
  sleep 8  # set-up and connections (the generator starts its clock 3 s + 0.3 ms per client ahead)
  for _ in $(seq "$hold"); do
    during=$(rss_kib "${SERVER_PIDS[@]}")
    if [ "$during" -eq "$prev" ]; then same=$((same + 1)); else same=0; fi
    prev=$during
    [ "$same" -ge 2 ] && break
    sleep 1
  done
  wait "$pid" && verdict=ok || verdict=FAILED
  log=$(cat "$OUT/idle.log")
  local connected; connected=$(sed -n 's/^clients [0-9]* (connected \([0-9]*\),.*/\1/p' <<<"$log")
  local per; per=$(awk -v a="$during" -v b="$before" -v n="${connected:-0}" 'BEGIN { if (n > 0) printf "%.1f", (a - b) / n; else print "-" }')
  echo "$peer idle-$n $verdict ${connected:-0} - 0 0 0 $per $during - -" >>"$OUT/results"
  echo "  $peer idle-$n: $verdict, connected ${connected:-0}, RSS ${before} -> ${during} KiB: $per KiB per socket"
}

one() {  # peer shape-line run -> one result line in $OUT/results
  local peer=$1 name clients size senders rate
  read -r name clients size senders rate <<<"$2"
  local redis_pid pg_pids s0 b0 g0 s1 b1 g1 log
  redis_pid=$(pgrep -f "redis-server 127.0.0.1:$REDIS_PORT" | head -1 || true)
  pg_pids=$(pgrep -u colibri -f '^postgres' || true)
  s0=$(ticks "${SERVER_PIDS[@]}"); b0=$(ticks $redis_pid $pg_pids); g0=$(children_ticks)
  log=$("$GEN" --pg-url "$PG_URL" --gateways 127.0.0.1:8082,127.0.0.1:8092 --sources 127.0.0.1,127.0.0.2 \
    --protocol "$PROTO" --clients "$clients" --room-size "$size" --senders-per-room "$senders" --rate "$rate" \
    --seconds "$SECONDS_PER" --procs 2 2>/dev/null) && verdict=ok || verdict=FAILED
  s1=$(ticks "${SERVER_PIDS[@]}"); b1=$(ticks $redis_pid $pg_pids); g1=$(children_ticks)
  local delivered order errors rss acked
  delivered=$(sed -n 's/^delivered \([0-9]*\) .*/\1/p' <<<"$log")
  acked=$(sed -n 's/.*acked \([0-9]*\) .*/\1/p' <<<"$log")
  # Every member (the sender too) gets each acked message: fewer, within 5 s
  # of the end, is a loss, and a loss is a failure, not a figure.
  [ "$verdict" = ok ] && [ "${delivered:-0}" -lt $(( ${acked:-0} * size )) ] && verdict=LOST
  order=$(sed -n 's/^order errors \([0-9]*\), errors \([0-9]*\)/\1/p' <<<"$log")
  errors=$(sed -n 's/^order errors \([0-9]*\), errors \([0-9]*\)/\2/p' <<<"$log")
  rss=$(rss_kib "${SERVER_PIDS[@]}")
  local p99; p99=$(sed -n 's/^delivered.*p99 \([0-9.]*\) .*/\1/p' <<<"$log")
  # Deliveries per server CPU-second (ticks are 1/100 s).
  local per="-"; [ "$((s1 - s0))" -gt 0 ] && per=$(( ${delivered:-0} * 100 / (s1 - s0) ))
  echo "$peer $name $verdict ${delivered:-0} ${p99:-?} $((s1 - s0)) $((b1 - b0)) $((g1 - g0)) $per $rss ${order:-?} ${errors:-?}" >>"$OUT/results"
  echo "  $peer $name: $verdict, delivered ${delivered:-0}, p99 ${p99:-?} ms, server ${s1}-${s0} ticks, deliveries/server CPU-s $per"
}

IFS=, read -r -a peer_list <<<"$PEERS"
started=$(date +%s)
for run in $(seq "$RUNS"); do
  order=("${peer_list[@]}")
  if [ $((run % 2)) -eq 0 ]; then order=(); for ((i=${#peer_list[@]}-1; i>=0; i--)); do order+=("${peer_list[$i]}"); done; fi
  for peer in "${order[@]}"; do
    echo "run $run: $peer"
    start_peer "$peer"
    for shape in "${SHAPES[@]}"; do one "$peer" "$shape"; done
    idle "$peer" 10000
    stop_peer
  done
done
[ -f "$LOCAL/run/chat.pid" ] || true
echo
echo "median over $RUNS run(s), ${SECONDS_PER} s each; CPU in ticks (1/100 s): server, broker (Redis + PostgreSQL), generator"
echo "(the median column: deliveries per server CPU-second, or for idle-10000 KiB of server RSS per subscribed socket)"
printf '%-9s %-11s %-8s %12s %9s %8s %8s %8s %16s %10s\n' peer shape verdict delivered p99_ms server broker gen deliv/serverCPUs server_KiB
for peer in "${peer_list[@]}"; do
  for shape in "${SHAPES[@]}" "idle-10000"; do
    name=${shape%% *}
    rows=$(grep "^$peer $name " "$OUT/results" || true)
    [ -n "$rows" ] || continue
    per=$(awk '{print $9}' <<<"$rows" | sort -n)
    n=$(wc -l <<<"$per")
    median=$(sed -n "$(( (n + 1) / 2 ))p" <<<"$per")
    verdict=ok; grep -q " FAILED " <<<"$rows" && verdict=FAILED; grep -q " LOST " <<<"$rows" && verdict=LOST
    read -r _ _ _ d p99 sv br gn _ rss _ <<<"$(head -1 <<<"$rows")"
    printf '%-9s %-11s %-8s %12s %9s %8s %8s %8s %10s (%s..%s) %10s\n' "$peer" "$name" "$verdict" "$d" "$p99" \
      "$sv" "$br" "$gn" "$median" "$(head -1 <<<"$per")" "$(tail -1 <<<"$per")" "$rss"
  done
done
echo "harness time: $(( $(date +%s) - started )) s"
# The stack's own gateway again.
"$ROOT/loadtests/bench_gateways.sh" stop >/dev/null 2>&1 || true
