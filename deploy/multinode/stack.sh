#!/usr/bin/env bash
# The multi-node topology on one machine, every role on its own loopback
# address (docs/operations.md, "The multi-node stack"):
#
#   Redis Cluster   127.0.0.11 .. 127.0.0.16 :7000   3 primaries, 3 replicas
#                   (cluster-node-timeout COLIBRI_MN_REDIS_NODE_TIMEOUT, 5000 ms)
#   PostgreSQL      127.0.0.21 :5432 primary, 127.0.0.22 :5432 synchronous standby
#   gateways        127.0.0.31 .. :8080 (COLIBRI_MN_GATEWAYS, default 3), metrics :9090
#   REST            127.0.0.41, 127.0.0.42 :8080
#   schedulers      127.0.0.51, 127.0.0.52 :8080 (one leads)
#   nginx           127.0.0.1 :COLIBRI_MN_HTTP_PORT (8480): /api/, /ws, /
#
# Usage: deploy/multinode/stack.sh start|stop|status|env
#        deploy/multinode/stack.sh kill ROLE   (SIGKILL: redis-primary-of ROOM,
#        gateway N, rest N, pg-primary, pg-postmaster; pg-promote promotes
#        the standby)
#
# Uses the programs of build/ (scripts/colibri build first). State, logs and
# pids in .local/multinode (COLIBRI_MN_DIR). Every server binds loopback only;
# everything is stopped by pid. As root, the servers run as the unprivileged
# user colibri (PostgreSQL refuses root). COLIBRI_MN_BENCH=1 lifts the
# per-person rate limits and the per-address socket caps on the gateways, as
# loadtests/bench_gateways.sh does, for the load generator.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${COLIBRI_BIN_DIR:-$ROOT/build/bin}
DIR=${COLIBRI_MN_DIR:-$ROOT/.local/multinode}
GATEWAYS=${COLIBRI_MN_GATEWAYS:-3}
HTTP_PORT=${COLIBRI_MN_HTTP_PORT:-8480}
RUN_USER=${COLIBRI_RUN_USER:-colibri}
PG_BIN=/usr/lib/postgresql/15/bin
REDIS_NODES=(127.0.0.11 127.0.0.12 127.0.0.13 127.0.0.14 127.0.0.15 127.0.0.16)
PG_PRIMARY=127.0.0.21 PG_STANDBY=127.0.0.22
RESTS=(127.0.0.41 127.0.0.42)
SCHEDULERS=(127.0.0.51 127.0.0.52)

