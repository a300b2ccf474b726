#!/usr/bin/env bash
# run.sh (make run): builds the release binary, starts the private PostgreSQL + Redis under var/,
# migrates and seeds, then starts `chatlings serve` and `chatlings worker` in the background
# (pid files in var/run, logs in var/log) and waits until the game answers. `make stop` undoes it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'run: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

VAR=$ROOT/var
BIN=$ROOT/build/release/chatlings

"$ROOT/scripts/deps.sh"

say "building build/release"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j2 --target chatlings
[ -x "$BIN" ] || die "$BIN was not built"
# the PWA the server serves from web/dist (CHATLINGS_STATIC_DIR), rebuilt when its sources changed
"$ROOT/scripts/web.sh" || die "the web app (web/) did not build"

stack_env=$("$ROOT/scripts/stack.sh" start "$VAR" 25320 63790 63791)
eval "$stack_env"
export DATABASE_URL REDIS_URL
export CHATLINGS_ENV=${CHATLINGS_ENV:-development}
export CHATLINGS_LISTEN=${CHATLINGS_LISTEN:-127.0.0.1:8080}
export CHATLINGS_ADMIN_LISTEN=${CHATLINGS_ADMIN_LISTEN:-127.0.0.1:8081}
export CHATLINGS_OPS_LISTEN=${CHATLINGS_OPS_LISTEN:-127.0.0.1:9090}

say "migrate"
"$BIN" migrate
say "seed"
"$BIN" seed

mkdir -p "$VAR/run" "$VAR/log"

# Is the pid in this file a live chatlings process (not a recycled pid)?
running_pid() {
  local f=$1 pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q chatlings "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

# Starts `chatlings ROLE` detached from this terminal (own session: a Ctrl-C here does not reach it).
start_role() {
  local role=$1 pidf=$VAR/run/$1.pid pid
  if pid=$(running_pid "$pidf"); then
    say "$role already running (pid $pid); 'make stop' first to restart it with a new build"
    return 0
  fi
  printf '\n--- %s: chatlings %s started\n' "$(date -u +%FT%TZ)" "$role" >>"$VAR/log/$role.log"
  setsid nohup "$BIN" "$role" </dev/null >>"$VAR/log/$role.log" 2>&1 &
  echo $! >"$pidf"
  say "$role started (pid $!, log var/log/$role.log)"
}

# Something else on our port would answer /healthz in our place: refuse instead.
port_taken() {
  local hp=$1
  (exec 3<>"/dev/tcp/${hp%:*}/${hp##*:}") 2>/dev/null
}
if ! running_pid "$VAR/run/serve.pid" >/dev/null; then
  for l in "$CHATLINGS_LISTEN" "$CHATLINGS_ADMIN_LISTEN" "$CHATLINGS_OPS_LISTEN"; do
    ! port_taken "$l" || die "$l is already in use by another process"
  done
fi

start_role serve
start_role worker

URL=http://$CHATLINGS_LISTEN
serve_pid=$(cat "$VAR/run/serve.pid")
for _ in $(seq 1 200); do
  if curl -fsS -m 1 -o /dev/null "$URL/healthz" 2>/dev/null; then
    ok=1; break
  fi
  if ! kill -0 "$serve_pid" 2>/dev/null; then
    tail -n 30 "$VAR/log/serve.log" >&2
    die "chatlings serve exited (log: var/log/serve.log; 'make stop' stops the rest)"
  fi
  sleep 0.1
done
if [ -z "${ok:-}" ]; then
  tail -n 30 "$VAR/log/serve.log" >&2
  die "$URL/healthz did not answer within 20 s (log: var/log/serve.log; 'make stop' to clean up)"
fi
if ! running_pid "$VAR/run/worker.pid" >/dev/null; then
  tail -n 30 "$VAR/log/worker.log" >&2
  die "chatlings worker is not running (log: var/log/worker.log)"
fi

cat <<EOF

Chatlings is running:
  game      $URL/
  admin     http://$CHATLINGS_ADMIN_LISTEN/admin
  metrics   http://$CHATLINGS_OPS_LISTEN/metrics
  logs      var/log/serve.log, var/log/worker.log
  stop      make stop
EOF
