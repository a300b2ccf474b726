#!/usr/bin/env bash
# bench/reference.sh: the reference rows of `make bench`, the ceilings of the stores the app sits
# on, measured in the same run on the same machine with the app's own client count (CONNS) and
# thread count (THREADS); run by bench/run.sh, which has started the bench stack:
#   pgbench -S -M prepared (select-only)        the database read ceiling
#   pgbench -M prepared (default TPC-B-like)    the database write ceiling (5 statements, 3 rows
#                                               updated and 1 inserted per transaction; a box claim
#                                               writes ~10 rows)
#   redis-benchmark GET and SET, -P 1           the cache ceiling (the plain port, database 1)
# The pgbench database ("pgbench", scale BENCH_PGBENCH_SCALE = 10, 1,000,000 accounts) lives in
# the bench PostgreSQL and is initialised anew on every run. Latency percentiles of pgbench come
# from its per-transaction log (-l); redis-benchmark prints its own. Leaves BENCH lines in
# $OUT/{pg_select,pg_tpcb,redis_get,redis_set}.txt for bench/table.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'bench(reference): %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
: "${DATABASE_URL:?} ${REDIS_URL:?} ${OUT:?}"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
THREADS=${THREADS:-2} CONNS=${CONNS:-64} DURATION=${DURATION:-10s}
secs=${DURATION%s}
[[ "$secs" =~ ^[0-9]+$ ]] || secs=10
SCALE=${BENCH_PGBENCH_SCALE:-10}
WORK=$ROOT/var/bench/reference
PGB_URL=${DATABASE_URL%/*}/pgbench
rm -rf "$WORK"
mkdir -p "$WORK" "$OUT"

# ---- PostgreSQL: pgbench ------------------------------------------------------------------
if [ "$(psql -X -At -d "$DATABASE_URL" -c "SELECT 1 FROM pg_database WHERE datname = 'pgbench'")" != 1 ]; then
  psql -X -q -d "$DATABASE_URL" -c "CREATE DATABASE pgbench" >/dev/null
fi
say "pgbench -i -s $SCALE (database pgbench)"
pgbench -i -q -s "$SCALE" "$PGB_URL" >"$WORK/init.log" 2>&1 || { cat "$WORK/init.log" >&2; die "pgbench -i failed"; }

# percentiles FILE...: "p50_us=.. p99_us=.. p999_us=.." from pgbench's per-transaction logs
# (third field: the latency in µs; "failed" ones are counted by pgbench itself)
percentiles() {
  awk '$3 ~ /^[0-9]+$/ { print $3 }' "$@" | sort -n | awk '
    { v[NR] = $1 }
    function at(p,   i) { i = int(p * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; return v[i] + 0 }
    END { printf "p50_us=%d p99_us=%d p999_us=%d\n", at(0.50), at(0.99), at(0.999) }'
}

# pg_run NAME PGBENCH_ARGS...: one pgbench run of DURATION into $OUT/NAME.txt
pg_run() {
  local name=$1 tps failed
  shift
  pgbench -M prepared -c "$CONNS" -j "$THREADS" -T "$secs" -l --log-prefix="$WORK/$name" "$@" "$PGB_URL" \
    >"$OUT/$name.txt" 2>&1 || { cat "$OUT/$name.txt" >&2; die "pgbench failed ($name)"; }
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$OUT/$name.txt" | tail -n 1)
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$OUT/$name.txt" | tail -n 1)
  [ -n "$tps" ] || { cat "$OUT/$name.txt" >&2; die "no tps in pgbench's output ($name)"; }
  bench_line "$name" "rps=${tps%.*} $(percentiles "$WORK/$name".*) non2xx=${failed:-0} sockerr=0 conns=$CONNS threads=$THREADS"
  rm -f "$WORK/$name".*
}
say "pgbench -S -M prepared: $DURATION, $CONNS clients"
pg_run pg_select -S
say "pgbench (TPC-B-like) -M prepared: $DURATION, $CONNS clients"
pg_run pg_tpcb

# ---- Redis: redis-benchmark ---------------------------------------------------------------
hostport=${REDIS_URL#redis://}
hostport=${hostport%%/*}
rhost=${hostport%:*} rport=${hostport##*:}
rpid=$(cat "$ROOT/var/bench/redis/redis.pid" 2>/dev/null || true)
# about DURATION per test at the rate a 2-core machine reaches
requests=${BENCH_REDIS_REQUESTS:-$((secs * 50000))}

# redis_run NAME TEST: one redis-benchmark test into $OUT/NAME.txt; its summary becomes the
# BENCH line (p99.9: the first percentile of its distribution at or above 99.9 %)
redis_run() {
  local name=$1 test=$2 line
  redis-benchmark -h "$rhost" -p "$rport" --dbnum 1 -c "$CONNS" -P 1 --threads "$THREADS" -r 100000 \
    -n "$requests" -t "$test" >"$WORK/$name.raw" 2>&1 || { tail -n 20 "$WORK/$name.raw" >&2; die "redis-benchmark failed ($name)"; }
  tr '\r' '\n' <"$WORK/$name.raw" | grep -v '^ *[A-Z]*: rps=' >"$OUT/$name.txt"
  line=$(awk '
    /throughput summary:/ { rps = $3 }
    /latency summary/ { getline; getline; p50 = $3; p99 = $5 }
    /^[0-9.]+% <= / && !got { pc = $1; sub(/%/, "", pc); if (pc + 0 >= 99.9) { p999 = $3; got = 1 } }
    /^(Error|ERR)/ { bad++ }
    END { if (rps == "") exit 1
          printf "rps=%d p50_us=%d p99_us=%d p999_us=%d non2xx=%d sockerr=0", rps, p50 * 1000, p99 * 1000, p999 * 1000, bad }
  ' "$OUT/$name.txt") || { cat "$OUT/$name.txt" >&2; die "no summary in redis-benchmark's output ($name)"; }
  bench_line "$name" "$line conns=$CONNS threads=$THREADS requests=$requests rss_kb=$(rss_kb "$rpid")"
}
say "redis-benchmark SET then GET: $requests requests each, $CONNS clients"
redis_run redis_set set
redis_run redis_get get
redis-cli -h "$rhost" -p "$rport" -n 1 FLUSHDB >/dev/null
