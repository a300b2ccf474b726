#!/usr/bin/env bash
# stack.sh: a private PostgreSQL 15 cluster and redis-server (plain + TLS port) for one checkout,
# kept under DIR and bound to 127.0.0.1 only; no system service is touched. Used by make run
# (var/), make test (var/test), make bench (var/bench) and by the fault tests (pg-stop, ...).
#
#   stack.sh start|stop|status|pg-start|pg-stop|redis-start|redis-stop DIR [PG_PORT REDIS_PORT REDIS_TLS_PORT]
#
# The ports are remembered in DIR/stack.env on start, so later calls may leave them out.
# `start` prints DATABASE_URL=..., REDIS_URL=..., REDIS_TLS_URL=..., REDIS_CA_FILE=... on stdout
# (progress goes to stderr), so `eval "$(scripts/stack.sh start ...)"` works.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf 'stack: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
  echo "usage: $0 start|stop|status|pg-start|pg-stop|redis-start|redis-stop DIR [PG_PORT REDIS_PORT REDIS_TLS_PORT]" >&2
  exit 2
}

[ $# -ge 2 ] || usage
ACTION=$1
mkdir -p "$2" 2>/dev/null || true
[ -d "$2" ] || die "cannot create $2"
DIR=$(cd "$2" && pwd)
PG_PORT=${3:-}
REDIS_PORT=${4:-}
REDIS_TLS_PORT=${5:-}
if [ -z "$PG_PORT" ] && [ -f "$DIR/stack.env" ]; then
  # shellcheck disable=SC1091
  . "$DIR/stack.env"
fi
if [ -z "$PG_PORT" ] || [ -z "$REDIS_PORT" ] || [ -z "$REDIS_TLS_PORT" ]; then
  die "ports not given and $DIR/stack.env does not exist"
fi

PGDATA_DIR=$DIR/pg
PGRUN_DIR=$DIR/pg-run          # unix socket and server log, owned by the cluster's OS user
PGLOG=$PGRUN_DIR/postgres.log
REDIS_DIR=$DIR/redis
REDIS_CONF=$REDIS_DIR/redis.conf
REDIS_PID=$REDIS_DIR/redis.pid
REDIS_LOG=$REDIS_DIR/redis.log
TLS_DIR=$REDIS_DIR/tls
GEN_CERTS=$ROOT/scripts/gen-tls-certs.sh

if [ -x /usr/lib/postgresql/15/bin/pg_ctl ]; then
  PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
else
  PG_BIN=${PG_BIN:-$(dirname "$(command -v pg_ctl || echo /usr/bin/pg_ctl)")}
fi

# initdb and postgres refuse to run as root: as root the cluster belongs to the `postgres` user.
if [ "$(id -u)" -eq 0 ]; then
  PG_OSUSER=postgres
  as_pg() { (cd / && runuser -u postgres -- "$@"); }
else
  PG_OSUSER=$(id -un)
  as_pg() { "$@"; }
fi

# Variables a user may have set for their own psql would point our admin calls elsewhere.
unset PGHOST PGPORT PGUSER PGDATABASE PGSERVICE PGPASSWORD PGOPTIONS PGSSLMODE
psql_admin() {
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"
}

# The postgres user must be able to walk down to DIR (a checkout under /root is not, by default).
# Only the search bit is added, and only where it is missing.
ensure_traversable() {
  [ "$PG_OSUSER" = postgres ] || return 0
  runuser -u postgres -- test -x "$DIR" 2>/dev/null && return 0
  local p="" part
  IFS=/ read -ra parts <<<"${DIR#/}"
  for part in "${parts[@]}"; do
    p="$p/$part"
    if ! runuser -u postgres -- test -x "$p" 2>/dev/null; then
      say "note: chmod o+x $p so that the postgres user can reach $DIR"
      chmod o+x "$p"
    fi
  done
}

pg_running() {
  [ -f "$PGDATA_DIR/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1
}

write_pg_conf() {
  # unix_socket_directories is limited to ~107 bytes per socket path; TCP is what we use anyway.
  local sock=$PGRUN_DIR
  [ ${#sock} -le 90 ] || sock=""
  cat >"$PGDATA_DIR/chatlings.conf" <<EOF
# Written by scripts/stack.sh on every start: edit the script, not this file.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$sock'

# The seed's server parameters (seed/AZURE_ARCHITECTURE.md), so that what is measured
# here is what runs in production.
max_connections = 100
shared_buffers = 256MB
effective_cache_size = 1GB
maintenance_work_mem = 64MB
checkpoint_completion_target = 0.9
wal_buffers = 16MB
default_statistics_target = 100
random_page_cost = 1.1
effective_io_concurrency = 200
work_mem = 2621kB
min_wal_size = 1GB
max_wal_size = 4GB

timezone = 'UTC'
log_timezone = 'UTC'
EOF
  chown "$PG_OSUSER" "$PGDATA_DIR/chatlings.conf"
  grep -q "^include_if_exists = 'chatlings.conf'" "$PGDATA_DIR/postgresql.conf" ||
    echo "include_if_exists = 'chatlings.conf'" >>"$PGDATA_DIR/postgresql.conf"
}

pg_start() {
  ensure_traversable
  mkdir -p "$PGDATA_DIR" "$PGRUN_DIR"
  if [ "$PG_OSUSER" = postgres ]; then
    chown postgres: "$PGDATA_DIR" "$PGRUN_DIR"
  fi
  chmod 700 "$PGDATA_DIR"
  if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
    say "initdb $PGDATA_DIR"
    # trust on loopback: a private development/test cluster reachable only from this machine.
    as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=trust >"$DIR/initdb.log" 2>&1 ||
      { tail -n 20 "$DIR/initdb.log" >&2; die "initdb failed (log: $DIR/initdb.log)"; }
  fi
  write_pg_conf
  if pg_running; then
    say "postgres already running on 127.0.0.1:$PG_PORT"
  else
    say "starting postgres on 127.0.0.1:$PG_PORT"
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGLOG" -w -t 60 start >/dev/null 9>&-; then
      tail -n 20 "$PGLOG" >&2 || true
      die "postgres did not start (log: $PGLOG)"
    fi
  fi
  # Role and database of the application, created once.
  psql_admin -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chatlings') THEN
        CREATE ROLE chatlings LOGIN CREATEDB;
      END IF;
    END \$\$;"
  if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = 'chatlings'")" != 1 ]; then
    psql_admin -c "CREATE DATABASE chatlings OWNER chatlings"
  fi
}

pg_stop() {
  if pg_running; then
    say "stopping postgres on 127.0.0.1:$PG_PORT"
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t 60 stop >/dev/null
  fi
}

redis_cli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

# Is the redis answering on REDIS_PORT ours (same dir)? 0 ours, 1 nothing there, 2 someone else's.
redis_state() {
  local out
  out=$(redis_cli --no-raw CONFIG GET dir 2>/dev/null) || return 1
  [ -n "$out" ] || return 1
  case "$out" in
    *"$REDIS_DIR"*) return 0 ;;
    *) return 2 ;;
  esac
}

write_redis_conf() {
  cat >"$REDIS_CONF" <<EOF
# Written by scripts/stack.sh on every start: edit the script, not this file.
bind 127.0.0.1
protected-mode yes
port $REDIS_PORT
# The TLS port stands in for Azure Cache for Redis on 6380 (hiredis 0.14 has no TLS: our own
# transport is tested against it). Clients are not asked for certificates, as on Azure.
tls-port $REDIS_TLS_PORT
tls-cert-file $TLS_DIR/server.crt
tls-key-file $TLS_DIR/server.key
tls-ca-cert-file $TLS_DIR/ca.crt
tls-auth-clients no

# The seed's cache size. Eviction policy: volatile-lru, not the seed's allkeys-lru.
# allkeys-lru may evict any key under memory pressure, job streams and leaderboards included,
# and a lost job is a lost reward. Every cache key carries a TTL (DESIGN.md: profile 15 min,
# collection 5 min, metadata 1 h/24 h, sessions 7 days), so volatile-lru evicts only those,
# while job streams and leaderboard sorted sets (no TTL) are never evicted. If memory ever
# fills with TTL-less keys, writes fail loudly (OOM error) instead of losing data silently.
maxmemory 1gb
maxmemory-policy volatile-lru

# RDB snapshots as on Azure's Standard/Premium tiers.
save 900 1
save 300 10
save 60 10000
dbfilename dump.rdb
dir $REDIS_DIR

daemonize yes
pidfile $REDIS_PID
logfile $REDIS_LOG
EOF
}

redis_start() {
  mkdir -p "$REDIS_DIR"
  if [ ! -f "$TLS_DIR/server.key" ] || [ ! -f "$TLS_DIR/server.crt" ] || [ ! -f "$TLS_DIR/ca.crt" ]; then
    [ -x "$GEN_CERTS" ] || die "$GEN_CERTS is missing: cannot make the Redis TLS certificates"
    say "making TLS certificates in $TLS_DIR"
    "$GEN_CERTS" "$TLS_DIR" >/dev/null
  fi
  write_redis_conf
  local st=0
  redis_state || st=$?
  if [ $st -eq 0 ]; then
    say "redis already running on 127.0.0.1:$REDIS_PORT"
    return 0
  elif [ $st -eq 2 ]; then
    die "port $REDIS_PORT is used by another redis-server (not $REDIS_DIR)"
  fi
  say "starting redis on 127.0.0.1:$REDIS_PORT (TLS :$REDIS_TLS_PORT)"
  redis-server "$REDIS_CONF" 9>&-
  for _ in $(seq 1 100); do
    [ "$(redis_cli PING 2>/dev/null)" = PONG ] && return 0
    sleep 0.1
  done
  tail -n 20 "$REDIS_LOG" >&2 || true
  die "redis did not start (log: $REDIS_LOG)"
}

# A dead daemon may linger as a zombie until init reaps it: count it as gone.
pid_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

redis_stop() {
  local pid=""
  [ -f "$REDIS_PID" ] && pid=$(cat "$REDIS_PID" 2>/dev/null || true)
  local st=0
  redis_state || st=$?
  if [ $st -eq 0 ]; then
    say "stopping redis on 127.0.0.1:$REDIS_PORT"
    # SHUTDOWN writes the RDB snapshot first; if that fails, stop anyway.
    redis_cli SHUTDOWN >/dev/null 2>&1 || redis_cli SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  elif pid_alive "$pid" && grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null; then
    say "stopping unresponsive redis (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
  else
    return 0
  fi
  for _ in $(seq 1 100); do
    pid_alive "$pid" || { rm -f "$REDIS_PID"; return 0; }
    sleep 0.1
  done
  say "redis (pid $pid) did not stop in 10 s: KILL"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$REDIS_PID"
}

print_env() {
  local ca=$TLS_DIR/ca.crt
  cat >"$DIR/stack.env" <<EOF
PG_PORT=$PG_PORT
REDIS_PORT=$REDIS_PORT
REDIS_TLS_PORT=$REDIS_TLS_PORT
EOF
  cat <<EOF
DATABASE_URL=postgresql://chatlings@127.0.0.1:$PG_PORT/chatlings
REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
REDIS_TLS_URL=rediss://127.0.0.1:$REDIS_TLS_PORT/0
REDIS_CA_FILE=$ca
EOF
}

status() {
  local rc=0
  if pg_running; then
    echo "postgres: running on 127.0.0.1:$PG_PORT (data $PGDATA_DIR)"
  else
    echo "postgres: stopped"; rc=3
  fi
  local st=0
  redis_state || st=$?
  case $st in
    0) echo "redis: running on 127.0.0.1:$REDIS_PORT, TLS :$REDIS_TLS_PORT (dir $REDIS_DIR)" ;;
    2) echo "redis: port $REDIS_PORT answered by another redis-server"; rc=3 ;;
    *) echo "redis: stopped"; rc=3 ;;
  esac
  return $rc
}

# One stack.sh at a time per DIR: `make run` and `make test` may race on a shared directory.
# The servers are started with fd 9 closed, or they would hold the lock for their lifetime.
exec 9>"$DIR/.stack.lock"
flock -w 120 9 || die "another stack.sh holds $DIR/.stack.lock"

case "$ACTION" in
  start) pg_start; redis_start; print_env ;;
  stop) redis_stop; pg_stop ;;
  status) status ;;
  pg-start) pg_start ;;
  pg-stop) pg_stop ;;
  redis-start) redis_start ;;
  redis-stop) redis_stop ;;
  *) usage ;;
esac