say() { printf '\033[1m[multinode]\033[0m %s\n' "$*"; }
die() { printf '[multinode] error: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }
as_user() { if is_root; then setpriv --reuid="$RUN_USER" --regid="$RUN_USER" --init-groups -- "$@"; else "$@"; fi; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
gateway_addr() { echo "127.0.0.$((30 + $1))"; }
seeds() { local IFS=,; echo "${REDIS_NODES[*]/%/:7000}"; }
pg_url() { echo "postgresql://colibri@$PG_PRIMARY:5432,$PG_STANDBY:5432/colibri?target_session_attrs=read-write"; }

# A long-running process, detached; its pid is the process itself.
background() {
  local name=$1; shift
  local cmd=("$@")
  is_root && cmd=(setpriv --reuid="$RUN_USER" --regid="$RUN_USER" --init-groups -- "${cmd[@]}")
  ( exec setsid "${cmd[@]}" >>"$DIR/log/$name.log" 2>&1 </dev/null ) &
  echo $! >"$DIR/run/$name.pid"
}

wait_ready() {  # name url
  for _ in $(seq 300); do
    curl -fsS "$2" >/dev/null 2>&1 && return 0
    alive "$DIR/run/$1.pid" || break
    sleep 0.1
  done
  die "$1 is not ready, see $DIR/log/$1.log"
}

start_redis() {
  local i=0
  for ip in "${REDIS_NODES[@]}"; do
    i=$((i + 1))
    alive "$DIR/run/redis-$i.pid" && continue
    mkdir -p "$DIR/redis/$i"; is_root && chown "$RUN_USER:$RUN_USER" "$DIR/redis/$i"
    rm -f "$DIR/redis/$i/nodes.conf"
    # Announced as its own address: its bus connections leave from 127.0.0.1.
    background "redis-$i" redis-server --bind "$ip" --port 7000 --cluster-enabled yes --cluster-announce-ip "$ip" \
      --cluster-config-file "$DIR/redis/$i/nodes.conf" --cluster-node-timeout "${COLIBRI_MN_REDIS_NODE_TIMEOUT:-5000}" --dir "$DIR/redis/$i" \
      --save "" --appendonly no
  done
  for ip in "${REDIS_NODES[@]}"; do
    for _ in $(seq 100); do redis-cli -h "$ip" -p 7000 ping >/dev/null 2>&1 && break; sleep 0.05; done
  done
  if ! redis-cli -h "${REDIS_NODES[0]}" -p 7000 cluster info | grep -q cluster_state:ok; then
    say "creating the Redis Cluster (3 primaries, 3 replicas)"
    timeout 60 redis-cli --cluster create "${REDIS_NODES[@]/%/:7000}" --cluster-replicas 1 --cluster-yes >"$DIR/log/redis-create.log" 2>&1 ||
      die "redis-cli --cluster create failed, see $DIR/log/redis-create.log"
  fi
  for _ in $(seq 200); do
    redis-cli -h "${REDIS_NODES[0]}" -p 7000 cluster info | grep -q cluster_state:ok && return
    sleep 0.1
  done
  die "the Redis Cluster is not ok"
}

start_postgres() {
  mkdir -p "$DIR/pg"; is_root && chown "$RUN_USER:$RUN_USER" "$DIR/pg"
  local p=$DIR/pg/primary s=$DIR/pg/standby
  if [ ! -f "$p/PG_VERSION" ]; then
    as_user "$PG_BIN/initdb" -D "$p" -U colibri -A trust -E UTF8 --locale=C.UTF-8 >"$DIR/log/initdb.log" 2>&1 ||
      die "initdb failed, see $DIR/log/initdb.log"
    # Every commit waits for the standby: an ack means on two machines.
    cat >>"$p/postgresql.conf" <<EOF
listen_addresses = '$PG_PRIMARY'
port = 5432
unix_socket_directories = '$DIR/pg'
synchronous_standby_names = '*'
shared_buffers = 512MB
max_connections = 200
EOF
    echo "host replication colibri 127.0.0.0/8 trust" >>"$p/pg_hba.conf"
  fi
  as_user "$PG_BIN/pg_ctl" -D "$p" status >/dev/null 2>&1 ||
    as_user "$PG_BIN/pg_ctl" -D "$p" -l "$DIR/log/pg-primary.log" -w -t 60 start >/dev/null ||
    die "PostgreSQL did not start, see $DIR/log/pg-primary.log"
  if [ ! -f "$s/PG_VERSION" ]; then
    as_user "$PG_BIN/pg_basebackup" -h "$PG_PRIMARY" -p 5432 -U colibri -D "$s" -R -X stream >"$DIR/log/basebackup.log" 2>&1 ||
      die "pg_basebackup failed, see $DIR/log/basebackup.log"
    as_user sed -i -e "s#^listen_addresses = .*#listen_addresses = '$PG_STANDBY'#" \
      -e "s#^unix_socket_directories = .*#unix_socket_directories = '$s'#" \
      -e "s#^synchronous_standby_names = .*#synchronous_standby_names = ''#" "$s/postgresql.conf"
    # Promoted, it has no standby of its own until one is rebuilt: it commits
    # alone meanwhile (the documented degrade, docs/operations.md) instead of
    # waiting for a standby that does not exist.
  fi
  as_user "$PG_BIN/pg_ctl" -D "$s" status >/dev/null 2>&1 ||
    as_user "$PG_BIN/pg_ctl" -D "$s" -l "$DIR/log/pg-standby.log" -w -t 60 start >/dev/null ||
    die "the standby did not start, see $DIR/log/pg-standby.log"
  as_user psql -h "$PG_PRIMARY" -U colibri -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'colibri'" |
    grep -q 1 || as_user psql -h "$PG_PRIMARY" -U colibri -d postgres -qc "CREATE DATABASE colibri"
}

# service name addr [extra settings...]
start_service() {
  local svc=$1 name=$2 addr=$3; shift 3
  alive "$DIR/run/$name.pid" && return
  (
    [ -f "$DIR/colibri.env" ] && while IFS= read -r s; do export "$s"; done < <(grep -E '^COLIBRI_[A-Z0-9_]+=' "$DIR/colibri.env")
    export COLIBRI_PG_URL="$(pg_url)" COLIBRI_REDIS="$(seeds)" COLIBRI_THREADS=1 COLIBRI_LOG_LEVEL=warn
    export COLIBRI_ALLOWED_ORIGINS="http://127.0.0.1:$HTTP_PORT" COLIBRI_PUBLIC_URL="http://127.0.0.1:$HTTP_PORT"
    export "COLIBRI_${svc^^}_LISTEN=$addr:8080"
    for s in "$@"; do export "$s"; done
    ulimit -n 20000
    background "$name" "$BIN/colibri-$svc"
  )
}

start_services() {
  local bench=()
  [ "${COLIBRI_MN_BENCH:-0}" = 1 ] && bench=(COLIBRI_RATE_EVENTS=100000 COLIBRI_RATE_WINDOW_SECONDS=1
    COLIBRI_RATE_SUBSCRIBE=100000/1 COLIBRI_RATE_HISTORY=100000/1 COLIBRI_WS_MAX_ANONYMOUS=1000000
    COLIBRI_WS_MAX_ANONYMOUS_PER_ADDRESS=1000000)
  local i
  for i in 1 2; do start_service groups "rest-$i" "${RESTS[$((i - 1))]}"; done
  wait_ready rest-1 "http://${RESTS[0]}:8080/readyz"  # the first one migrates the schema
  for i in $(seq "$GATEWAYS"); do
    start_service chat "gateway-$i" "$(gateway_addr "$i")" COLIBRI_METRICS_LISTEN="$(gateway_addr "$i"):9090" "${bench[@]}"
  done
  for i in 1 2; do start_service badges "scheduler-$i" "${SCHEDULERS[$((i - 1))]}"; done
  for i in 1 2; do wait_ready "rest-$i" "http://${RESTS[$((i - 1))]}:8080/readyz"; done
  for i in $(seq "$GATEWAYS"); do wait_ready "gateway-$i" "http://$(gateway_addr "$i"):8080/readyz"; done
  for i in 1 2; do wait_ready "scheduler-$i" "http://${SCHEDULERS[$((i - 1))]}:8080/healthz"; done
}

start_nginx() {
  alive "$DIR/run/nginx.pid" && return
  mkdir -p "$DIR/nginx/tmp"
  local web=$ROOT/services/web i chat="" rest=""
  for i in $(seq "$GATEWAYS"); do chat+="    server $(gateway_addr "$i"):8080;\n"; done
  for i in "${RESTS[@]}"; do rest+="    server $i:8080;\n"; done
  sed -e "s#@LOCAL@#$DIR#g" -e "s#@WEB_ROOT@#$web#g" "$ROOT/deploy/nginx/nginx.local.conf.in" >"$DIR/nginx/nginx.conf"
  # The site, with one upstream line per gateway and per REST process.
  sed -e "s#@WEB_ROOT@#$web#g" -e "s#@HTTP_PORT@#$HTTP_PORT#g" -e "s#@CONN_PER_ADDRESS@#60000#g" \
    -e "s#@API_RATE@#100000#g" -e "s#@API_BURST@#100000#g" \
    -e "s#^    server 127.0.0.1:@GROUPS_PORT@;#$rest#" -e "s#^    server 127.0.0.1:@CHAT_PORT@;#$chat#" \
    "$ROOT/deploy/nginx/colibri.conf" >"$DIR/nginx/colibri.conf"
  is_root && chown -R "$RUN_USER:$RUN_USER" "$DIR/nginx"
  background nginx nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf"
  wait_ready nginx "http://127.0.0.1:$HTTP_PORT/healthz"
}

stop_pid() {
  local f=$1
  if alive "$f"; then
    local pid; pid=$(cat "$f"); kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

cmd_stop() {
  local f
  for f in "$DIR"/run/nginx.pid "$DIR"/run/gateway-*.pid "$DIR"/run/rest-*.pid "$DIR"/run/scheduler-*.pid \
    "$DIR"/run/redis-*.pid; do
    [ -e "$f" ] && stop_pid "$f"
  done
  for d in "$DIR/pg/standby" "$DIR/pg/primary"; do
    [ -f "$d/PG_VERSION" ] && as_user "$PG_BIN/pg_ctl" -D "$d" -m immediate -w stop >/dev/null 2>&1 || true
  done
  say "stopped"
}

cmd_status() {
  local f
  for f in "$DIR"/run/*.pid; do
    [ -e "$f" ] || continue
    printf '%-14s %s\n' "$(basename "$f" .pid)" "$(alive "$f" && echo "running ($(cat "$f"))" || echo stopped)"
  done
  redis-cli -h "${REDIS_NODES[0]}" -p 7000 cluster info 2>/dev/null | grep cluster_state || true
  as_user psql -h "$PG_PRIMARY" -U colibri -d postgres -tAc \
    "SELECT 'standby ' || application_name || ': ' || sync_state FROM pg_stat_replication" 2>/dev/null || true
}

cmd_kill() {
  case "${1:-}" in
    redis-primary-of)
      local slot port ip
      slot=$(redis-cli -h "${REDIS_NODES[0]}" -p 7000 cluster keyslot "colibri:room:$2")
      ip=$(redis-cli -h "${REDIS_NODES[0]}" -p 7000 cluster nodes | awk -v s="$slot" '$3 ~ /master/ && $3 !~ /fail/ {
        for (i = 9; i <= NF; i++) { split($i, r, "-"); if (r[2] == "") r[2] = r[1]; if (s >= r[1] && s <= r[2]) { split($2, a, ":"); print a[1] } } }')
      for i in "${!REDIS_NODES[@]}"; do
        [ "${REDIS_NODES[$i]}" = "$ip" ] && { kill -KILL "$(cat "$DIR/run/redis-$((i + 1)).pid")"; echo "redis-$((i + 1)) ($ip)"; }
      done ;;
    gateway|rest) kill -KILL "$(cat "$DIR/run/$1-$2.pid")"; echo "$1-$2" ;;
    # The machine lost: the server and its backends (their connections reset).
    pg-primary) local pm; pm=$(head -1 "$DIR/pg/primary/postmaster.pid")
      kill -KILL "$pm" $(pgrep -P "$pm") 2>/dev/null; echo "PostgreSQL primary" ;;
    # Only the postmaster: its backends live on, cut off from the standby,
    # and every commit they run waits forever (an old primary not fenced).
    pg-postmaster) kill -KILL "$(head -1 "$DIR/pg/primary/postmaster.pid")"; echo "PostgreSQL primary's postmaster" ;;
    pg-promote) as_user "$PG_BIN/pg_ctl" -D "$DIR/pg/standby" -w promote >/dev/null; echo "standby promoted" ;;
    *) die "kill redis-primary-of ROOM | gateway N | rest N | pg-primary | pg-postmaster | pg-promote" ;;
  esac
}

case "${1:-}" in
  start)
    mkdir -p "$DIR"/{log,run}; is_root && chown -R "$RUN_USER:$RUN_USER" "$DIR"
    [ -x "$BIN/colibri-chat" ] || die "no $BIN/colibri-chat: scripts/colibri build first"
    start_redis; start_postgres; start_services; start_nginx
    say "ready: http://127.0.0.1:$HTTP_PORT ($GATEWAYS gateways, 2 REST, 2 schedulers, Redis Cluster $(seeds))" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kill) shift; cmd_kill "$@" ;;
  env) echo "COLIBRI_PG_URL=$(pg_url)"; echo "COLIBRI_REDIS=$(seeds)" ;;
  *) die "usage: deploy/multinode/stack.sh start|stop|status|kill ROLE|env" ;;
esac
