#!/usr/bin/env bash
# bench/collecting.sh: the collecting game's measurements for `make bench`, run by bench/run.sh
# (it inherits the stack env, BIN, THREADS, CONNS, DURATION and OUT from there):
#   GET /api/user/collection by players owning 200 creatures   target 5,000 req/s
#   GET /api/user/stats, GET /api/user/notifications, GET /api/idle-game/state by the same
#     players (each with 30 notifications, 10 unread, and an idle game of 200 businesses)
#   POST /api/daily-box/claim across fresh players             target 2,000 claims/s, p99 < 20 ms
#     at BENCH_BOX_CONNS (16) connections: with 64, 2,000/s would mean 32 ms per claim on
#     average (Little's law), so the p99 target is judged at 16; a second run at $CONNS shows
#     the peak rate (box_claim_peak), each run on its own fresh players
# It starts its own `serve` (high rate limits: a bench is one IP and a few players; no daily
# visitor, so that nothing but the measured request writes), creates the players in bulk with
# SQL, signs them in through dev login, and stops its server at the end. It leaves BENCH lines
# in $OUT/{collection,stats,notifications,idle,box_claim}.txt for bench/table.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'bench(collecting): %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
: "${BIN:?} ${DATABASE_URL:?} ${REDIS_URL:?} ${OUT:?}"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
THREADS=${THREADS:-2} CONNS=${CONNS:-64} DURATION=${DURATION:-10s}
LISTEN=${BENCH_COLLECTING_LISTEN:-127.0.0.1:18190}
URL=http://$LISTEN
WORK=$ROOT/var/bench/collecting
mkdir -p "$WORK" "$OUT"
secs=${DURATION%s}
[[ "$secs" =~ ^[0-9]+$ ]] || secs=10
COLL_PLAYERS=${BENCH_COLLECTION_PLAYERS:-20}
BOX_CONNS=${BENCH_BOX_CONNS:-16}
# every claim must be some player's first: each of the two runs gets more players than the
# target rate can use
BOX_PLAYERS=${BENCH_BOX_PLAYERS:-$(( (secs + 2) * 3000 ))}
RUN=$(date +%s)

trap 'stop_pid "$SERVE_PID"' EXIT
say "starting serve on $URL (log var/bench/collecting/serve.log)"
start_serve "$LISTEN" "$WORK/serve.log" CHATLINGS_VISITOR_ONE_IN=0 || die "serve did not start"
pid=$SERVE_PID

sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c "$1"; }

# Players in bulk: each with a starter (a Common) and collect_1, as after a real sign-up; the
# collection players own 200 creatures each. Their first requests are already behind them (the
# daily visitor row and Redis marker, the last_seen_at marker of the last 10 minutes), as for a
# player who opened the app before pressing the button, so the measured requests are only what
# they say.
say "creating $COLL_PLAYERS collection players (200 creatures each) and $BOX_PLAYERS box players"
CP=bcol${RUN}_ BP=bbox${RUN}_
sql "INSERT INTO users (username) SELECT '$CP' || g FROM generate_series(0, $COLL_PLAYERS - 1) g;
     INSERT INTO users (username) SELECT '$BP' || g FROM generate_series(0, 2 * $BOX_PLAYERS - 1) g;
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
       ON CONFLICT DO NOTHING;
     INSERT INTO notifications (user_id, category, title, body, data, created_at, read_at)
       SELECT u.id, (ARRAY['creature_found','achievement','daily_box_ready','new_chatroom','system'])[1 + k % 5],
              'Bench notification ' || k, 'Something happened ' || k || ' hours ago.',
              jsonb_build_object('k', k), now() - make_interval(hours => k),
              CASE WHEN k >= 10 THEN now() - make_interval(hours => k - 1) END
       FROM users u CROSS JOIN generate_series(0, 29) k WHERE u.username LIKE '${CP}%'" >/dev/null
# The bulk inserts above leave autovacuum and autoanalyze work behind; done now, it does not
# land in (and blur) the measured runs. The tables are the service's own (its role owns them).
sql "VACUUM ANALYZE users, user_collections, user_achievements, daily_visitors, notifications" >/dev/null
DAY=$(date -u +%F)
sql "SELECT id FROM users WHERE username LIKE '${BP}%' OR username LIKE '${CP}%'" |
  awk -v day="$DAY" '
    function set(k, ttl) { printf "*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\n1\r\n$2\r\nEX\r\n$%d\r\n%s\r\n", length(k), k, length(ttl), ttl }
    { set("visitor:" $1 ":" day, "93600"); set("seen:" $1, "600") }' |
  redis-cli -u "$REDIS_URL" --pipe >/dev/null

