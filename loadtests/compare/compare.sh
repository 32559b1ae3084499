#!/usr/bin/env bash
# The side-by-side benchmark (issue 21): each server in turn on loopback,
# driven by the same generator (build/bin/colibri-chat-load) with the same
# shapes, interleaved (A B ..., then ... B A), CPU per process read from /proc
# (server, broker, generator apart), one table at the end.
#
#   loadtests/compare/compare.sh [--quick] [--runs N] [--peers colibri,nchan,...] [--shapes REGEX]
#
# Needs the local stack (scripts/colibri run): its PostgreSQL (users and
# sessions for the generator, Colibri's log) and Redis; `scripts/colibri run`
# afterwards gives the stack its own gateway back. Peers are installed here
# (apt: libnginx-mod-nchan, nats-server; npm into loadtests/compare/node_modules,
# git-ignored). Every server binds 127.0.0.1; before a frame is sent the
# harness checks with ss that no process of the run listens anywhere else.
#
# Tiers and peers (configurations fixed in this folder, never tuned per run):
#   F (fan-out; Colibri persists anyway): colibri (two gateways,
#     loadtests/bench_gateways.sh), twin-ws and twin-uws (Colibri's protocol on
#     npm's ws and on uWebSockets.js, two processes over Redis), socketio
#     (socket.io 4 + @socket.io/redis-adapter, two processes), nchan (nginx, two
#     workers, memory store), nats (core NATS over WebSocket, GOMAXPROCS=2);
#     plus idle: 10,000 subscribed sockets, server RSS per socket.
#   P-sync (ack after fsync): colibri, nchan-redis-sync (Redis storage,
#     appendfsync always); colibri-base: the gateway built from another commit
#     (COLIBRI_COMPARE_BASE_BIN=path/to/colibri-chat), for a before/after
#     figure measured the same way in the same run.
#   P-async (ack before fsync): colibri-async (PostgreSQL
#     synchronous_commit=off for the gateways' sessions), nchan-redis-async
#     (appendfsync everysec), nats-js (JetStream file store).
# --quick: one shape per tier (fan-out in rooms of 100, persisted in rooms of
# 2, idle) once, for 5 s.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LOCAL=$ROOT/.local
PG_URL=${COLIBRI_BENCH_PG_URL:-postgresql://colibri@127.0.0.1:55432/colibri}
REDIS_PORT=${COLIBRI_LOCAL_REDIS_PORT:-56379}
PEER_REDIS_PORT=56391  # nchan's own Redis, with the tier's fsync setting
GEN=$ROOT/build/bin/colibri-chat-load
ALL=colibri,colibri-async,twin-ws,twin-uws,socketio,nchan,nats,nchan-redis-sync,nchan-redis-async,nats-js
RUNS=3 SECONDS_PER=10 PEERS=$ALL IDLE=10000 ONLY=.
[ -n "${COLIBRI_COMPARE_BASE_BIN:-}" ] && PEERS=$PEERS,colibri-base
# name clients room_size senders_per_room rate
F_SHAPES=("fanout-2 2000 2 1 2000" "fanout-100 2000 100 2 1500" "fanout-500 1000 500 5 300")
P_SHAPES=("persist-2 2000 2 1 5000")
# Colibri's own goal: p99 ack at 10,000 messages/s (its rows only).
P_COLIBRI=("persist-2-10k 2000 2 1 10000")
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) RUNS=1 SECONDS_PER=5 F_SHAPES=("${F_SHAPES[1]}") P_COLIBRI=(); shift ;;
    --runs) RUNS=$2; shift 2 ;;
    --peers) PEERS=$2; shift 2 ;;
    --shapes) ONLY=$2; shift 2 ;;
    *) echo "usage: $0 [--quick] [--runs N] [--peers $ALL,colibri-base] [--shapes REGEX]" >&2; exit 2 ;;
  esac
done
OUT=$(mktemp -d /tmp/colibri-compare.XXXXXX)
chmod 755 "$OUT"  # nginx's workers (nobody) read their folder
trap 'stop_peer; rm -rf "$OUT"' EXIT

