#!/usr/bin/env bash
# bench/worker.sh: the worker's rows of `make bench` (called by bench/run.sh, which has started
# the bench stack and exported DATABASE_URL / REDIS_URL; BIN is the release binary).
#   1. queue throughput: N trivial jobs (noop) drained by one worker with one thread
#   2. one YouTube sync round: P connected players (chatlings worker youtube-bench-setup) against
#      the project's fake Google/YouTube server, one worker with its default 4 threads
# Leaves BENCH lines in $OUT/worker_queue.txt and $OUT/worker_youtube.txt for bench/table.sh,
# progress on stderr. Stops what it started.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-$ROOT/build/release/chatlings}
OUT=${OUT:-$ROOT/bench/out}
JOBS=${BENCH_QUEUE_JOBS:-50000}
PLAYERS=${BENCH_YOUTUBE_PLAYERS:-10000}
FAKE_PORT=${BENCH_FAKE_GOOGLE_PORT:-18190}
LOG=$ROOT/var/bench/worker.log
say() { printf 'bench: %s\n' "$*" >&2; }
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
mkdir -p "$(dirname "$LOG")" "$OUT"
: >"$LOG"

FAKE_PID=
trap 'stop_pid "$FAKE_PID"' EXIT

# jfield NAME JSON: a number from a one-line JSON object
jfield() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" <<<"$2"; }
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%d", (ms > 0 ? n * 1000 / ms : 0) }'; }

# ---- 1. queue throughput ----------------------------------------------------------------
say "worker: $JOBS trivial jobs, one worker, one thread"
"$BIN" worker enqueue noop --count "$JOBS" >/dev/null
out=$(CHATLINGS_WORKER_THREADS=1 "$BIN" worker --drain --no-schedule 2>>"$LOG" | tail -n 1)
done_n=$(jfield "done" "$out"); ms=$(jfield ms "$out")
: >"$OUT/worker_queue.txt"
bench_line worker_queue "jobs=$JOBS done=${done_n:-0} ms=${ms:-0} rps=$(rate "${done_n:-0}" "${ms:-0}")"

# ---- 2. a YouTube sync round ------------------------------------------------------------
say "worker: YouTube sync round of $PLAYERS players against the fake API (port $FAKE_PORT)"
fifo=$(mktemp -u); mkfifo "$fifo"
node "$ROOT/tests/integration/fake-google.mjs" --port "$FAKE_PORT" --client-id yt-bench-client \
  --client-secret yt-bench-secret --bench-likes 1 --bench-videos 500 >"$fifo" 2>>"$LOG" &
FAKE_PID=$!
read -r -t 20 line <"$fifo" || { rm -f "$fifo"; say "the fake Google server did not start"; exit 1; }
rm -f "$fifo"
FAKE_URL=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' <<<"$line")
"$BIN" worker youtube-bench-setup "$PLAYERS" >/dev/null 2>>"$LOG"
export CHATLINGS_YOUTUBE_CLIENT_ID=yt-bench-client CHATLINGS_YOUTUBE_CLIENT_SECRET=yt-bench-secret
export CHATLINGS_GOOGLE_OAUTH_BASE_URL=$FAKE_URL CHATLINGS_GOOGLE_TOKEN_URL=$FAKE_URL/token
export CHATLINGS_YOUTUBE_API_BASE_URL=$FAKE_URL/youtube/v3
# the quota is not what is measured here: room for the whole round
export CHATLINGS_YOUTUBE_DAILY_QUOTA=100000000
redis-cli -u "$REDIS_URL" DEL yt:quota:blocked >/dev/null 2>&1 || true
"$BIN" worker enqueue youtube_sweep >/dev/null
out=$("$BIN" worker --drain --no-schedule 2>>"$LOG" | tail -n 1)
done_n=$(jfield "done" "$out"); ms=$(jfield ms "$out"); dead=$(jfield dead "$out")
rewarded=$(psql -X -At -d "$DATABASE_URL" -c \
  "SELECT count(*) FROM youtube_likes l JOIN users u ON u.id = l.user_id WHERE u.username LIKE 'ytbench\\_%'")
stop_pid "$FAKE_PID"
: >"$OUT/worker_youtube.txt"
bench_line worker_youtube "players=$PLAYERS done=${done_n:-0} ms=${ms:-0} dead=${dead:-0} rewarded=${rewarded:-0} rps=$(rate "${done_n:-0}" "${ms:-0}")"
say "worker log in var/bench/worker.log"
