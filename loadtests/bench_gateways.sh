#!/usr/bin/env bash
# Replaces the local stack's gateway by two gateways (8082, 8092) with the
# per-user rate limits and the per-address socket caps lifted, for the load
# generator (docs/benchmarks.md): it sends far more per person than a person
# may, and opens thousands of sockets from a few addresses.
# Usage: loadtests/bench_gateways.sh start|stop
# COLIBRI_BENCH_CHAT_BIN: another build of the gateway (an older commit's,
# for a before/after figure); PGOPTIONS passes through to its sessions.
# COLIBRI_BENCH_CHAT_BIN_8092: the second gateway's build, when it differs
# (a rolling upgrade: the previous release beside the new one,
# docs/operations.md).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOCAL=$ROOT/.local
case "${1:-start}" in
  start)
    [ -f "$LOCAL/run/chat.pid" ] && kill "$(cat "$LOCAL/run/chat.pid")" 2>/dev/null || true
    pkill -f "$ROOT/build/bin/colibri-chat" 2>/dev/null || true
    [ -n "${COLIBRI_BENCH_CHAT_BIN:-}" ] && pkill -f "$COLIBRI_BENCH_CHAT_BIN" 2>/dev/null || true
    [ -n "${COLIBRI_BENCH_CHAT_BIN_8092:-}" ] && pkill -f "$COLIBRI_BENCH_CHAT_BIN_8092" 2>/dev/null || true
    sleep 0.5
    for port in 8082 8092; do
      (
        set -a
        # NAME=value lines, not shell (values such as "Colibri <no-reply@...>"
        # are taken as written), as scripts/colibri reads them.
        while IFS= read -r setting; do export "$setting"; done < <(grep -E '^COLIBRI_[A-Z0-9_]+=' "$LOCAL/colibri.env")
        COLIBRI_CHAT_LISTEN=127.0.0.1:$port
        COLIBRI_RATE_EVENTS=100000
        COLIBRI_RATE_WINDOW_SECONDS=1
        COLIBRI_RATE_SUBSCRIBE=100000/1
        COLIBRI_RATE_HISTORY=100000/1
        COLIBRI_WS_MAX_ANONYMOUS=1000000
        COLIBRI_WS_MAX_ANONYMOUS_PER_ADDRESS=1000000
        COLIBRI_LOG_LEVEL=warn
        set +a
        bin=${COLIBRI_BENCH_CHAT_BIN:-$ROOT/build/bin/colibri-chat}
        [ "$port" = 8092 ] && bin=${COLIBRI_BENCH_CHAT_BIN_8092:-$bin}
        nohup "$bin" >"$LOCAL/log/bench-chat-$port.log" 2>&1 &
        echo $! >"$LOCAL/run/bench-chat-$port.pid"
      )
    done
    for port in 8082 8092; do
      for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
    done
    echo "gateways: $(cat "$LOCAL"/run/bench-chat-*.pid | tr '\n' ' ')"
    ;;
  stop)
    for f in "$LOCAL"/run/bench-chat-*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; rm -f "$f"; done
    ;;
esac
