#!/usr/bin/env bash
# bench/static.sh: the static-file and thumbnail rows of `make bench`, run by bench/run.sh after
# its own rows (it inherits the stack env, BIN, OUT and DURATION from there):
#   the same static asset (16 KB of JS, pre-compressed .gz, asked for with Accept-Encoding: gzip)
#   from the C server and from nginx running deploy/nginx/chatlings.conf (its plain listener),
#   side by side, one core each (1 loop thread / 1 worker), the same wrk load
#                                                   target: C >= 0.8 x nginx
#   thumbnails (PNG + WebP of one generated creature) rendered per second on one core   target 100
# It starts its own serve and nginx under var/bench/static and stops both at the end, and leaves
# BENCH lines in $OUT/{static_c,static_nginx,thumbs}.txt for bench/table.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'bench(static): %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
: "${BIN:?} ${DATABASE_URL:?} ${REDIS_URL:?} ${OUT:?}"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
DURATION=${DURATION:-10s}
CONNS=${BENCH_STATIC_CONNS:-32}
THREADS=1
WORK=$ROOT/var/bench/static
APP=127.0.0.1:18290
NGINX_PLAIN=18293
NGINX=/usr/sbin/nginx
ASSET=/assets/app.5e1f3c9a.js
export BENCH_DIR=$ROOT/bench

npid=''
trap 'stop_pid "$npid" "$SERVE_PID"' EXIT

rm -rf "$WORK"
mkdir -p "$WORK/dist/assets" "$OUT"
for i in $(seq 1 400); do printf 'export const line%d = "chatlings static bench %d";\n' "$i" "$i"; done >"$WORK/dist$ASSET"
gzip -k -9 "$WORK/dist$ASSET"
printf '<!doctype html><title>bench</title>\n' >"$WORK/dist/index.html"
"$ROOT/scripts/gen-tls-certs.sh" "$WORK/certs" >/dev/null

say "starting serve on $APP (1 loop thread)"
start_serve "$APP" "$WORK/serve.log" CHATLINGS_STATIC_DIR="$WORK/dist" CHATLINGS_BLOB_DIR="$WORK/blobs" \
  CHATLINGS_LOOP_THREADS=1 || die "serve did not start"
pid=$SERVE_PID
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
  if [ "$code" = 200 ]; then have_nginx=1; else say "nginx answered $code; its row is skipped"; fi
else
  say "no nginx ($NGINX): its row is skipped (scripts/deps.sh installs it)"
fi

# Both servers log every request to a file (the app its JSON line, nginx its access log).
cat >"$WORK/static.lua" <<EOF
request = function() return wrk.format("GET", "$ASSET", { ["Accept-Encoding"] = "gzip" }) end
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
EOF
# nginx's RSS: the master and its worker together (the C server is one process)
nginx_rss_kb() {
  local total=0 p kb
  for p in "$npid" $(pgrep -P "$npid"); do
    kb=$(rss_kb "$p"); total=$((total + ${kb:-0}))
  done
  echo "$total"
}

say "static asset from the C server: $DURATION, $CONNS connections"
bench_wrk static_c "$WORK/static.lua" "$DURATION" "http://$APP" "$pid" || die "wrk failed"
if [ -n "$have_nginx" ]; then
  say "the same asset from nginx: $DURATION, $CONNS connections"
  bench_wrk static_nginx "$WORK/static.lua" "$DURATION" "http://127.0.0.1:$NGINX_PLAIN" || die "wrk failed"
  bench_line static_nginx "rss_kb=$(nginx_rss_kb)"
fi
say "thumbnails on one core"
thumbs=$("$BIN" artwork bench-thumbs "${BENCH_THUMBS:-300}" | tail -n 1)
echo "$thumbs" >"$OUT/thumbs.txt"
tps=$(sed -n 's/.*"per_second_per_core":\([0-9.]*\).*/\1/p' <<<"$thumbs")
[ -n "$tps" ] || die "no thumbnail rate in: $thumbs"
bench_line thumbs "rps=$tps count=${BENCH_THUMBS:-300}"
