#!/usr/bin/env bash
# The install an operator follows (deploy/README.md), checked from a staged
# tree (issue 22): `cmake --install` into DESTDIR with the units' prefix, then
#   1. every file the systemd units and the nginx site name is in the tree;
#   2. `systemd-analyze verify` accepts the units (under the staged root, so
#      that it looks for their programs there), without a warning;
#   3. nginx accepts the site filled in with the installed client;
#   4. the installed programs run: colibri-admin answers, and the end-to-end
#      suite of the README's stack (nginx, the three services, PostgreSQL,
#      Redis) passes against the installed services and site.
# Usage: install_check.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
SRC=$1
BUILD=$2
PREFIX=/usr/local  # what deploy/systemd's units name
TMP=$(mktemp -d /tmp/colibri-install-test-XXXXXX)
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT
ROOT=$TMP/root
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

if ! DESTDIR=$ROOT cmake --install "$BUILD" --prefix "$PREFIX" >"$TMP/install.log" 2>&1; then
  echo "FAIL: cmake --install: $(tail -5 "$TMP/install.log")"
  exit 1
fi
UNITS=$ROOT$PREFIX/lib/systemd/system
SHARE=$ROOT$PREFIX/share/colibri

# --- 1. what the units and the site name
for svc in groups chat badges; do
  unit=$UNITS/colibri-$svc.service
  [ -f "$unit" ] || { fail "colibri-$svc.service is not installed"; continue; }
  while IFS= read -r path; do
    [ -x "$ROOT$path" ] && pass "colibri-$svc.service: $path is installed" || fail "colibri-$svc.service names $path, not installed"
  done < <(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\([^ ]*\).*/\1/p' "$unit")
  grep -q '^EnvironmentFile=/etc/colibri/colibri.env$' "$unit" || fail "colibri-$svc.service: no EnvironmentFile"
done
[ -x "$ROOT$PREFIX/bin/colibri-admin" ] && pass "colibri-admin is installed" || fail "colibri-admin is not installed"
# The operator's /etc/colibri/colibri.env starts from the installed example.
[ -f "$SHARE/colibri.env.example" ] && pass "the settings' example is installed" || fail "no colibri.env.example"
[ -f "$ROOT$PREFIX/lib/systemd/journald.conf.d/colibri.conf" ] && pass "the journald retention drop-in is installed" ||
  fail "no journald drop-in"
for f in colibri.conf nginx.local.conf.in; do
  [ -f "$SHARE/nginx/$f" ] && pass "nginx/$f is installed" || fail "nginx/$f is not installed"
done
for f in index.html sw.js manifest.json; do
  [ -f "$SHARE/web/$f" ] && pass "web/$f is installed" || fail "web/$f (the site's root) is not installed"
done

# --- 2. systemd-analyze verify, the standard units beside ours
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$ROOT/usr/lib/systemd"
  cp -a /usr/lib/systemd/system "$ROOT/usr/lib/systemd/"
  out=$(systemd-analyze verify --root="$ROOT" "$UNITS"/colibri-*.service 2>&1)
  rc=$?
  if [ $rc -eq 0 ] && [ -z "$out" ]; then pass "systemd-analyze verify accepts the units"; else fail "systemd-analyze verify ($rc): $out"; fi
else
  fail "systemd-analyze is missing (package systemd)"
fi

# --- 3. nginx -t on the installed site
mkdir -p "$TMP/nginx/tmp" "$TMP/log" "$TMP/run"
fill() {
  sed -e "s#@LOCAL@#$TMP#g" -e "s#@WEB_ROOT@#$SHARE/web#g" -e 's#@HTTP_PORT@#18080#g' -e 's#@GROUPS_PORT@#18081#g' \
    -e 's#@CHAT_PORT@#18082#g' -e 's#@CONN_PER_ADDRESS@#100#g' -e 's#@API_RATE@#50#g' -e 's#@API_BURST@#100#g' "$1"
}
fill "$SHARE/nginx/nginx.local.conf.in" >"$TMP/nginx/nginx.conf"
fill "$SHARE/nginx/colibri.conf" >"$TMP/nginx/colibri.conf"
if out=$(nginx -t -q -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" 2>&1); then
  pass "nginx -t accepts the installed site"
else
  fail "nginx -t: $out"
fi
root=$(sed -n 's/^ *root \(.*\);/\1/p' "$TMP/nginx/colibri.conf" | head -1)
[ -f "$root/index.html" ] && pass "the site's root holds the client" || fail "the site's root $root holds no index.html"

# --- 4. the installed programs run
out=$("$ROOT$PREFIX/bin/colibri-admin" 2>&1)
grep -q "usage" <<<"$out" && pass "colibri-admin answers" || fail "colibri-admin: $out"
chmod -R a+rX "$ROOT"
if COLIBRI_BIN_DIR=$ROOT$PREFIX/bin COLIBRI_SHARE_DIR=$SHARE "$BUILD/bin/colibri_stack_tests" >"$TMP/stack.log" 2>&1; then
  pass "the stack's end-to-end suite passes against the installed services and site ($(grep -c '^\[       OK' "$TMP/stack.log") tests)"
else
  fail "the stack suite against the installed tree: $(grep -E 'FAILED|Failure' "$TMP/stack.log" | head -5)"
fi

# --- 5. the container image's recipe against the staged tree
IMAGE=$SRC/deploy/container/Containerfile
packages=$(sed -n '/apt-get install/,/&&/p' "$IMAGE" | tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' |
  grep -vxE 'apt-get|install|rm' | sort -u)
owner() {  # the Debian package that holds a file (merged /usr: either spelling)
  local f=$1 real p pkg
  real=$(readlink -f "$f")
  for p in "$f" "$real" "${real#/usr}" "/usr$real"; do
    pkg=$(dpkg -S "$p" 2>/dev/null | head -1 | cut -d: -f1)
    [ -n "$pkg" ] && { echo "$pkg"; return; }
  done
}
before=$failures
for bin in "$ROOT$PREFIX"/bin/colibri-*; do
  while IFS= read -r lib; do
    path=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
    pkg=$(owner "$path")
    case $pkg in
      libc6 | libgcc-s1) ;;  # Essential: in every Debian image
      "") fail "$(basename "$bin") needs $lib, which no package holds here" ;;
      *) grep -qx "$pkg" <<<"$packages" || fail "the image lacks $pkg ($lib, needed by $(basename "$bin"))" ;;
    esac
  done < <(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
done
[ $failures -eq $before ] && pass "the image installs every library the programs need ($(wc -w <<<"$packages") packages)"
while IFS= read -r prog; do
  case $prog in
    "$PREFIX"/*) [ -x "$ROOT$prog" ] || fail "the manifests run $prog, not in the staged tree" ;;
    *) pkg=$(owner "$prog")
      [ -n "$pkg" ] && { grep -qx "$pkg" <<<"$packages" || [ "$pkg" = coreutils ]; } ||
        fail "the manifests run $prog, which the image does not install" ;;
  esac
done < <(sed -n 's/.*command: \["\([^"]*\)".*/\1/p' "$SRC"/deploy/k8s/*.yaml | sort -u)
uid=$(sed -n 's/.*--uid \([0-9]*\).*/\1/p' "$IMAGE")
grep -qv "runAsUser: $uid\$" <(grep -h 'runAsUser:' "$SRC"/deploy/k8s/*.yaml | sed 's/^ *//' | sort -u) &&
  fail "the manifests' runAsUser differ from the image's user $uid" || pass "the image's user is the manifests' runAsUser ($uid)"

[ $failures -eq 0 ] && echo "install: all checks passed" || echo "install: $failures check(s) failed"
exit $((failures > 0))