say "signing the players in"
export BENCH_DIR=$ROOT/bench BENCH_URL=$URL BENCH_THREADS=$THREADS
export BENCH_COLLECTION_SESSIONS=$WORK/collection.sessions
node bench/collecting_sessions.mjs "$URL" "$CP" "$COLL_PLAYERS" >"$BENCH_COLLECTION_SESSIONS"
node bench/collecting_sessions.mjs "$URL" "$BP" "$((2 * BOX_PLAYERS))" 48 >"$WORK/box.sessions"
head -n "$BOX_PLAYERS" "$WORK/box.sessions" >"$WORK/box_target.sessions"
tail -n +"$((BOX_PLAYERS + 1))" "$WORK/box.sessions" >"$WORK/box_peak.sessions"
cookie=$(head -n 1 "$BENCH_COLLECTION_SESSIONS" | cut -f1)
total=$(curl -fsS -H "Cookie: $cookie" "$URL/api/user/collection" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')
[ "$total" = 200 ] || die "a collection player owns $total creatures, not 200"
total=$(curl -fsS -H "Cookie: $cookie" "$URL/api/user/notifications" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')
[ "$total" = 30 ] || die "a collection player has $total notifications, not 30"
# Each player's idle game is created by its first GET (wallet row); the stats cache is filled.
say "creating the collection players' idle games"
cut -f1 "$BENCH_COLLECTION_SESSIONS" | while read -r c; do
  curl -fsS -o /dev/null -H "Cookie: $c" "$URL/api/idle-game/state" || die "GET /api/idle-game/state failed"
  curl -fsS -o /dev/null -H "Cookie: $c" "$URL/api/user/stats" || die "GET /api/user/stats failed"
done
wallets=$(sql "SELECT count(*) FROM idle_wallets w JOIN users u ON u.id = w.user_id WHERE u.username LIKE '${CP}%'")
[ "$wallets" = "$COLL_PLAYERS" ] || die "$wallets idle games for $COLL_PLAYERS players"

say "GET /api/user/collection: warm-up 2 s, then $DURATION, $CONNS connections"
bench_wrk collection_warmup bench/collection.lua 2s "$URL" "$pid" || die "wrk failed"
bench_wrk collection bench/collection.lua "$DURATION" "$URL" "$pid" || die "wrk failed"
bench_line collection "players=$COLL_PLAYERS owned=200"
for what in stats notifications idle; do
  say "$what: $DURATION, $CONNS connections"
  bench_wrk "$what" "bench/$what.lua" "$DURATION" "$URL" "$pid" || die "wrk failed"
  bench_line "$what" "players=$COLL_PLAYERS"
done
# box_claims NAME SESSIONS CONNS: one claim run; each claim is a fresh player's first
box_claims() {
  local name=$1 sessions=$2 conns=$3 before after
  say "POST /api/daily-box/claim across $BOX_PLAYERS fresh players: $DURATION, $conns connections"
  before=$(sql "SELECT count(*) FROM daily_box_claims b JOIN users u ON u.id = b.user_id WHERE u.username LIKE '${BP}%'")
  BENCH_BOX_SESSIONS=$sessions CONNS=$conns bench_wrk "$name" bench/box_claim.lua "$DURATION" "$URL" "$pid" ||
    die "wrk failed"
  after=$(sql "SELECT count(*) FROM daily_box_claims b JOIN users u ON u.id = b.user_id WHERE u.username LIKE '${BP}%'")
  bench_line "$name" "players=$BOX_PLAYERS claims=$((after - before))"
  say "$((after - before)) boxes opened"
}
box_claims box_claim "$WORK/box_target.sessions" "$BOX_CONNS"
box_claims box_claim_peak "$WORK/box_peak.sessions" "$CONNS"

# The stack as it was found: the players made here would otherwise join the boards that
# bench/leaderboard.sh measures (its rollover row is about its 1,000,000 players).
say "removing the players made here"
sql "DELETE FROM users WHERE username LIKE '${BP}%' OR username LIKE '${CP}%'" >/dev/null
