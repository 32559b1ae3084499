#!/usr/bin/env bash
# The attack soak (docs/benchmarks.md, "Under attack"): 200 ordinary clients
# chat through the local stack's gateway, first alone (the baseline), then
# while colibri-attack runs every attack of the security audit at its stated
# rate against the services. It passes when the ordinary clients lose
# nothing (every acked message delivered once, in order), their p99 delivery
# under attack is at most twice the baseline's, and the gateway's RSS stays
# under the bound stated before the attack: the baseline's peak + 64 MiB.
#
# Usage, after `scripts/colibri run`: loadtests/attack_soak.sh [seconds]
# Not part of the test command. Loopback only; every loop ends with the run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${COLIBRI_BIN_DIR:-$ROOT/build/bin}
LOCAL=${COLIBRI_LOCAL_DIR:-$ROOT/.local}
RUN=${1:-30}
PG=${COLIBRI_PG_URL:-postgresql://colibri@127.0.0.1:${COLIBRI_LOCAL_PG_PORT:-55432}/colibri}
GATEWAY=127.0.0.1:8082
REST=127.0.0.1:8081  # (not GROUPS: bash keeps the user's group ids there)
chat_pid=$(cat "$LOCAL/run/chat.pid")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$chat_pid/status"; }
# Samples the gateway's RSS every 200 ms while process $1 lives; prints the peak (KiB).
peak_while() {
  local peak=0 r
  while kill -0 "$1" 2>/dev/null; do
    r=$(rss_kib); [ "$r" -gt "$peak" ] && peak=$r
    sleep 0.2
  done
  echo "$peak"
}
# 10 rooms of 20; every client sends, 100 messages/s in all (5 per 10 s
# each: inside the default budget of 20 per 10 s), from two addresses.
chat() {
  "$BIN/colibri-chat-load" --pg-url "$PG" --gateways "$GATEWAY" --sources 127.0.0.1,127.0.0.2 \
    --clients 200 --room-size 20 --senders-per-room 20 --rate 100 --seconds "$RUN"
}
p99() { sed -n 's/.*delivery latency ms p50 [0-9.]* p99 \([0-9.]*\).*/\1/p' "$1"; }

echo "== baseline: 200 clients, ${RUN} s, gateway pid $chat_pid (RSS $(rss_kib) KiB before)"
chat >"$out/base.txt" 2>&1 & pid=$!
base_peak=$(peak_while $pid)
wait $pid && base_ok=1 || base_ok=0
cat "$out/base.txt"
bound=$((base_peak + 64 * 1024))
echo "baseline peak RSS ${base_peak} KiB; bound for the attack run: ${bound} KiB"

echo "== under attack: the same 200 clients, and colibri-attack at its stated rates"
chat >"$out/attack.txt" 2>&1 & pid=$!
sleep 2  # the clients' rooms exist: the attacker joins them
"$BIN/colibri-attack" --pg-url "$PG" --groups "$REST" --gateway "$GATEWAY" --seconds "$((RUN - 2))" \
  >"$out/attacks.txt" 2>&1 & apid=$!
attack_peak=$(peak_while $pid)
wait $pid && attack_ok=1 || attack_ok=0
wait $apid || true
cat "$out/attack.txt"
echo "-- what the attacks sent and how they were answered (status or outcome=count):"
cat "$out/attacks.txt"

b=$(p99 "$out/base.txt"); u=$(p99 "$out/attack.txt")
echo "== p99 delivery: baseline ${b} ms, under attack ${u} ms; peak RSS under attack ${attack_peak} KiB (bound ${bound})"
fail=0
[ "$base_ok" = 1 ] || { echo "FAIL: the baseline run lost, doubled or misordered messages"; fail=1; }
[ "$attack_ok" = 1 ] || { echo "FAIL: under attack, the ordinary clients lost, doubled or misordered messages"; fail=1; }
awk -v b="$b" -v u="$u" 'BEGIN { exit !(u <= 2 * b) }' || { echo "FAIL: p99 under attack is over twice the baseline's"; fail=1; }
[ "$attack_peak" -le "$bound" ] || { echo "FAIL: the gateway's RSS went over the bound"; fail=1; }
[ $fail = 0 ] && echo "PASS"
exit $fail
