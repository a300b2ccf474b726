#!/usr/bin/env bash
# bench/leaderboard.sh: the leaderboard rows of make bench (issue 4/11), run by bench/run.sh
# against its stack, or by hand:
#   DATABASE_URL=... REDIS_URL=... BIN=build/release/chatlings bench/leaderboard.sh [PLAYERS]
# Seeds PLAYERS (default 1,000,000) players onto the weekly points board, rebuilds the boards
# from PostgreSQL, measures the top-100 read and the own-rank read with wrk on a serve of its
# own (high rate limits, port 18183), then the weekly rollover of that board (clock moved to
# next Monday 00:01 UTC; the next run's rebuild puts the boards back on the real week).
# Leaves BENCH lines in $OUT/lb_{top,me,rollover,rebuild}.txt for bench/table.sh; progress on stderr.
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
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
mkdir -p "$OUT"

say "seeding $PLAYERS players (skipped when present)"
psql -X -q -v players="$PLAYERS" -d "$DATABASE_URL" -f bench/leaderboard_seed.sql >&2
# A rebuild of boards that exist fills shadow keys beside them (2x their memory at the swap);
# this private stack drops them first so that re-runs fit in maxmemory 1gb.
redis-cli -u "$REDIS_URL" UNLINK 'leaderboard:{lb}:meta:built' 'leaderboard:{lb}:global:alltime' 'leaderboard:{lb}:global:weekly' \
  'leaderboard:{lb}:collection:alltime' 'leaderboard:{lb}:collection:weekly' 'leaderboard:{lb}:rarity:alltime' \
  'leaderboard:{lb}:rarity:weekly' 'leaderboard:{lb}:team:alltime' 'leaderboard:{lb}:team:weekly' >/dev/null
t0=$(date +%s%N)
"$BIN" admin rebuild-leaderboards >"$OUT/lb_rebuild.txt" 2>&1 || { cat "$OUT/lb_rebuild.txt" >&2; exit 1; }
rebuild_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
members=$(redis-cli -u "$REDIS_URL" ZCARD 'leaderboard:{lb}:global:weekly')
say "rebuilt in ${rebuild_ms} ms; weekly points board: $members members"
bench_line lb_rebuild "players=$PLAYERS ms=$rebuild_ms"

trap 'stop_pid "$SERVE_PID"' EXIT
start_serve "$LISTEN" "$OUT/lb_serve.log" || exit 1
spid=$SERVE_PID
# a player in the middle of the board
mid="lb_$((PLAYERS / 2))"
cookie=$(curl -fsS -m 5 -D - -o /dev/null -H "origin: $URL" -H 'content-type: application/json' \
  -d "{\"username\":\"$mid\"}" "$URL/api/dev/login" | sed -n 's/^set-cookie: \([^;]*\).*/\1/Ip' | head -n 1)
[ -n "$cookie" ] || { say "could not sign in $mid"; exit 1; }
curl -fsS -H "cookie: $cookie" "$URL/api/leaderboard/achievements?period=week" | grep -o '"me":{[^}]*}' >&2
export BENCH_COOKIE=$cookie
bench_wrk lb_warmup bench/leaderboard_top.lua 2s "$URL" "$spid" || exit 1
bench_wrk lb_top bench/leaderboard_top.lua "$DURATION" "$URL" "$spid" || exit 1
bench_wrk lb_me bench/leaderboard_me.lua "$DURATION" "$URL" "$spid" || exit 1
bench_line lb_top "members=$members"
bench_line lb_me "members=$members"
stop_pid "$spid"
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
[ -n "$roll_ms" ] || { cat "$OUT/lb_rollover.txt" >&2; say "no rollover time in its output"; exit 1; }
bench_line lb_rollover "members=$members ms=$roll_ms rename_ms=${rename_ms:-0}"
