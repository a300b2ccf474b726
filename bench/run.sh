#!/usr/bin/env bash
# bench/run.sh (make bench): the release binary against its own private stack under var/bench
# (started here, stopped at the end, failure or not), load from wrk on loopback, and ONE table:
# every endpoint family with req/s, p50 / p99 / p99.9, errors, the server's RSS and the target,
# beside the same machine's ceilings (nginx, pgbench, redis-benchmark). Each part below leaves
# BENCH lines in bench/out/NAME.txt; bench/table.sh assembles them into the table, printed on
# stdout (the only thing this script prints there) and written to bench/out/table.md.
# Switches: BENCH_DURATION (10s), BENCH_CONNS (64), BENCH_THREADS (2), BENCH_COLLECTING=0,
# BENCH_REFERENCE=0, BENCH_STATIC=0, BENCH_LB_PLAYERS=0, BENCH_WORKER=0, BENCH_CHAT=0 skip a part.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

BDIR=$ROOT/var/bench
PORTS=(27432 27379 27380) # below the ephemeral port range
LISTEN=127.0.0.1:18180
URL=http://$LISTEN
BIN=$ROOT/build/release/chatlings
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNS:-64}
DURATION=${BENCH_DURATION:-10s}
OUT=$ROOT/bench/out
export BENCH_DIR=$ROOT/bench BENCH_IDS=$BDIR/ids.txt
# what every part inherits
export BIN OUT THREADS CONNS DURATION

"$ROOT/scripts/deps.sh" >&2
say "building build/release"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j2 --target chatlings >&2
[ -x "$BIN" ] || die "$BIN was not built"

stop_serve() {
  local pid
  pid=$(cat "$BDIR/serve.pid" 2>/dev/null) || return 0
  # a leftover of an interrupted run is only stopped if it is still our binary
  if grep -q chatlings "/proc/$pid/cmdline" 2>/dev/null; then stop_pid "$pid"; fi
  rm -f "$BDIR/serve.pid"
}
cleanup() {
  stop_serve
  "$ROOT/scripts/stack.sh" stop "$BDIR" "${PORTS[@]}" >/dev/null 2>&1 || true
}
# Leftovers of an interrupted run first.
mkdir -p "$BDIR"
cleanup
trap cleanup EXIT
trap 'exit 130' INT TERM
# the files of this run only: a part that does not run leaves no stale rows
rm -rf "$OUT"
mkdir -p "$OUT"

stack_env=$("$ROOT/scripts/stack.sh" start "$BDIR" "${PORTS[@]}")
eval "$stack_env"
export DATABASE_URL REDIS_URL CHATLINGS_ENV=development
export CHATLINGS_LISTEN=$LISTEN CHATLINGS_ADMIN_LISTEN=127.0.0.1:18181 CHATLINGS_OPS_LISTEN=127.0.0.1:18182

say "migrate + seed"
"$BIN" migrate >/dev/null
"$BIN" seed >/dev/null

say "starting serve on $URL (log var/bench/serve.log)"
"$BIN" serve </dev/null >"$BDIR/serve.log" 2>&1 &
pid=$!
echo "$pid" >"$BDIR/serve.pid"
wait_http "$URL/healthz" "$pid" "$BDIR/serve.log" || die "serve did not answer /healthz"
# 100 creature ids to rotate over: from the database, or else from the public catalogue API.
psql -X -At -d "$DATABASE_URL" -c \
  "SELECT id FROM creatures WHERE is_active AND deleted_at IS NULL ORDER BY id LIMIT 100" \
  >"$BENCH_IDS" 2>/dev/null || true
if [ ! -s "$BENCH_IDS" ]; then
  curl -fsS "$URL/api/creatures?limit=100" |
    grep -oE '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' | awk '!seen[$0]++' | head -n 100 >"$BENCH_IDS" || true