[ -x "$GEN" ] || { echo "build first (scripts/colibri build)" >&2; exit 1; }
redis-cli -p "$REDIS_PORT" ping >/dev/null || { echo "the local stack is not running (scripts/colibri run)" >&2; exit 1; }
missing=()
[ -f /usr/lib/nginx/modules/ngx_nchan_module.so ] || missing+=(libnginx-mod-nchan)
command -v nats-server >/dev/null || missing+=(nats-server)
# Debian's policy-rc.d here keeps installed services from starting.
[ ${#missing[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
npm ci --prefix "$HERE" --no-audit --no-fund --silent

tier() {  # peer shape -> F | P-sync | P-async
  case "$2" in fanout-*|idle-*) echo F ;; *) case "$1" in colibri|colibri-base|nchan-redis-sync) echo P-sync ;; *) echo P-async ;; esac ;; esac
}
shapes_of() {  # the shapes a peer runs, one per line
  case "$1" in
    colibri) printf '%s\n' "${F_SHAPES[@]}" "idle-$IDLE" "${P_SHAPES[@]}" "${P_COLIBRI[@]}" ;;
    twin-ws|twin-uws|socketio|nchan|nats) printf '%s\n' "${F_SHAPES[@]}" "idle-$IDLE" ;;
    colibri-base) printf '%s\n' "${P_SHAPES[@]}" "${P_COLIBRI[@]}" ;;
    colibri-async|nchan-redis-sync|nchan-redis-async|nats-js) printf '%s\n' "${P_SHAPES[@]}" ;;
    *) echo "unknown peer $1 (peers: $ALL)" >&2; exit 2 ;;
  esac
}

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
wait_port() { for _ in $(seq 100); do ss -ltn "sport = :$1" | grep -q LISTEN && return 0; sleep 0.1; done; echo "nothing listens on $1" >&2; exit 1; }

