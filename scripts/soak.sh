#!/usr/bin/env bash
# soak.sh (make soak): SOAK_MINUTES (30) of mixed traffic against the release binary on its own
# private stack under var/soak; reports the 5xx count (must be zero), the server's RSS every
# minute (flat or growing?) and p99 per SOAK_WINDOW_MINUTES (5) window. Not part of make test.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
MINUTES=${SOAK_MINUTES:-30}
WINDOW=${SOAK_WINDOW_MINUTES:-5}
SDIR=$ROOT/var/soak
PORTS=(27532 27579 27580) # below the ephemeral range
LISTEN=127.0.0.1:18280
BIN=$ROOT/build/release/chatlings
say() { printf 'soak: %s\n' "$*" >&2; }

cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j2 --target chatlings >/dev/null
mkdir -p "$SDIR"
serve_pid='' worker_pid=''
cleanup() {
  for p in $worker_pid $serve_pid; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  scripts/stack.sh stop "$SDIR" "${PORTS[@]}" >/dev/null 2>&1 || true
}
cleanup
trap cleanup EXIT
trap 'exit 130' INT TERM
eval "$(scripts/stack.sh start "$SDIR" "${PORTS[@]}")"
export DATABASE_URL REDIS_URL CHATLINGS_ENV=development CHATLINGS_LISTEN=$LISTEN
export CHATLINGS_ADMIN_LISTEN=127.0.0.1:18281 CHATLINGS_OPS_LISTEN=127.0.0.1:18282
export CHATLINGS_PUBLIC_URL=http://$LISTEN CHATLINGS_VISITOR_ONE_IN=0
export CHATLINGS_RATE_LIMITS='signin=100000000/60,write=100000000/60,read=100000000/60,chat=100000000/60'
"$BIN" migrate >/dev/null
"$BIN" seed >/dev/null
"$BIN" serve </dev/null >"$SDIR/serve.log" 2>&1 &
serve_pid=$!
# the worker too, as in production: box-ready sweeps, leaderboard upkeep, push delivery
"$BIN" worker </dev/null >"$SDIR/worker.log" 2>&1 &
worker_pid=$!
for _ in $(seq 1 100); do curl -fsS -m 1 -o /dev/null "http://$LISTEN/healthz" 2>/dev/null && break; sleep 0.1; done
say "$MINUTES min of mixed traffic on http://$LISTEN (serve pid $serve_pid, worker pid $worker_pid, logs var/soak/)"
SOAK_URL=http://$LISTEN SOAK_MINUTES=$MINUTES SOAK_WINDOW_MINUTES=$WINDOW SOAK_PID=$serve_pid \
  node "$ROOT/scripts/soak_load.mjs" | tee "$SDIR/report.md"
