#!/usr/bin/env bash
# bench/table.sh: the one table of `make bench`, assembled from the BENCH lines that bench/run.sh
# and the family scripts (collecting.sh, reference.sh, static.sh, leaderboard.sh, chat.sh,
# worker.sh) left in OUT (bench/out); printed on stdout and written to OUT/table.md. It measures
# nothing itself, so it can be re-run on the files of an earlier run:  bench/table.sh
# OUT/status.txt (written by run.sh) says which families were skipped or failed; their rows say so.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$ROOT/bench/out}
say() { printf 'bench(table): %s\n' "$*" >&2; }
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

# num N: 12345 -> 12,345 (as is when not a whole number)
num() {
  [ -n "${1:-}" ] || { echo "—"; return 0; }
  awk -v n="$1" 'BEGIN { if (n !~ /^[0-9]+$/) { print n; exit }
    s = ""; while (length(n) > 3) { s = "," substr(n, length(n) - 2) s; n = substr(n, 1, length(n) - 3) } print n s }'
}
# mb KB: "142.3 MB" ("—" when unknown)
mb() {
  if [ -z "${1:-}" ] || [ "$1" = 0 ]; then echo "—"; return 0; fi
  awk -v kb="$1" 'BEGIN { printf "%.1f MB", kb / 1024 }'
}
# secs MS: "7.52 s"
secs() { awk -v ms="$1" 'BEGIN { printf "%.2f s", ms / 1000 }'; }
# errs NAME: failed requests of a row (non-2xx answers + socket errors)
errs() {
  local a b
  a=$(field "$1" non2xx); b=$(field "$1" sockerr)
  [ -n "$a$b" ] || { echo "—"; return 0; }
  echo $(( ${a:-0} + ${b:-0} ))
}
# missing NAME: the verdict of a row without data: its family (a part of run.sh) "skipped" or
# "failed", from run.sh's OUT/status.txt, else "no data"
missing() {
  local part s
  case $1 in
    list | details) part=core ;;
    lb_*) part=leaderboard ;;
    static_* | thumbs) part=static ;;
    chat_*) part=chat ;;
    pg_* | redis_*) part=reference ;;
    worker_*) part=worker ;;
    *) part=collecting ;;
  esac
  s=$(awk -v f="$part" '$1 == f { s = $2 } END { if (s != "ok") print s }' "$OUT/status.txt" 2>/dev/null || true)
  echo "${s:-no data}"
}
# ok CONDITION...: PASS when the awk condition (on variables given as -v) holds, else MISS
ok() {
  local cond=$1
  shift
  awk "$@" "BEGIN { print ($cond) ? \"PASS\" : \"MISS\" }"
}

cells() {  # FAMILY WHAT CONNS RPS P50 P99 P999 ERRORS RSS TARGET VERDICT
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$@"
}

# wrk_row FAMILY NAME WHAT [MIN_RPS] [MAX_P99_US]: a row from a wrk (or wrk-like) BENCH file
wrk_row() {
  local fam=$1 name=$2 what=$3 min=${4:-} max=${5:-} rps p99 bad target="" verdict="—"
  rps=$(field "$name" rps); p99=$(field "$name" p99_us); bad=$(errs "$name")
  [ -n "$min" ] && target=">= $(num "$min") req/s"
  [ -n "$max" ] && target="${target:+$target, }p99 < $((max / 1000)) ms"
  if [ -z "$rps" ]; then
    verdict=$(missing "$name")
  elif [ -n "$target" ]; then
    verdict=$(ok 'rps >= min && (max == "" || p99 < max + 0) && bad == 0' -v rps="$rps" -v min="${min:-0}" \
      -v max="$max" -v p99="${p99:-999999999}" -v bad="$bad")
  fi
  cells "$fam" "$what" "$(num "$(field "$name" conns)")" "$(num "$rps")" "$(ms "$(field "$name" p50_us)")" \
    "$(ms "$p99")" "$(ms "$(field "$name" p999_us)")" "$bad" "$(mb "$(field "$name" rss_kb)")" "${target:-—}" "$verdict"
}