SERVER_PIDS=() BROKER_PIDS=() PROTO=colibri GATEWAYS=127.0.0.1:8082,127.0.0.1:8092
stop_stack_gateways() {
  "$ROOT/loadtests/bench_gateways.sh" stop >/dev/null 2>&1 || true
  [ -f "$LOCAL/run/chat.pid" ] && kill "$(cat "$LOCAL/run/chat.pid")" 2>/dev/null || true
  pkill -f "$ROOT/build/bin/colibri-chat" 2>/dev/null || true
  [ -n "${COLIBRI_COMPARE_BASE_BIN:-}" ] && pkill -f "$COLIBRI_COMPARE_BASE_BIN" 2>/dev/null || true
  sleep 0.5
}
start_peer_redis() {  # appendfsync always|everysec
  mkdir -p "$OUT/peer-redis"
  redis-server --bind 127.0.0.1 --port "$PEER_REDIS_PORT" --protected-mode yes --save '' --appendonly yes \
    --appendfsync "$1" --dir "$OUT/peer-redis" --logfile "$OUT/peer-redis.log" --daemonize no &
  BROKER_PIDS+=($!)
  wait_port "$PEER_REDIS_PORT"
}
start_peer() {
  SERVER_PIDS=() BROKER_PIDS=($(pgrep -f "redis-server 127.0.0.1:$REDIS_PORT" | head -1) $(pgrep -u colibri -f '^postgres' || true))
  PROTO=colibri GATEWAYS=127.0.0.1:8082,127.0.0.1:8092
  case "$1" in
    colibri|colibri-async|colibri-base)
      # Only the gateways' own sessions lose synchronous commit in the async tier.
      if [ "$1" = colibri-base ]; then
        [ -x "${COLIBRI_COMPARE_BASE_BIN:-}" ] || { echo "colibri-base needs COLIBRI_COMPARE_BASE_BIN" >&2; exit 2; }
        COLIBRI_BENCH_CHAT_BIN=$COLIBRI_COMPARE_BASE_BIN "$ROOT/loadtests/bench_gateways.sh" start >/dev/null
      elif [ "$1" = colibri-async ]; then
        PGOPTIONS='-c synchronous_commit=off' "$ROOT/loadtests/bench_gateways.sh" start >/dev/null
      else
        "$ROOT/loadtests/bench_gateways.sh" start >/dev/null
      fi
      SERVER_PIDS=($(cat "$LOCAL"/run/bench-chat-*.pid)) ;;
    twin-ws|twin-uws|socketio)
      stop_stack_gateways
      [ "$1" = socketio ] && PROTO=socketio
      local script=${1/-/_}; [ "$1" = socketio ] && script=sio_server
      for port in 8082 8092; do
        node "$HERE/$script.mjs" $port "$REDIS_PORT" >"$OUT/$1-$port.log" 2>&1 &
        SERVER_PIDS+=($!)
      done
      wait_port 8082; wait_port 8092 ;;
    nchan|nchan-redis-sync|nchan-redis-async)
      stop_stack_gateways
      PROTO=nchan
      local store="" dir=$OUT/nchan
      case "$1" in
        nchan-redis-sync) start_peer_redis always; store="nchan_redis_pass redis_server; nchan_redis_storage_mode distributed;" ;;
        nchan-redis-async) start_peer_redis everysec; store="nchan_redis_pass redis_server; nchan_redis_storage_mode distributed;" ;;
      esac
      rm -rf "$dir"; mkdir -p "$dir"
      sed -e "s|@DIR@|$dir|g" -e "s|@STORE@|$store|" -e "s|@REDIS_PORT@|$PEER_REDIS_PORT|" "$HERE/nchan.conf" >"$dir/nginx.conf"
      nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" &
      local master=$!
      wait_port 8082; wait_port 8092
      # Subscribers are refused until the workers have their Redis connection:
      # ready when a WebSocket handshake is accepted (101).
      for _ in $(seq 100); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
          -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
          http://127.0.0.1:8082/ps/ready 2>/dev/null)" = 101 ] && break
        sleep 0.2
      done
      SERVER_PIDS=($master $(pgrep -P $master)) ;;
    nats|nats-js)
      stop_stack_gateways
      PROTO=$1 GATEWAYS=127.0.0.1:8082
      local dir=$OUT/nats js=""
      rm -rf "$dir"; mkdir -p "$dir"
      [ "$1" = nats-js ] && js="jetstream { store_dir: \"$dir/js\", max_memory_store: 256MB, max_file_store: 16GB }"
      sed -e "s|@JETSTREAM@|$js|" "$HERE/nats.conf" >"$dir/nats.conf"
      GOMAXPROCS=2 nats-server -c "$dir/nats.conf" >"$dir/nats.log" 2>&1 &
      SERVER_PIDS=($!)
      wait_port 8082
      [ "$1" = nats-js ] && node "$HERE/nats_stream.mjs" 8082 >/dev/null ;;
  esac
  # Loopback only: every listener of the run's servers and brokers.
  local bad
  bad=$(ss -ltnp | awk 'NR > 1 && $4 !~ /^127\./ && $4 !~ /^\[::1\]/' |
    grep -E "pid=($(IFS='|'; echo "${SERVER_PIDS[*]} ${BROKER_PIDS[*]}" | tr ' ' '|'))," || true)
  [ -z "$bad" ] || { echo "not loopback only:"; echo "$bad"; exit 1; } >&2
}
stop_peer() {
  local p own=("${SERVER_PIDS[@]:-}")
  # The peer's own Redis (nchan's) goes too; the stack's Redis and PostgreSQL stay.
  for p in "${BROKER_PIDS[@]:-}"; do [ -n "$p" ] && grep -q -- "--port $PEER_REDIS_PORT\|:$PEER_REDIS_PORT" "/proc/$p/cmdline" 2>/dev/null && own+=("$p"); done
  for p in "${own[@]}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${own[@]}"; do [ -n "$p" ] && for _ in $(seq 200); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done; done
  for p in "${own[@]}"; do [ -n "$p" ] && kill -KILL "$p" 2>/dev/null || true; done
  # The next peer listens on the same ports.
  for port in 8082 8092 "$PEER_REDIS_PORT"; do
    for _ in $(seq 100); do ss -ltn "sport = :$port" | grep -q LISTEN || break; sleep 0.1; done
  done
  SERVER_PIDS=() BROKER_PIDS=()
}

