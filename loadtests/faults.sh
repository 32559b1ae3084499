#!/usr/bin/env bash
# Faults under load on the multi-node stack (deploy/multinode/stack.sh): for
# each fault, a fresh stack, the load generator with --reconnect (members who
# reconnect and resume, loss and order checked in PostgreSQL at the end), and
# the fault injected FAULT_AT seconds into the run. For the REST process, the
# REST generator runs through nginx at the same time.
#
# Usage: loadtests/faults.sh [redis-primary] [gateway] [pg-primary] [pg-postmaster] [rest]
#        (all five by default; results in docs/benchmarks.md, "Faults").
#        FAULT_RUN_SECONDS (45), FAULT_AT (15).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STACK=$ROOT/deploy/multinode/stack.sh
BIN=${COLIBRI_BIN_DIR:-$ROOT/build/bin}
SECONDS_RUN=${FAULT_RUN_SECONDS:-45}
FAULT_AT=${FAULT_AT:-15}
GATEWAYS=127.0.0.31:8080,127.0.0.32:8080,127.0.0.33:8080
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
faults=("$@")
[ ${#faults[@]} -gt 0 ] || faults=(redis-primary gateway pg-primary pg-postmaster rest)

for fault in "${faults[@]}"; do
  "$STACK" stop >/dev/null 2>&1 || true
  rm -rf "${COLIBRI_MN_DIR:-$ROOT/.local/multinode}"
  # Failures detected in 2 s (the stack's default is 5 s, as advised in production).
  COLIBRI_MN_BENCH=1 COLIBRI_MN_REDIS_NODE_TIMEOUT=2000 "$STACK" start >/dev/null
  pg=$("$STACK" env | sed -n 's/^COLIBRI_PG_URL=//p')
  echo "== $fault"
  "$BIN/colibri-chat-load" --pg-url "$pg" --gateways "$GATEWAYS" --clients 400 --room-size 20 --senders-per-room 1 \
    --rate 200 --seconds "$SECONDS_RUN" --reconnect 1 >"$OUT/chat.txt" 2>&1 &
  chat=$!
  rest=
  if [ "$fault" = rest ]; then
    "$BIN/colibri-rest-load" --pg-url "$pg" --target 127.0.0.1:8480 --rate 100 --seconds "$((SECONDS_RUN + 5))" \
      --warmup-seconds 0 >"$OUT/rest.txt" 2>&1 &
    rest=$!
  fi
  # The generator sets up its users and connects for the first seconds.
  sleep "$FAULT_AT"
  at=$(date +%s.%N)
  case "$fault" in
    redis-primary)
      room=group:$(psql -h 127.0.0.21 -U colibri -d colibri -tAc "SELECT max(id) FROM groups")
      echo "killed $("$STACK" kill redis-primary-of "$room"), the shard of $room" ;;
    gateway) echo "killed $("$STACK" kill gateway 1)" ;;
    rest) echo "killed $("$STACK" kill rest 1)" ;;
    pg-primary|pg-postmaster)
      echo "killed the $("$STACK" kill "$fault")"; sleep 1
      echo "$("$STACK" kill pg-promote)" ;;
  esac
  echo "fault at $(date -d "@$at" +%T.%N | cut -c1-12)"
  wait "$chat" && echo "chat generator: passed" || echo "chat generator: FAILED"
  cat "$OUT/chat.txt"
  if [ -n "$rest" ]; then
    wait "$rest" && echo "rest generator: passed" || echo "rest generator: FAILED"
    cat "$OUT/rest.txt"
  fi
done
[ -n "${FAULT_KEEP_STACK:-}" ] || "$STACK" stop >/dev/null
