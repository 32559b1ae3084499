#!/usr/bin/env bash
# 100,000 sockets on six gateways (issue 22): the multi-node stack with six
# gateways on the Redis Cluster, the load generator connecting straight to
# them from six loopback source addresses (users and sessions seeded in SQL,
# rooms of 20,000 members, one sender per room: each message is a whole
# community's announcement), the gateways' memory sampled meanwhile.
#
# Usage: loadtests/many_sockets.sh [CLIENTS] [ROOM_SIZE] [SECONDS]
#        (100000, 20000 and 40 by default; docs/benchmarks.md)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STACK=$ROOT/deploy/multinode/stack.sh
DIR=${COLIBRI_MN_DIR:-$ROOT/.local/multinode}
CLIENTS=${1:-100000} ROOM_SIZE=${2:-20000} RUN_SECONDS=${3:-40}
GATEWAYS=6

"$STACK" stop >/dev/null 2>&1 || true
rm -rf "$DIR"
COLIBRI_MN_GATEWAYS=$GATEWAYS COLIBRI_MN_BENCH=1 "$STACK" start >/dev/null
pg=$("$STACK" env | sed -n 's/^COLIBRI_PG_URL=//p')
gws=() srcs=()
for i in $(seq "$GATEWAYS"); do gws+=("127.0.0.$((30 + i)):8080"); srcs+=("127.0.0.$((100 + i))"); done

rss_kib() {  # the gateways' resident memory, summed
  local total=0 f
  for f in "$DIR"/run/gateway-*.pid; do
    total=$((total + $(awk '/^VmRSS:/ {print $2}' "/proc/$(cat "$f")/status")))
  done
  echo "$total"
}
before=$(rss_kib)
metric() {  # one of the gateways' metrics, summed over them
  local total=0 i
  for i in $(seq "$GATEWAYS"); do
    total=$((total + $(curl -fsS "http://127.0.0.$((30 + i)):9090/metrics" | awk -v m="$1" '$1 == m {print $2}')))
  done
  echo "$total"
}
connections() { metric colibri_chat_connections; }  # sockets the gateways hold
peak_file=$(mktemp) conn_file=$(mktemp)
trap 'rm -f "$peak_file" "$conn_file"' EXIT
echo "$before" >"$peak_file"
echo 0 >"$conn_file"
(
  # Bounded: the run's length plus set-up and connect time.
  for _ in $(seq $((RUN_SECONDS + 600))); do
    now=$(rss_kib 2>/dev/null) || break
    [ "$now" -gt "$(cat "$peak_file")" ] && echo "$now" >"$peak_file"
    held=$(connections 2>/dev/null) || held=0
    [ "$held" -gt "$(cat "$conn_file")" ] && echo "$held" >"$conn_file"
    sleep 1
  done
) &
sampler=$!
IFS=,
"$ROOT/build/bin/colibri-chat-load" --pg-url "$pg" --gateways "${gws[*]}" --sources "${srcs[*]}" \
  --clients "$CLIENTS" --room-size "$ROOM_SIZE" --senders-per-room 1 --rate 1 --seconds "$RUN_SECONDS" --procs 6 \
  --connect-seconds "${CONNECT_SECONDS:-300}" --connect-rate "${CONNECT_RATE:-400}" &&
  result=passed || result=FAILED
unset IFS
kill "$sampler" 2>/dev/null || true
# Every frame queued to a client: events, answers (hello, subscribed, acks),
# presence counts.
echo "frames queued by the gateways: $(metric colibri_chat_frames_sent_total)"
peak=$(cat "$peak_file")
echo "generator: $result"
held=$(cat "$conn_file")
echo "sockets held by the gateways at the peak: $held"
echo "gateways' RSS: $((before / 1024)) MiB before, $((peak / 1024)) MiB at the peak;" \
  "$(( (peak - before) * 1024 / (held > 0 ? held : 1) )) bytes per socket"
[ -n "${KEEP_STACK:-}" ] || "$STACK" stop >/dev/null