# Starts the generator in the background and waits until it has written its
# users and sessions, so that the CPU counted is the run's, not the set-up's.
GEN_PID=
generate() {
  "$GEN" --pg-url "$PG_URL" --gateways "$GATEWAYS" --sources 127.0.0.1,127.0.0.2 --protocol "$PROTO" --procs 2 \
    "$@" >"$OUT/gen.out" 2>"$OUT/gen.err" &
  GEN_PID=$!
  for _ in $(seq 600); do grep -q '^set up' "$OUT/gen.err" && return 0; kill -0 $GEN_PID 2>/dev/null || return 0; sleep 0.1; done
}

# Idle: N sockets said hello and subscribed, held; the servers' RSS at steady
# state (sampled every second once all are connected, the last of 3 equal
# readings) against before, per socket.
idle() {
  local peer=$1 n=$2 hold=$((SECONDS_PER + 15)) before during=0 prev=-1 same=0 verdict
  before=$(rss_kib "${SERVER_PIDS[@]}")
  generate --idle "$n" --seconds "$hold"
  sleep 5  # connections (the generator starts its clock 3 s + 0.3 ms per client ahead)
  for _ in $(seq "$hold"); do
    during=$(rss_kib "${SERVER_PIDS[@]}")
    if [ "$during" -eq "$prev" ]; then same=$((same + 1)); else same=0; fi
    prev=$during
    [ "$same" -ge 2 ] && break
    sleep 1
  done
  wait "$GEN_PID" && verdict=ok || verdict=FAILED
  local connected; connected=$(sed -n 's/^clients [0-9]* (connected \([0-9]*\),.*/\1/p' "$OUT/gen.out")
  local per; per=$(awk -v a="$during" -v b="$before" -v n="${connected:-0}" 'BEGIN { if (n > 0) printf "%.1f", (a - b) / n; else print "-" }')
  echo "$peer idle-$n F $verdict ${connected:-0} - - 0 0 0 $per $during - -" >>"$OUT/results"
  echo "  $peer idle-$n: $verdict, connected ${connected:-0}, RSS ${before} -> ${during} KiB: $per KiB per socket"
}

one() {  # peer shape-line -> one result line in $OUT/results
  local peer=$1 name clients size senders rate
  read -r name clients size senders rate <<<"$2"
  local t; t=$(tier "$peer" "$name")
  local s0 b0 g0 s1 b1 g1 verdict
  g0=$(children_ticks)
  generate --clients "$clients" --room-size "$size" --senders-per-room "$senders" --rate "$rate" --seconds "$SECONDS_PER"
  s0=$(ticks "${SERVER_PIDS[@]}"); b0=$(ticks "${BROKER_PIDS[@]}")
  wait "$GEN_PID" && verdict=ok || verdict=FAILED
  s1=$(ticks "${SERVER_PIDS[@]}"); b1=$(ticks "${BROKER_PIDS[@]}"); g1=$(children_ticks)
  local log delivered acked order errors rss p99 ack99
  log=$(cat "$OUT/gen.out")
  delivered=$(sed -n 's/^delivered \([0-9]*\) .*/\1/p' <<<"$log")
  acked=$(sed -n 's/.*acked \([0-9]*\) .*/\1/p' <<<"$log")
  # Every member (the sender too) gets each acked message: fewer, within 5 s
  # of the end, is a loss, and a loss is a failure, not a figure.
  [ "$verdict" = ok ] && [ "${delivered:-0}" -lt $(( ${acked:-0} * size )) ] && verdict=LOST
  order=$(sed -n 's/^order errors \([0-9]*\), errors \([0-9]*\)/\1/p' <<<"$log")
  errors=$(sed -n 's/^order errors \([0-9]*\), errors \([0-9]*\)/\2/p' <<<"$log")
  rss=$(rss_kib "${SERVER_PIDS[@]}")
  p99=$(sed -n 's/^delivered.*p99 \([0-9.]*\) .*/\1/p' <<<"$log")
  ack99=$(sed -n 's/^sent.*ack latency.* p99 \([0-9.]*\) .*/\1/p' <<<"$log")
  # Fan-out: deliveries per server CPU-second; persisted: acked messages per
  # CPU-second of the server and its brokers together (end to end). Ticks are 1/100 s.
  local per="-" cpu=$((s1 - s0)); [ "$t" != F ] && cpu=$((s1 - s0 + b1 - b0))
  local units=${delivered:-0}; [ "$t" != F ] && units=${acked:-0}
  [ "$cpu" -gt 0 ] && per=$(( units * 100 / cpu ))
  echo "$peer $name $t $verdict ${delivered:-0} ${acked:-0} ${p99:-?}/${ack99:-?} $((s1 - s0)) $((b1 - b0)) $((g1 - g0)) $per $rss ${order:-?} ${errors:-?}" >>"$OUT/results"
  echo "  $peer $name ($t): $verdict, delivered ${delivered:-0}, acked ${acked:-0}, p99 delivery/ack ${p99:-?}/${ack99:-?} ms, server $((s1 - s0)) broker $((b1 - b0)) ticks, per CPU-s $per"
  [ "$verdict" = ok ] || { head -1 "$OUT/gen.out"; grep -m1 'first error' "$OUT/gen.err" || true; echo "  order errors ${order:-?}, errors ${errors:-?}"; } | sed 's/^/    /' 
}

