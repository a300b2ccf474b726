#!/usr/bin/env bash
# bench/chat.sh: the live-chat rows of `make bench`, run by bench/run.sh (it inherits the stack
# env and BIN, OUT from there; run alone it needs them set):
#   10,000 WebSocket connections on one instance          server RSS < 300 MB
#   a line said in a 1,000-member room reaches them all     p99 < 100 ms
# It starts its own `serve` (high rate limits: the bench is one IP), with the open-files limit
# raised for both the server and the node load generator (bench/ws_bench.mjs), opens one room,
# and stops its server at the end. Tunables: BENCH_WS_CONNS, BENCH_WS_MEMBERS, BENCH_WS_MESSAGES,
# BENCH_WS_THREADS (client threads reading the sockets, 2). Leaves BENCH lines in
# $OUT/chat_sockets.txt and $OUT/chat_fanout.txt for bench/table.sh (the whole result: chat.json).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'bench(chat): %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
: "${BIN:?} ${DATABASE_URL:?} ${REDIS_URL:?} ${OUT:?}"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
LISTEN=${BENCH_CHAT_LISTEN:-127.0.0.1:18193}
URL=http://$LISTEN
WORK=$ROOT/var/bench/chat
CONNS=${BENCH_WS_CONNS:-10000}
MEMBERS=${BENCH_WS_MEMBERS:-1000}
MESSAGES=${BENCH_WS_MESSAGES:-20}
WS_THREADS=${BENCH_WS_THREADS:-2}
mkdir -p "$WORK" "$OUT"

# Each socket is a descriptor on both ends: 10,000 need more than the usual 1024 (the server also
# raises its soft limit to the hard one at start-up).
want=$((CONNS + 4096))
ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((CONNS + 200)) ] ||
  die "open-files limit $(ulimit -n) is too low for $CONNS sockets (raise the hard limit: ulimit -Hn)"

trap 'stop_pid "$SERVE_PID"' EXIT
say "starting serve on $URL (log var/bench/chat/serve.log)"
start_serve "$LISTEN" "$WORK/serve.log" CHATLINGS_LOG_LEVEL=warn || die "serve did not start"
pid=$SERVE_PID

room=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c \
  "INSERT INTO chatrooms (title, topic) VALUES ('Bench room', 'bench/chat.sh') RETURNING id")
say "$CONNS sockets, $MEMBERS of them in room $room, $MESSAGES lines"
res=$(node bench/ws_bench.mjs --url "$URL" --room "$room" --conns "$CONNS" --members "$MEMBERS" \
  --messages "$MESSAGES" --threads "$WS_THREADS" --pid "$pid" --timeout-s 240) || { tail -n 30 "$WORK/serve.log" >&2; die "ws_bench failed"; }
echo "$res" >"$OUT/chat.json"
psql -X -q -d "$DATABASE_URL" -c "UPDATE chatrooms SET is_active = false WHERE id = '$room'" >/dev/null || true

# One BENCH line per row: latencies in µs and RSS in kB, like the wrk rows.
# shellcheck disable=SC2016 # JavaScript template literals, not shell
node -e '
  const r = JSON.parse(process.argv[1]);
  const us = (v) => (v == null ? "" : Math.round(v * 1000)), kb = (v) => (v == null ? "" : Math.round(v * 1024));
  console.log(`BENCH conns=${r.conns} connected=${r.connected} failed=${r.failed} connect_s=${r.connect_s} rss_kb=${kb(r.rss_open_mb)} rss_idle_kb=${kb(r.rss_idle_mb)}`);
  console.log(`BENCH conns=${r.connected} members=${r.members} joined=${r.joined} messages=${r.messages} deliveries=${r.deliveries} expected=${r.expected} p50_us=${us(r.p50_ms)} p99_us=${us(r.p99_ms)} p999_us=${us(r.p999_ms)} rss_kb=${kb(r.rss_after_mb)}`);
' "$res" | {
  read -r line; echo "$line" >"$OUT/chat_sockets.txt"
  read -r line; echo "$line" >"$OUT/chat_fanout.txt"
}
