# shellcheck shell=bash
# bench/lib.sh: helpers shared by the bench scripts (sourced, not run). Every producer leaves its
# measurements in $OUT/NAME.txt as "BENCH key=value ..." lines (report.lua's line from wrk, plus
# lines written here); bench/table.sh reads them back with field() and prints the one table.
# Needs OUT (the output directory) and say() from the caller; BIN for start_serve.

# field NAME KEY: the last value of KEY on a BENCH line of $OUT/NAME.txt (empty when absent)
field() {
  [ -f "$OUT/$1.txt" ] || return 0
  sed -n "s/^BENCH .*\\b$2=\\([0-9.]*\\).*/\\1/p" "$OUT/$1.txt" | tail -n 1
}

# ms MICROSECONDS: "1.23 ms" ("—" when empty)
ms() {
  [ -n "${1:-}" ] || { echo "—"; return 0; }
  awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'
}

# rss_kb PID: VmRSS of a process in kB, from /proc/PID/status (empty when it is gone)
rss_kb() {
  [ -n "${1:-}" ] || return 0
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true
}

# bench_line NAME KEY=VALUE...: one more BENCH line in $OUT/NAME.txt
bench_line() {
  local name=$1
  shift
  echo "BENCH $*" >>"$OUT/$name.txt"
}

# bench_wrk NAME SCRIPT DURATION URL [PID]: one wrk run (-t$THREADS -c$CONNS) into $OUT/NAME.txt
# (report.lua's BENCH line), then a BENCH line with the load and the VmRSS of the server PID
# read right after the run.
bench_wrk() {
  local name=$1 script=$2 dur=$3 url=$4 pid=${5:-}
  wrk -t"${THREADS:-2}" -c"${CONNS:-64}" -d"$dur" --latency -s "$script" "$url" >"$OUT/$name.txt" 2>&1 ||
    { cat "$OUT/$name.txt" >&2; say "error: wrk failed ($name)"; return 1; }
  grep -q '^BENCH ' "$OUT/$name.txt" || { cat "$OUT/$name.txt" >&2; say "error: no BENCH line from wrk ($name)"; return 1; }
  bench_line "$name" "conns=${CONNS:-64} threads=${THREADS:-2} rss_kb=$(rss_kb "$pid")"
}

# wait_http URL PID LOG: waits (20 s at most) until URL answers; shows LOG and fails otherwise
wait_http() {
  for _ in $(seq 1 200); do
    curl -fsS -m 1 -o /dev/null "$1" 2>/dev/null && return 0
    alive "$2" || break
    sleep 0.1
  done
  tail -n 30 "$3" >&2
  say "error: $1 did not answer"
  return 1
}

# start_serve LISTEN LOG [VAR=VALUE...]: `$BIN serve` in the background on LISTEN (admin and ops
# listeners on the next two ports), development mode, rate limits out of the way (a bench is one
# IP and a few players), the extra settings given; its pid in SERVE_PID (set the EXIT trap on
# SERVE_PID first); returns once /healthz answers, fails (log shown) if it does not.
SERVE_PID=''
start_serve() {
  local listen=$1 log=$2 port=${1##*:}
  shift 2
  env CHATLINGS_LISTEN="$listen" CHATLINGS_ADMIN_LISTEN="127.0.0.1:$((port + 1))" \
    CHATLINGS_OPS_LISTEN="127.0.0.1:$((port + 2))" CHATLINGS_PUBLIC_URL="http://$listen" CHATLINGS_ENV=development \
    CHATLINGS_RATE_LIMITS=signin=100000000/60,write=100000000/60,read=100000000/60,chat=100000000/60 \
    "$@" "$BIN" serve </dev/null >"$log" 2>&1 &
  SERVE_PID=$!
  wait_http "http://$listen/healthz" "$SERVE_PID" "$log"
}

# alive PID: the process exists and is not a zombie
alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# stop_pid PID...: TERM, up to 10 s to exit, then KILL (only processes this script started)
stop_pid() {
  local p
  for p in "$@"; do
    alive "$p" || continue
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 100); do alive "$p" || break; sleep 0.1; done
    if alive "$p"; then kill -KILL "$p" 2>/dev/null || true; fi
    wait "$p" 2>/dev/null || true
  done
  return 0
}
