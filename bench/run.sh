#!/usr/bin/env bash
# bench/run.sh (make bench): the release binary against its own private stack under var/bench,
# load from wrk on loopback (bounded: a few seconds per endpoint), and a table of req/s and
# latency against the targets. Everything it started is stopped at the end, failure or not.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

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

"$ROOT/scripts/deps.sh"
say "building build/release"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j2 --target chatlings
[ -x "$BIN" ] || die "$BIN was not built"

alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
stop_serve() {
  local pid
  pid=$(cat "$BDIR/serve.pid" 2>/dev/null) || return 0
  if alive "$pid" && grep -q chatlings "/proc/$pid/cmdline" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null
  fi
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

stack_env=$("$ROOT/scripts/stack.sh" start "$BDIR" "${PORTS[@]}")
eval "$stack_env"
export DATABASE_URL REDIS_URL CHATLINGS_ENV=development
export CHATLINGS_LISTEN=$LISTEN CHATLINGS_ADMIN_LISTEN=127.0.0.1:18181 CHATLINGS_OPS_LISTEN=127.0.0.1:18182

say "migrate + seed"
"$BIN" migrate >/dev/null
"$BIN" seed >/dev/null

say "starting serve on $URL (log var/bench/serve.log)"
"$BIN" serve </dev/null >"$BDIR/serve.log" 2>&1 &
echo $! >"$BDIR/serve.pid"
pid=$!
ok=
for _ in $(seq 1 200); do
  curl -fsS -m 1 -o /dev/null "$URL/healthz" 2>/dev/null && { ok=1; break; }
  alive "$pid" || break
  sleep 0.1
done
[ -n "$ok" ] || { tail -n 30 "$BDIR/serve.log" >&2; die "serve did not answer /healthz"; }

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

# run NAME SCRIPT DURATION: one wrk run; leaves its BENCH line in $OUT/NAME.txt.
run_wrk() {
  local name=$1 script=$2 dur=$3
  wrk -t"$THREADS" -c"$CONNS" -d"$dur" --latency -s "$script" "$URL" >"$OUT/$name.txt" 2>&1 ||
    { cat "$OUT/$name.txt" >&2; die "wrk failed ($name)"; }
}
mkdir -p "$OUT"
say "warm-up (2 s)"
run_wrk warmup bench/details.lua 2s
say "GET /api/creature/:id/details: $DURATION, $CONNS connections"
run_wrk details bench/details.lua "$DURATION"
say "GET /api/creatures?limit=20: $DURATION, $CONNS connections"
run_wrk list bench/list.lua "$DURATION"

field() { sed -n "s/^BENCH .*\\b$2=\\([0-9.]*\\).*/\\1/p" "$OUT/$1.txt" | tail -n 1; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }
row() {  # row NAME ENDPOINT TARGET_RPS TARGET_P99_US
  local rps p50 p99 bad verdict=""
  rps=$(field "$1" rps); p50=$(field "$1" p50_us); p99=$(field "$1" p99_us)
  bad=$(( $(field "$1" non2xx) + $(field "$1" sockerr) ))
  if [ -n "$3" ]; then
    if [ "$rps" -ge "$3" ] && [ "$p99" -lt "$4" ] && [ "$bad" -eq 0 ]; then verdict=" — PASS"; else verdict=" — MISS"; fi
    verdict=">= $3 req/s, p99 < $(($4 / 1000)) ms$verdict"
  else
    verdict="—"
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$2" "$CONNS" "$rps" "$(ms "$p50")" "$(ms "$p99")" "$bad" "$verdict"
}
{
  echo "chatlings bench, $(date -u +%FT%TZ), wrk -t$THREADS -c$CONNS -d$DURATION on $(nproc) cores"
  echo
  echo "| endpoint | conns | req/s | p50 | p99 | errors | target |"
  echo "|---|---|---|---|---|---|---|"
  row details "GET /api/creature/:id/details (100 ids)" 20000 10000
  row list "GET /api/creatures?limit=20" "" ""
} | tee "$OUT/results.md"
say "wrk output in bench/out/"

# ---- collecting (issue 3/11) ---------------------------------------------------------------
# Its own rows, server and players: bench/collecting.sh (maintained with the collecting game).
# BENCH_COLLECTING=0 skips them.
if [ "${BENCH_COLLECTING:-1}" = 1 ]; then
  BIN=$BIN OUT=$OUT THREADS=$THREADS CONNS=$CONNS DURATION=$DURATION "$ROOT/bench/collecting.sh" |
    tee -a "$OUT/results.md" || say "collecting rows failed (var/bench/collecting/serve.log)"
fi

# ---- static files and thumbnails (issue 7/11) ------------------------------------------------
# The same asset from the C server and from nginx side by side, and thumbnails per second:
# bench/static.sh (own serve + nginx under var/bench/static). BENCH_STATIC=0 skips them.
if [ "${BENCH_STATIC:-1}" = 1 ]; then
  BIN=$BIN OUT=$OUT DURATION=$DURATION "$ROOT/bench/static.sh" |
    tee -a "$OUT/results.md" || say "static rows failed (var/bench/static/serve.log)"
fi

# ---- leaderboards (issue 4/11) -------------------------------------------------------------
# bench/leaderboard.sh: BENCH_LB_PLAYERS (1,000,000) players on the weekly points board, its own
# serve on :18183; seeding them takes a few minutes the first time. BENCH_LB_PLAYERS=0 skips it.
if [ "${BENCH_LB_PLAYERS:-1000000}" -gt 0 ]; then
  say "leaderboards: ${BENCH_LB_PLAYERS:-1000000} players (bench/leaderboard.sh)"
  { echo; echo "| leaderboards | conns | req/s | p50 | p99 | errors | target |"; echo "|---|---|---|---|---|---|---|"
    BIN=$BIN OUT=$OUT "$ROOT/bench/leaderboard.sh"; } | tee -a "$OUT/results.md" || say "leaderboard rows failed"
fi

# ---- worker: job queue and a YouTube sync round (issue 5/11) ------------------------------
# bench/worker.sh: BENCH_QUEUE_JOBS (50,000) trivial jobs through one worker thread, then one sync
# round of BENCH_YOUTUBE_PLAYERS (10,000) connected players against tests/integration/fake-google.mjs
# (node, port 18190). BENCH_WORKER=0 skips it.
if [ "${BENCH_WORKER:-1}" = 1 ]; then
  BIN=$BIN "$ROOT/bench/worker.sh" | tee -a "$OUT/results.md" || say "worker rows failed (var/bench/worker.log)"
fi

# ---- live chat over WebSocket (issue 6/11) ------------------------------------------------
# bench/chat.sh: BENCH_WS_CONNS (10,000) sockets on one serve (:18193, open-files limit raised),
# BENCH_WS_MEMBERS (1,000) of them in one room, BENCH_WS_MESSAGES (20) lines said into it; node
# load generator bench/ws_bench.mjs. Server RSS and delivery latency. BENCH_CHAT=0 skips it.
if [ "${BENCH_CHAT:-1}" = 1 ]; then
  BIN=$BIN OUT=$OUT "$ROOT/bench/chat.sh" | tee -a "$OUT/results.md" || say "chat rows failed (var/bench/chat/serve.log)"
fi