fi
[ -s "$BENCH_IDS" ] || die "found no creature ids (database or GET /api/creatures)"
first=$(head -n 1 "$BENCH_IDS")
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/creature/$first/details")
[ "$code" = 200 ] || die "GET /api/creature/$first/details answered $code, not 200"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/creatures?limit=20")
[ "$code" = 200 ] || die "GET /api/creatures?limit=20 answered $code, not 200"

cut -d' ' -f1-3 /proc/loadavg >"$OUT/load_start.txt"
say "warm-up (2 s)"
bench_wrk warmup bench/details.lua 2s "$URL" "$pid" || die "wrk failed"
say "GET /api/creature/:id/details: $DURATION, $CONNS connections"
bench_wrk details bench/details.lua "$DURATION" "$URL" "$pid" || die "wrk failed"
say "GET /api/creatures?limit=20: $DURATION, $CONNS connections"
bench_wrk list bench/list.lua "$DURATION" "$URL" "$pid" || die "wrk failed"
echo "core ok" >>"$OUT/status.txt"

# part NAME ON COMMAND...: one family's script (unless ON is not 1), its outcome in status.txt;
# a failed part leaves its rows empty ("failed") and fails make bench after the table.
part() {
  local name=$1 on=$2
  shift 2
  if [ "$on" != 1 ]; then
    echo "$name skipped" >>"$OUT/status.txt"
  elif "$@"; then
    echo "$name ok" >>"$OUT/status.txt"
  else
    echo "$name failed" >>"$OUT/status.txt"
    say "$name failed"
  fi
}

# collecting (issue 3/11): collection, stats, notifications, idle state, daily-box claims, on
# its own serve with its own players (bench/collecting.sh). BENCH_COLLECTING=0 skips it.
part collecting "${BENCH_COLLECTING:-1}" "$ROOT/bench/collecting.sh"

# reference ceilings: pgbench -S and TPC-B-like on a pgbench database in this PostgreSQL,
# redis-benchmark GET/SET on this Redis, same client count (bench/reference.sh). BENCH_REFERENCE=0
part reference "${BENCH_REFERENCE:-1}" "$ROOT/bench/reference.sh"

# static files and thumbnails (issue 7/11): the same asset from the C server and from nginx side
# by side, and thumbnails per second (bench/static.sh, own serve + nginx). BENCH_STATIC=0
part static "${BENCH_STATIC:-1}" "$ROOT/bench/static.sh"

# leaderboards (issue 4/11): BENCH_LB_PLAYERS (1,000,000) players on the weekly points board, its
# own serve on :18183; seeding them takes a few minutes the first time (bench/leaderboard.sh).
# BENCH_LB_PLAYERS=0 skips it.
lb_on=0
[ "${BENCH_LB_PLAYERS:-1000000}" -gt 0 ] && lb_on=1
part leaderboard "$lb_on" "$ROOT/bench/leaderboard.sh"

# worker (issue 5/11): BENCH_QUEUE_JOBS (50,000) trivial jobs through one worker thread, then one
# sync round of BENCH_YOUTUBE_PLAYERS (10,000) connected players against
# tests/integration/fake-google.mjs (node, port 18190) (bench/worker.sh). BENCH_WORKER=0 skips it.
part worker "${BENCH_WORKER:-1}" "$ROOT/bench/worker.sh"

# live chat (issue 6/11): BENCH_WS_CONNS (10,000) sockets on one serve (:18193), BENCH_WS_MEMBERS
# (1,000) of them in one room, BENCH_WS_MESSAGES (20) lines said into it (bench/chat.sh, node
# load generator bench/ws_bench.mjs). BENCH_CHAT=0 skips it.
part chat "${BENCH_CHAT:-1}" "$ROOT/bench/chat.sh"

say "wrk and tool output in bench/out/; the table also in bench/out/table.md"
"$ROOT/bench/table.sh"
if grep -q ' failed$' "$OUT/status.txt"; then
  die "failed: $(awk '$2 == "failed" { printf "%s ", $1 }' "$OUT/status.txt")(logs under var/bench/)"
fi
