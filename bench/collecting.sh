#!/usr/bin/env bash
# bench/collecting.sh: the collecting game's rows of `make bench`, run by bench/run.sh after its
# own rows (it inherits the stack env, BIN, THREADS, CONNS, DURATION and OUT from there):
#   GET /api/user/collection by players owning 200 creatures   target 5,000 req/s
#   POST /api/daily-box/claim across fresh players             target 2,000 claims/s, p99 < 20 ms
# It starts its own `serve` (high rate limits: a bench is one IP and a few players; no daily
# visitor, so that nothing but the measured request writes), creates the players in bulk with
# SQL, signs them in through dev login, and stops its server at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'bench(collecting): %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
: "${BIN:?} ${DATABASE_URL:?} ${REDIS_URL:?} ${OUT:?}"
THREADS=${THREADS:-2} CONNS=${CONNS:-64} DURATION=${DURATION:-10s}
LISTEN=${BENCH_COLLECTING_LISTEN:-127.0.0.1:18190}
URL=http://$LISTEN
WORK=$ROOT/var/bench/collecting
mkdir -p "$WORK" "$OUT"
secs=${DURATION%s}
[[ "$secs" =~ ^[0-9]+$ ]] || secs=10
COLL_PLAYERS=${BENCH_COLLECTION_PLAYERS:-20}
# every claim must be some player's first: more players than the target rate can use
BOX_PLAYERS=${BENCH_BOX_PLAYERS:-$(( (secs + 2) * 3000 ))}
RUN=$(date +%s)

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

say "starting serve on $URL (log var/bench/collecting/serve.log)"
CHATLINGS_LISTEN=$LISTEN CHATLINGS_ADMIN_LISTEN=127.0.0.1:18191 CHATLINGS_OPS_LISTEN=127.0.0.1:18192 \
  CHATLINGS_PUBLIC_URL=$URL CHATLINGS_ENV=development CHATLINGS_VISITOR_ONE_IN=0 \
  CHATLINGS_RATE_LIMITS=signin=100000000/60,write=100000000/60,read=100000000/60,chat=100000000/60 \
  "$BIN" serve </dev/null >"$WORK/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do curl -fsS -m 1 -o /dev/null "$URL/healthz" 2>/dev/null && break; sleep 0.1; done
curl -fsS -m 1 -o /dev/null "$URL/healthz" || { tail -n 30 "$WORK/serve.log" >&2; die "serve did not start"; }

sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c "$1"; }

# Players in bulk: each with a starter (a Common) and collect_1, as after a real sign-up; the
# collection players own 200 creatures each. Their day's first request is already behind them
# (daily_visitors row + Redis marker), so the measured requests are only what they say.
say "creating $COLL_PLAYERS collection players (200 creatures each) and $BOX_PLAYERS box players"
CP=bcol${RUN}_ BP=bbox${RUN}_
sql "INSERT INTO users (username) SELECT '$CP' || g FROM generate_series(0, $COLL_PLAYERS - 1) g;
     INSERT INTO users (username) SELECT '$BP' || g FROM generate_series(0, $BOX_PLAYERS - 1) g;
     INSERT INTO user_collections (user_id, creature_id, source)
       SELECT u.id, c.id, 'admin' FROM users u
       CROSS JOIN LATERAL (SELECT id FROM creatures WHERE is_active AND deleted_at IS NULL
                           ORDER BY md5(id::text || u.id::text) LIMIT 200) c
       WHERE u.username LIKE '${CP}%';
     INSERT INTO user_collections (user_id, creature_id, source)
       SELECT u.id, (SELECT id FROM creatures WHERE rarity = 'Common' AND is_active AND deleted_at IS NULL
                     AND seq > (abs(hashtext(u.id::text)) % 1000) ORDER BY seq LIMIT 1), 'starter'
       FROM users u WHERE u.username LIKE '${BP}%';
     INSERT INTO user_achievements (user_id, achievement_id, progress, unlocked_at)
       SELECT id, 'collect_1', 1, now() FROM users WHERE username LIKE '${BP}%' OR username LIKE '${CP}%';
     INSERT INTO daily_visitors (user_id, day, visited)
       SELECT id, (now() AT TIME ZONE 'UTC')::date, false FROM users WHERE username LIKE '${BP}%' OR username LIKE '${CP}%'
       ON CONFLICT DO NOTHING" >/dev/null