machine() {
  local cpu kernel
  cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
  kernel="$(uname -s) $(uname -r) $(uname -m)"
  printf 'chatlings make bench, %s — machine: nproc %s, %s, %s, %s GiB RAM; load average %s at the start, %s at the end\n' \
    "$(date -u -r "$OUT/status.txt" +%FT%TZ 2>/dev/null || date -u +%FT%TZ)" "$(nproc)" "${cpu:-unknown CPU}" "$kernel" \
    "$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)" \
    "$(cat "$OUT/load_start.txt" 2>/dev/null || echo '?')" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

table() {
  local members players v tgt
  machine
  echo
  echo "Load from wrk on the same machine (loopback), one run per row; the server's RSS is VmRSS of its process right after the row's run."
  echo
  echo "| family | what | conns | req/s | p50 | p99 | p99.9 | errors | server RSS | target | verdict |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"

  wrk_row catalogue list "GET /api/creatures?limit=20 (PostgreSQL)"
  wrk_row details details "GET /api/creature/:id/details (100 ids, Redis-cached)" 20000 10000
  players=$(field collection players)
  wrk_row collection collection "GET /api/user/collection (200 owned${players:+, $players players})" 5000
  wrk_row stats stats "GET /api/user/stats (200 owned)"
  v=$(field box_claim claims)
  wrk_row "daily box" box_claim "POST /api/daily-box/claim (${v:+$(num "$v") }fresh players' first claims)" 2000 20000
  v=$(field box_claim_peak claims)
  wrk_row "daily box" box_claim_peak "the same at more connections: the peak rate (${v:+$(num "$v") }claims)" 2000
  members=$(field lb_top members)
  members=${members:+ on a $(num "$members")-member board}
  wrk_row leaderboard lb_top "GET /api/leaderboard/achievements?period=week: top 100$members" "" 5000
  wrk_row leaderboard lb_me "the same signed in: + own rank$members" "" 5000
  v=$(field lb_rollover ms)
  if [ -n "$v" ]; then
    cells leaderboard "weekly rollover of the $(num "$(field lb_rollover members)")-member board: $(secs "$v") (rename $(field lb_rollover rename_ms) ms + archive)" \
      — — — — — — — "< 10 s" "$(ok 'ms < 10000' -v ms="$v")"
  else
    cells leaderboard "weekly rollover" — — — — — — — "< 10 s" "$(missing lb_rollover)"
  fi
  v=$(field lb_rebuild ms)
  [ -z "$v" ] || cells leaderboard "rebuild of every board from PostgreSQL ($(num "$(field lb_rebuild players)") players): $(secs "$v")" \
    — — — — — — — — —
  wrk_row notifications notifications "GET /api/user/notifications (30 each, 10 unread)"
  wrk_row "idle game" idle "GET /api/idle-game/state (200 businesses)"

  # chat: the fan-out row, then the sockets row
  v=$(field chat_fanout deliveries)
  if [ -n "$v" ]; then
    cells chat "a line to a $(num "$(field chat_fanout members)")-member room: $(num "$v") of $(num "$(field chat_fanout expected)") deliveries ($(field chat_fanout messages) lines)" \
      "$(num "$(field chat_fanout conns)")" — "$(ms "$(field chat_fanout p50_us)")" "$(ms "$(field chat_fanout p99_us)")" \
      "$(ms "$(field chat_fanout p999_us)")" "$(( $(field chat_fanout expected) - v ))" "$(mb "$(field chat_fanout rss_kb)")" "p99 < 100 ms" \
      "$(ok 'd == e && e > 0 && p99 < 100000' -v d="$v" -v e="$(field chat_fanout expected)" -v p99="$(field chat_fanout p99_us)")"
  else
    cells chat "a line to a room of members" — — — — — — — "p99 < 100 ms" "$(missing chat_fanout)"
  fi
  v=$(field chat_sockets connected)
  if [ -n "$v" ]; then
    tgt="$(num "$(field chat_sockets conns)") open, RSS < 300 MB"
    cells chat "$(num "$v") WebSockets open on one instance (in $(field chat_sockets connect_s) s; RSS $(mb "$(field chat_sockets rss_idle_kb)") before)" \
      "$(num "$(field chat_sockets conns)")" — — — — "$(field chat_sockets failed)" "$(mb "$(field chat_sockets rss_kb)")" "$tgt" \
      "$(ok 'c >= n && f == 0 && rss < 300 * 1024' -v c="$v" -v n="$(field chat_sockets conns)" -v f="$(field chat_sockets failed)" \
        -v rss="$(field chat_sockets rss_kb)")"
  else
    cells chat "WebSockets open on one instance" — — — — — — — "RSS < 300 MB" "$(missing chat_sockets)"
  fi

  # static: the C server against nginx, same asset, same load
  local c n ratio
  c=$(field static_c rps); n=$(field static_nginx rps)
  if [ -n "$c" ] && [ -n "$n" ]; then
    ratio=$(awk -v c="$c" -v n="$n" 'BEGIN { printf "%.2f", (n > 0 ? c / n : 0) }')
    v="$ratio × nginx: $(ok 'r >= 0.8' -v r="$ratio")"
  else
    v="no nginx row"
    [ -n "$c" ] || v=$(missing static_c)
  fi
  cells static "GET a 16 KB JS asset (gzip) from the C server, 1 loop thread" "$(num "$(field static_c conns)")" "$(num "$c")" \
    "$(ms "$(field static_c p50_us)")" "$(ms "$(field static_c p99_us)")" "$(ms "$(field static_c p999_us)")" "$(errs static_c)" \
    "$(mb "$(field static_c rss_kb)")" ">= 0.8 × nginx" "$v"
  wrk_row "static (reference)" static_nginx "the same asset from nginx (deploy/nginx/chatlings.conf), 1 worker"
  v=$(field thumbs rps)
  if [ -n "$v" ]; then tgt=$(ok 't >= 100' -v t="$v"); else tgt=$(missing thumbs); fi
  cells static "thumbnails (200×200 PNG + WebP) rendered per second, one core" — "${v:-—}" — — — — — ">= 100/s" "$tgt"

  # the stores' own ceilings, same client count
  wrk_row "PostgreSQL (reference)" pg_select "pgbench -S -M prepared (select-only, scale 10): read ceiling, tx/s"
  wrk_row "PostgreSQL (reference)" pg_tpcb "pgbench -M prepared (TPC-B-like, 4 rows written per tx): write ceiling, tx/s"
  wrk_row "Redis (reference)" redis_get "redis-benchmark GET, -P 1 (plain port)"
  wrk_row "Redis (reference)" redis_set "redis-benchmark SET, -P 1 (plain port)"

  echo
  echo "| worker | jobs | time | jobs/s | target | verdict |"
  echo "|---|---|---|---|---|---|"
  v=$(field worker_queue ms)
  if [ -n "$v" ]; then
    printf '| queue: trivial jobs (noop) drained by 1 worker × 1 thread | %s of %s | %s | %s | >= 5,000 jobs/s | %s |\n' \
      "$(num "$(field worker_queue "done")")" "$(num "$(field worker_queue jobs)")" "$(secs "$v")" "$(num "$(field worker_queue rps)")" \
      "$(ok 'r >= 5000 && d == j' -v r="$(field worker_queue rps)" -v d="$(field worker_queue "done")" -v j="$(field worker_queue jobs)")"
  else
    echo "| queue: trivial jobs (noop) drained by 1 worker × 1 thread | — | — | — | >= 5,000 jobs/s | $(missing worker_queue) |"
  fi
  v=$(field worker_youtube ms)
  if [ -n "$v" ]; then
    printf '| YouTube sync round: %s players × 1 new like, 1 worker × 4 threads, fake API (%s rewarded, %s dead) | %s | %s | %s | < 15 min | %s |\n' \
      "$(num "$(field worker_youtube players)")" "$(num "$(field worker_youtube rewarded)")" "$(field worker_youtube dead)" \
      "$(num "$(field worker_youtube "done")")" "$(secs "$v")" "$(num "$(field worker_youtube rps)")" \
      "$(ok 'ms < 900000 && dead == 0 && r >= p' -v ms="$v" -v dead="$(field worker_youtube dead)" \
        -v r="$(field worker_youtube rewarded)" -v p="$(field worker_youtube players)")"
  else
    echo "| YouTube sync round | — | — | — | < 15 min | $(missing worker_youtube) |"
  fi
  if [ -s "$OUT/status.txt" ] && awk '$2 != "ok" { bad = 1 } END { exit !bad }' "$OUT/status.txt"; then
    echo
    echo "Not measured in this run: $(awk '$2 != "ok" { printf "%s%s (%s)", sep, $1, $2; sep = ", " }' "$OUT/status.txt")."
  fi
}

table | tee "$OUT/table.md"
