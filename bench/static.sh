#!/usr/bin/env bash
# bench/static.sh: the static-file and thumbnail rows of `make bench`, run by bench/run.sh after
# its own rows (it inherits the stack env, BIN, OUT and DURATION from there):
#   the same static asset (16 KB of JS, pre-compressed .gz, asked for with Accept-Encoding: gzip)
#   from the C server and from nginx running deploy/nginx/chatlings.conf (its plain listener),
#   side by side, one core each (1 loop thread / 1 worker), the same wrk load
#                                                   target: C >= 0.8 x nginx
#   thumbnails (PNG + WebP of one generated creature) rendered per second on one core   target 100
# It starts its own serve and nginx under var/bench/static and stops both at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'bench(static): %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
: "${BIN:?} ${DATABASE_URL:?} ${REDIS_URL:?} ${OUT:?}"
DURATION=${DURATION:-10s}
CONNS=${BENCH_STATIC_CONNS:-32}
WORK=$ROOT/var/bench/static
APP=127.0.0.1:18290
NGINX_PLAIN=18293
NGINX=/usr/sbin/nginx
ASSET=/assets/app.5e1f3c9a.js
export BENCH_DIR=$ROOT/bench

pid= npid=
stop() {
  for p in $npid $pid; do
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
    fi
  done
  return 0
}
trap stop EXIT

rm -rf "$WORK"
mkdir -p "$WORK/dist/assets" "$OUT"
for i in $(seq 1 400); do printf 'export const line%d = "chatlings static bench %d";\n' "$i" "$i"; done >"$WORK/dist$ASSET"
gzip -k -9 "$WORK/dist$ASSET"
printf '<!doctype html><title>bench</title>\n' >"$WORK/dist/index.html"
"$ROOT/scripts/gen-tls-certs.sh" "$WORK/certs" >/dev/null

say "starting serve on $APP (1 loop thread)"
CHATLINGS_LISTEN=$APP CHATLINGS_ADMIN_LISTEN=127.0.0.1:18291 CHATLINGS_OPS_LISTEN=127.0.0.1:18292 \
  CHATLINGS_STATIC_DIR=$WORK/dist CHATLINGS_BLOB_DIR=$WORK/blobs CHATLINGS_LOOP_THREADS=1 \
  CHATLINGS_ENV=development "$BIN" serve </dev/null >"$WORK/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fsS -m 1 -o /dev/null "http://$APP/healthz" 2>/dev/null && break; sleep 0.1; done
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept-Encoding: gzip' "http://$APP$ASSET")
[ "$code" = 200 ] || die "serve answered $code for $ASSET"

have_nginx=
if [ -x "$NGINX" ]; then
  NGINX_WORKERS=1 NGINX_ACCESS_LOG="$WORK/nginx/logs/access.log" \
    "$ROOT/deploy/nginx/local-conf.sh" "$WORK/nginx" "${APP##*:}" 18294 $NGINX_PLAIN 18295 "$WORK/dist" "$WORK/certs"
  "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
  npid=$!
  for _ in $(seq 1 100); do curl -fsS -m 1 -o /dev/null "http://127.0.0.1:$NGINX_PLAIN$ASSET" 2>/dev/null && break; sleep 0.1; done
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept-Encoding: gzip' "http://127.0.0.1:$NGINX_PLAIN$ASSET")
  [ "$code" = 200 ] && have_nginx=1 || say "nginx answered $code; its row is skipped"
else
  say "no nginx ($NGINX): its row is skipped (scripts/deps.sh installs it)"
fi

# Both servers log every request to a file (the app its JSON line, nginx its access log).
cat >"$WORK/static.lua" <<EOF
request = function() return wrk.format("GET", "$ASSET", { ["Accept-Encoding"] = "gzip" }) end
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
EOF
run() {  # run NAME URL
  wrk -t1 -c"$CONNS" -d"$DURATION" --latency -s "$WORK/static.lua" "$2" >"$OUT/$1.txt" 2>&1 ||
    { cat "$OUT/$1.txt" >&2; die "wrk failed ($1)"; }
}
field() { sed -n "s/^BENCH .*\\b$2=\\([0-9.]*\\).*/\\1/p" "$OUT/$1.txt" | tail -n 1; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }

say "static asset from the C server: $DURATION, $CONNS connections"
run static_c "http://$APP"
if [ -n "$have_nginx" ]; then
  say "the same asset from nginx: $DURATION, $CONNS connections"
  run static_nginx "http://127.0.0.1:$NGINX_PLAIN"
fi
say "thumbnails on one core"
thumbs=$("$BIN" artwork bench-thumbs "${BENCH_THUMBS:-300}" | tail -n 1)
tps=$(sed -n 's/.*"per_second_per_core":\([0-9.]*\).*/\1/p' <<<"$thumbs")

echo
echo "static files and thumbnails (bench/static.sh)"
echo
echo "| what | conns | req/s | p50 | p99 | errors | target |"
echo "|---|---|---|---|---|---|---|"
c_rps=$(field static_c rps)
verdict="—"
if [ -n "$have_nginx" ]; then
  n_rps=$(field static_nginx rps)
  ratio=$(awk -v c="$c_rps" -v n="$n_rps" 'BEGIN { printf "%.2f", (n > 0 ? c / n : 0) }')
  pass=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.8) ? "PASS" : "MISS" }')
  verdict=">= 0.8 x nginx: ${ratio} x — $pass"
fi
printf '| GET %s (gzip, 16 KB) from the C server, 1 loop thread | %s | %s | %s | %s | %s | %s |\n' "$ASSET" "$CONNS" \
  "$c_rps" "$(ms "$(field static_c p50_us)")" "$(ms "$(field static_c p99_us)")" \
  "$(( $(field static_c non2xx) + $(field static_c sockerr) ))" "$verdict"
if [ -n "$have_nginx" ]; then
  printf '| the same from nginx (deploy/nginx/chatlings.conf), 1 worker | %s | %s | %s | %s | %s | — |\n' "$CONNS" \
    "$n_rps" "$(ms "$(field static_nginx p50_us)")" "$(ms "$(field static_nginx p99_us)")" \
    "$(( $(field static_nginx non2xx) + $(field static_nginx sockerr) ))"
fi
tverdict=$(awk -v t="$tps" 'BEGIN { print (t >= 100) ? "PASS" : "MISS" }')
printf '| thumbnails (200x200 PNG + WebP of one creature) per second, one core | — | %s | — | — | 0 | >= 100 — %s |\n' \
  "$tps" "$tverdict"