IFS=, read -r -a peer_list <<<"$PEERS"
for peer in "${peer_list[@]}"; do shapes_of "$peer" >/dev/null; done
started=$(date +%s)
for run in $(seq "$RUNS"); do
  order=("${peer_list[@]}")
  if [ $((run % 2)) -eq 0 ]; then order=(); for ((i=${#peer_list[@]}-1; i>=0; i--)); do order+=("${peer_list[$i]}"); done; fi
  for peer in "${order[@]}"; do
    echo "run $run: $peer"
    start_peer "$peer"
    while read -r shape; do
      case "$shape" in
        idle-*) idle "$peer" "$IDLE" ;;
        *) for s in "${F_SHAPES[@]}" "${P_SHAPES[@]}" "${P_COLIBRI[@]}"; do [ "${s%% *}" = "$shape" ] && one "$peer" "$s"; done ;;
      esac
    done < <(shapes_of "$peer" | sed 's/ .*//' | grep -E -- "$ONLY" || true)
    stop_peer
  done
done
echo
echo "median over $RUNS run(s), ${SECONDS_PER} s each; CPU in ticks (1/100 s) of the first run: server, broker (Redis + PostgreSQL, nchan's own Redis), generator"
echo "per CPU-s: F = deliveries per server CPU-second; P = acked messages per CPU-second of server + brokers;"
echo "idle = KiB of server RSS per subscribed socket. us/unit = CPU microseconds per delivery or per acked message."
printf '%-17s %-13s %-7s %-7s %10s %8s %13s %7s %7s %6s %18s %8s %10s\n' peer shape tier verdict delivered acked p99_dlv/ack server broker gen "per CPU-s (range)" us/unit server_KiB
for shape in "${F_SHAPES[@]%% *}" "idle-$IDLE" "${P_SHAPES[@]%% *}" "${P_COLIBRI[@]%% *}"; do
  for peer in "${peer_list[@]}"; do
    rows=$(grep "^$peer $shape " "$OUT/results" || true)
    [ -n "$rows" ] || continue
    per=$(awk '{print $11}' <<<"$rows" | sort -g)
    n=$(wc -l <<<"$per")
    median=$(sed -n "$(( (n + 1) / 2 ))p" <<<"$per")
    verdict=ok; grep -q " FAILED " <<<"$rows" && verdict=FAILED; grep -q " LOST " <<<"$rows" && verdict=LOST
    read -r _ _ t _ d ak p99 sv br gn _ rss _ <<<"$(head -1 <<<"$rows")"
    us=$(awk -v m="$median" -v s="$shape" 'BEGIN { if (s ~ /^idle/ || m + 0 <= 0) print "-"; else printf "%.1f", 1e6 / m }')
    printf '%-17s %-13s %-7s %-7s %10s %8s %13s %7s %7s %6s %18s %8s %10s\n' "$peer" "$shape" "$t" "$verdict" "$d" "$ak" "$p99" \
      "$sv" "$br" "$gn" "$median ($(head -1 <<<"$per")..$(tail -1 <<<"$per"))" "$us" "$rss"
  done
done
echo "harness time: $(( $(date +%s) - started )) s"
# The stack's own gateway comes back with scripts/colibri run.
"$ROOT/loadtests/bench_gateways.sh" stop >/dev/null 2>&1 || true
