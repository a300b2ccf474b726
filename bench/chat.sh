#!/usr/bin/env bash
# bench/chat.sh: the live-chat rows of `make bench`, run by bench/run.sh (it inherits the stack
# env and BIN, OUT from there; run alone it needs them set):
#   10,000 WebSocket connections on one instance          server RSS < 300 MB
#   a line said in a 1,000-member room reaches them all     p99 < 100 ms
# It starts its own `serve` (high rate limits: the bench is one IP), with the open-files limit
# raised for both the server and the node load generator (bench/ws_bench.mjs), opens one room,
# and stops its server at the end. Tunables: BENCH_WS_CONNS, BENCH_WS_MEMBERS, BENCH_WS_MESSAGES,
# BENCH_WS_THREADS (client threads reading the sockets, 2).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'bench(chat): %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
: "${BIN:?} ${DATABASE_URL:?} ${REDIS_URL:?} ${OUT:?}"
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

pid=
stop() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  return 0
}
trap stop EXIT

say "starting serve on $URL (log var/bench/chat/serve.log)"
CHATLINGS_LISTEN=$LISTEN CHATLINGS_ADMIN_LISTEN=127.0.0.1:18194 CHATLINGS_OPS_LISTEN=127.0.0.1:18195 \
  CHATLINGS_PUBLIC_URL=$URL CHATLINGS_ENV=development CHATLINGS_LOG_LEVEL=warn \
  CHATLINGS_RATE_LIMITS=signin=100000000/60,write=100000000/60,read=100000000/60,chat=100000000/60 \
  "$BIN" serve </dev/null >"$WORK/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do curl -fsS -m 1 -o /dev/null "$URL/healthz" 2>/dev/null && break; sleep 0.1; done
curl -fsS -m 1 -o /dev/null "$URL/healthz" || { tail -n 30 "$WORK/serve.log" >&2; die "serve did not start"; }

room=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c \
  "INSERT INTO chatrooms (title, topic) VALUES ('Bench room', 'bench/chat.sh') RETURNING id")
say "$CONNS sockets, $MEMBERS of them in room $room, $MESSAGES lines"
res=$(node bench/ws_bench.mjs --url "$URL" --room "$room" --conns "$CONNS" --members "$MEMBERS" \
  --messages "$MESSAGES" --threads "$WS_THREADS" --pid "$pid" --timeout-s 240) || { tail -n 30 "$WORK/serve.log" >&2; die "ws_bench failed"; }
echo "$res" >"$OUT/chat.json"
psql -X -q -d "$DATABASE_URL" -c "UPDATE chatrooms SET is_active = false WHERE id = '$room'" >/dev/null || true

j() { node -e "const r = JSON.parse(process.argv[1]); console.log(r['$1'] ?? '')" "$res"; }
connected=$(j connected); failed=$(j failed); rss=$(j rss_open_mb); idle=$(j rss_idle_mb)
p50=$(j p50_ms); p99=$(j p99_ms); deliveries=$(j deliveries); expected=$(j expected); secs=$(j connect_s)
verdict() { if [ "$1" = 1 ]; then echo PASS; else echo MISS; fi; }
conn_ok=$([ "$connected" -ge "$CONNS" ] && [ "$failed" -eq 0 ] && awk -v r="$rss" 'BEGIN { exit !(r < 300) }' && echo 1 || echo 0)
fan_ok=$([ "$deliveries" -eq "$expected" ] && [ "$expected" -gt 0 ] && awk -v p="$p99" 'BEGIN { exit !(p < 100) }' && echo 1 || echo 0)
echo
echo "| live chat (WebSocket) | conns | result | p50 | p99 | errors | target |"
echo "|---|---|---|---|---|---|---|"
echo "| open sockets on one instance (server RSS idle $idle MB) | $connected | all open in ${secs} s, RSS $rss MB | — | — | $failed | $CONNS open, RSS < 300 MB — $(verdict "$conn_ok") |"
echo "| a line to a $MEMBERS-member room, $MESSAGES lines | $connected | $deliveries of $expected delivered | $p50 ms | $p99 ms | $((expected - deliveries)) | p99 < 100 ms — $(verdict "$fan_ok") |"
