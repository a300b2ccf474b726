#!/usr/bin/env bash
# bench/leaderboard.sh: the leaderboard rows of make bench (issue 4/11), run by bench/run.sh
# against its stack, or by hand:
#   DATABASE_URL=... REDIS_URL=... BIN=build/release/chatlings bench/leaderboard.sh [PLAYERS]
# Seeds PLAYERS (default 1,000,000) players onto the weekly points board, rebuilds the boards
# from PostgreSQL, measures the top-100 read and the own-rank read with wrk on a serve of its
# own (high rate limits, port 18183), then the weekly rollover of that board (clock moved to
# next Monday 00:01 UTC; the next run's rebuild puts the boards back on the real week).
# Prints markdown table rows on stdout; progress on stderr.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PLAYERS=${1:-${BENCH_LB_PLAYERS:-1000000}}
BIN=${BIN:-$ROOT/build/release/chatlings}
LISTEN=127.0.0.1:18183
URL=http://$LISTEN
OUT=${OUT:-$ROOT/bench/out}
THREADS=${BENCH_THREADS:-2}
# p99 is a latency target: measured at a moderate load (16 connections) rather than at the
# saturation the throughput rows use, where queueing alone sets p99 on a 2-core machine.
CONNS=${BENCH_LB_CONNS:-16}
DURATION=${BENCH_LB_DURATION:-5s}
export BENCH_DIR=$ROOT/bench
say() { printf 'bench(leaderboard): %s\n' "$*" >&2; }
mkdir -p "$OUT"

say "seeding $PLAYERS players (skipped when present)"
psql -X -q -v players="$PLAYERS" -d "$DATABASE_URL" -f bench/leaderboard_seed.sql >&2
# A rebuild of boards that exist fills shadow keys beside them (2x their memory at the swap);
# this private stack drops them first so that re-runs fit in maxmemory 1gb.
redis-cli -u "$REDIS_URL" UNLINK leaderboard:{lb}:meta:built leaderboard:{lb}:global:alltime leaderboard:{lb}:global:weekly \
  leaderboard:{lb}:collection:alltime leaderboard:{lb}:collection:weekly leaderboard:{lb}:rarity:alltime \
  leaderboard:{lb}:rarity:weekly leaderboard:{lb}:team:alltime leaderboard:{lb}:team:weekly >/dev/null
t0=$(date +%s%N)
"$BIN" admin rebuild-leaderboards >"$OUT/lb_rebuild.txt" 2>&1 || { cat "$OUT/lb_rebuild.txt" >&2; exit 1; }
rebuild_s=$(awk -v ns="$(( $(date +%s%N) - t0 ))" 'BEGIN { printf "%.1f", ns / 1e9 }')
members=$(redis-cli -u "$REDIS_URL" ZCARD leaderboard:{lb}:global:weekly)
say "rebuilt in ${rebuild_s}s; weekly points board: $members members"

CHATLINGS_LISTEN=$LISTEN CHATLINGS_ADMIN_LISTEN=127.0.0.1:18184 CHATLINGS_OPS_LISTEN=127.0.0.1:18185 \
  CHATLINGS_PUBLIC_URL=$URL CHATLINGS_RATE_LIMITS=signin=1000000/60,write=1000000/60,read=100000000/60,chat=1000/60 \
  "$BIN" serve </dev/null >"$OUT/lb_serve.log" 2>&1 &
spid=$!
trap 'kill -TERM $spid 2>/dev/null; wait $spid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS -m 1 -o /dev/null "$URL/healthz" 2>/dev/null && break; sleep 0.1; done
# a player in the middle of the board
mid="lb_$((PLAYERS / 2))"
cookie=$(curl -fsS -m 5 -D - -o /dev/null -H "origin: $URL" -H 'content-type: application/json' \
  -d "{\"username\":\"$mid\"}" "$URL/api/dev/login" | sed -n 's/^set-cookie: \([^;]*\).*/\1/Ip' | head -n 1)
[ -n "$cookie" ] || { say "could not sign in $mid"; exit 1; }
curl -fsS -H "cookie: $cookie" "$URL/api/leaderboard/achievements?period=week" | grep -o '"me":{[^}]*}' >&2
wrk -t"$THREADS" -c"$CONNS" -d2s -s bench/leaderboard_top.lua "$URL" >/dev/null 2>&1 || true
wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s bench/leaderboard_top.lua "$URL" >"$OUT/lb_top.txt" 2>&1
BENCH_COOKIE=$cookie wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s bench/leaderboard_me.lua "$URL" \
  >"$OUT/lb_me.txt" 2>&1
kill -TERM $spid; wait $spid 2>/dev/null || true
trap - EXIT

# the weekly rollover: the clock moved to next Monday 00:01 UTC
now=$(date -u +%s)
dow=$(date -u +%u)   # 1 = Monday
next_monday=$(( (now / 86400 + 8 - dow) * 86400 ))
offset=$(( next_monday + 60 - now ))
CHATLINGS_CLOCK_OFFSET_S=$offset "$BIN" admin rollover-leaderboards >"$OUT/lb_rollover.txt" 2>&1 ||
  { cat "$OUT/lb_rollover.txt" >&2; exit 1; }
say "$(grep -m1 closed "$OUT/lb_rollover.txt")"
roll_ms=$(sed -n 's/.*archived in \([0-9]*\) ms.*/\1/p' "$OUT/lb_rollover.txt" | head -n 1)
rename_ms=$(sed -n 's/.*(rename \([0-9.]*\) ms.*/\1/p' "$OUT/lb_rollover.txt" | head -n 1)

field() { sed -n "s/^BENCH .*\\b$2=\\([0-9.]*\\).*/\\1/p" "$OUT/$1.txt" | tail -n 1; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }
row() {  # row FILE LABEL
  local rps p50 p99 bad verdict
  rps=$(field "$1" rps); p50=$(field "$1" p50_us); p99=$(field "$1" p99_us)
  bad=$(( $(field "$1" non2xx) + $(field "$1" sockerr) ))
  if [ "$p99" -lt 5000 ] && [ "$bad" -eq 0 ]; then verdict="p99 < 5 ms — PASS"; else verdict="p99 < 5 ms — MISS"; fi
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$2" "$CONNS" "$rps" "$(ms "$p50")" "$(ms "$p99")" "$bad" "$verdict"
}
row lb_top "GET /api/leaderboard/achievements?period=week, top 100 ($members members)"
row lb_me "same, signed in: + own rank ($members members)"
verdict=MISS; [ "${roll_ms:-99999}" -lt 10000 ] && verdict=PASS
printf '| weekly rollover of the %s-member board (rename %s ms + COPY archive) | — | — | — | %s ms | — | < 10 s — %s |\n' \
  "$members" "${rename_ms:-?}" "${roll_ms:-?}" "$verdict"
printf '| rebuild of every board from PostgreSQL (%s players) | — | — | — | %s s | — | — |\n' "$PLAYERS" "$rebuild_s"
