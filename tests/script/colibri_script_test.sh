#!/usr/bin/env bash
# The README's commands themselves (issue 15, item 7): what a newcomer ran
# into on a fresh machine.
#   1. a build that fails makes `scripts/colibri build` fail (no stale binaries);
#   2. a setting given on the command line wins over .local/colibri.env;
#   3. (as root) a checkout under a mode-700 folder runs: the unprivileged
#      servers get their state elsewhere, nginx serves the client, a setting
#      from the command line reaches the service.
# Usage: colibri_script_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
SRC=$1
BUILD=$2
TMP=$(mktemp -d /tmp/colibri-script-test-XXXXXX)
chmod 755 "$TMP"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
CHECKOUT=""
cleanup() {
  if [ -n "$CHECKOUT" ]; then
    COLIBRI_LOCAL_DIR="$STATE" "$CHECKOUT/scripts/colibri" stop >/dev/null 2>&1 || true
    rm -rf "$STATE"
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# --- 1. a failing build fails the command
out=$(COLIBRI_BUILD_DIR="$TMP/broken-build" COLIBRI_CMAKE_ARGS="-DCMAKE_CXX_COMPILER_LAUNCHER=/bin/false -DCOLIBRI_BUILD_TESTS=OFF" \
  "$SRC/scripts/colibri" build 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q "build failed" <<<"$out"; then pass "a failing build exits $rc"; else fail "a failing build exited $rc: $(tail -5 <<<"$out")"; fi
rm -rf "$TMP/broken-build"

# --- 2. the command line wins over the file
mkdir -p "$TMP/local"
printf 'COLIBRI_LOG_LEVEL=info\nCOLIBRI_MAIL_FROM=Colibri <equipe@colibri.example>\nCOLIBRI_THREADS=3\n' >"$TMP/local/colibri.env"
out=$(COLIBRI_LOCAL_DIR="$TMP/local" COLIBRI_LOG_LEVEL=debug "$SRC/scripts/colibri" env groups 2>&1)
grep -qx "COLIBRI_LOG_LEVEL=debug" <<<"$out" && ! grep -q "COLIBRI_LOG_LEVEL=info" <<<"$out" &&
  pass "COLIBRI_LOG_LEVEL=debug on the command line wins over the file" || fail "the file won: $(grep LOG_LEVEL <<<"$out")"
grep -qx "COLIBRI_MAIL_FROM=Colibri <equipe@colibri.example>" <<<"$out" &&
  pass "a value with spaces and brackets is read literally" || fail "MAIL_FROM: $(grep MAIL_FROM <<<"$out")"
grep -qx "COLIBRI_THREADS=3" <<<"$out" && pass "the file's own settings apply" || fail "THREADS: $(grep THREADS <<<"$out")"

# --- 3. a checkout under a mode-700 folder, as root
if [ "$(id -u)" != 0 ]; then
  echo "skipped: the mode-700 checkout needs root (the servers run as an unprivileged user)"
else
  mkdir -p "$TMP/private"
  chmod 700 "$TMP/private"
  CHECKOUT=$TMP/private/colibri
  mkdir -p "$CHECKOUT"
  (cd "$SRC" && tar cf - scripts deploy services/web) | (cd "$CHECKOUT" && tar xf -)
  ports=($(python3 -c 'import socket
ss = [socket.socket() for _ in range(7)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))'))
  STATE=/var/lib/colibri/local-$(printf '%s' "$CHECKOUT" | sha1sum | cut -c1-12)
  mkdir -p "$TMP/cmdline-local-unused"
  out=$(COLIBRI_PREBUILT=1 COLIBRI_BUILD_DIR="$BUILD" COLIBRI_LOCAL_HTTP_PORT=${ports[0]} COLIBRI_LOCAL_PG_PORT=${ports[1]} \
    COLIBRI_LOCAL_REDIS_PORT=${ports[2]} COLIBRI_LOCAL_MAIL_PORT=${ports[3]} COLIBRI_LOCAL_GROUPS_PORT=${ports[4]} \
    COLIBRI_LOCAL_CHAT_PORT=${ports[5]} COLIBRI_LOCAL_BADGES_PORT=${ports[6]} COLIBRI_SEED_GROUPS=false COLIBRI_LOG_LEVEL=debug \
    timeout 300 "$CHECKOUT/scripts/colibri" run 2>&1)
  rc=$?
  if [ $rc -eq 0 ]; then pass "run from a mode-700 checkout"; else fail "run exited $rc: $(tail -8 <<<"$out")"; fi
  grep -q "state in $STATE" <<<"$out" && pass "its state went to $STATE" || fail "state: $(grep -i state <<<"$out")"
  page=$(curl -fsS "http://127.0.0.1:${ports[0]}/" 2>&1)
  grep -q "<title>Colibri" <<<"$page" && pass "nginx serves the client" || fail "the client: $(head -c 300 <<<"$page")"
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:${ports[0]}/api/v1/auth/register" \
    -H 'Content-Type: application/json' -d '{"email":"script@example.fr","password":"un mot de passe","handle":"Script"}')
  [ "$code" = 201 ] && pass "the API answers through nginx" || fail "register answered $code"
  grep -q '"name":"COLIBRI_LOG_LEVEL","value":"debug"' "$STATE/log/groups.log" &&
    pass "a setting from the command line reached the running service" || fail "LOG_LEVEL in the service: $(grep LOG_LEVEL "$STATE/log/groups.log")"
  COLIBRI_LOCAL_DIR="$STATE" "$CHECKOUT/scripts/colibri" stop >/dev/null 2>&1
  for f in "$STATE"/run/*.pid; do
    [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && fail "still running after stop: $f"
  done
fi

echo "$failures failure(s)"
[ $failures -eq 0 ]
