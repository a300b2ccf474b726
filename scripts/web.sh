#!/usr/bin/env bash
# web.sh: builds the front ends with npm + Vite when their dist/ is missing or older than their
# sources, so `make run` and `make test` always serve the current pages:
#   web/       -> web/dist        the players' PWA (CHATLINGS_STATIC_DIR)
#   web-admin/ -> web-admin/dist  the admin portal (CHATLINGS_ADMIN_STATIC_DIR)
# The npm packages come from scripts/deps.sh (npm ci). Exits non-zero when a build fails, or when
# the PWA's first-load JavaScript is over budget (web/scripts/budget.mjs, run by its build).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf 'web: %s\n' "$*" >&2; }

build() {
  local dir=$ROOT/$1
  [ -f "$dir/package.json" ] || { say "no $1/package.json: nothing to build"; return 0; }
  local stamp=$dir/dist/index.html
  if [ -f "$stamp" ] &&
     [ -z "$(find "$dir/src" "$dir/public" "$dir/index.html" "$dir/vite.config.ts" "$dir/package-lock.json" \
              "$dir/scripts" -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    return 0
  fi
  if [ ! -d "$dir/node_modules" ]; then
    say "installing npm packages in $1 (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  say "building $1/dist"
  npm --prefix "$dir" run --silent build
}

build web
build web-admin
