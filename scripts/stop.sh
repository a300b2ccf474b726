#!/usr/bin/env bash
# stop.sh (make stop): stops what `make run` started: chatlings serve and worker (SIGTERM, then
# KILL after a grace period) and the private PostgreSQL + Redis under var/. Harmless when nothing runs.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VAR=$ROOT/var
say() { printf 'stop: %s\n' "$*" >&2; }
GRACE=${CHATLINGS_STOP_GRACE:-15}   # seconds: serve drains open requests on SIGTERM

# A dead child of a detached process may linger as a zombie until init reaps it: count it as gone.
alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

stop_role() {
  local role=$1 pidf=$VAR/run/$1.pid pid
  [ -f "$pidf" ] || return 0
  pid=$(cat "$pidf" 2>/dev/null || true)
  # Only a live chatlings process: after a reboot the pid may belong to someone else.
  if alive "$pid" && grep -q chatlings "/proc/$pid/cmdline" 2>/dev/null; then
    say "stopping $role (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((GRACE * 10))); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      say "$role did not stop in ${GRACE} s: KILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidf"
}

stop_role serve
stop_role worker
if [ -f "$VAR/stack.env" ]; then
  "$ROOT/scripts/stack.sh" stop "$VAR"
fi