DAY=$(date -u +%F)
sql "SELECT id FROM users WHERE username LIKE '${BP}%' OR username LIKE '${CP}%'" |
  awk -v day="$DAY" '{ k = "visitor:" $1 ":" day; printf "*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\n1\r\n$2\r\nEX\r\n$5\r\n93600\r\n", length(k), k }' |
  redis-cli -u "$REDIS_URL" --pipe >/dev/null

say "signing the players in"
export BENCH_DIR=$ROOT/bench BENCH_URL=$URL BENCH_THREADS=$THREADS
export BENCH_COLLECTION_SESSIONS=$WORK/collection.sessions BENCH_BOX_SESSIONS=$WORK/box.sessions
node bench/collecting_sessions.mjs "$URL" "$CP" "$COLL_PLAYERS" >"$BENCH_COLLECTION_SESSIONS"
node bench/collecting_sessions.mjs "$URL" "$BP" "$BOX_PLAYERS" 48 >"$BENCH_BOX_SESSIONS"
cookie=$(head -n 1 "$BENCH_COLLECTION_SESSIONS" | cut -f1)
total=$(curl -fsS -H "Cookie: $cookie" "$URL/api/user/collection" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')
[ "$total" = 200 ] || die "a collection player owns $total creatures, not 200"

run_wrk() {  # NAME SCRIPT DURATION
  wrk -t"$THREADS" -c"$CONNS" -d"$3" --latency -s "$2" "$URL" >"$OUT/$1.txt" 2>&1 ||
    { cat "$OUT/$1.txt" >&2; die "wrk failed ($1)"; }
}
say "GET /api/user/collection: warm-up 2 s, then $DURATION, $CONNS connections"
run_wrk collection_warmup bench/collection.lua 2s
run_wrk collection bench/collection.lua "$DURATION"
say "POST /api/daily-box/claim across $BOX_PLAYERS fresh players: $DURATION, $CONNS connections"
run_wrk box_claim bench/box_claim.lua "$DURATION"
claims=$(sql "SELECT count(*) FROM daily_box_claims b JOIN users u ON u.id = b.user_id WHERE u.username LIKE '${BP}%'")
say "$claims boxes opened"

field() { sed -n "s/^BENCH .*\\b$2=\\([0-9.]*\\).*/\\1/p" "$OUT/$1.txt" | tail -n 1; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }
row() {  # NAME ENDPOINT TARGET_RPS [TARGET_P99_US]
  local rps p50 p99 bad verdict target
  rps=$(field "$1" rps); p50=$(field "$1" p50_us); p99=$(field "$1" p99_us)
  bad=$(( $(field "$1" non2xx) + $(field "$1" sockerr) ))
  target=">= $3 req/s"
  [ -n "${4:-}" ] && target="$target, p99 < $(($4 / 1000)) ms"
  if [ "$rps" -ge "$3" ] && { [ -z "${4:-}" ] || [ "$p99" -lt "$4" ]; } && [ "$bad" -eq 0 ]; then verdict=PASS; else verdict=MISS; fi
  printf '| %s | %s | %s | %s | %s | %s | %s — %s |\n' "$2" "$CONNS" "$rps" "$(ms "$p50")" "$(ms "$p99")" "$bad" \
    "$target" "$verdict"
}
{
  echo
  echo "collecting, wrk -t$THREADS -c$CONNS -d$DURATION"
  echo
  echo "| endpoint | conns | req/s | p50 | p99 | errors | target |"
  echo "|---|---|---|---|---|---|---|"
  row collection "GET /api/user/collection (200 owned, $COLL_PLAYERS players)" 5000
  row box_claim "POST /api/daily-box/claim (fresh players)" 2000 20000
}
