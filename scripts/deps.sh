#!/usr/bin/env bash
# deps.sh: installs what Chatlings needs to build, run, test and bench on Debian 12, and nothing
# that is already there. Safe to run again and again: with everything present it only checks.
# Not root and something missing: prints the exact apt-get command and exits 1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf 'deps: %s\n' "$*" >&2; }

BUILD_PKGS=(build-essential cmake pkg-config clang libclang-rt-14-dev libh2o-dev libuv1-dev libpq-dev
  libhiredis-dev libjansson-dev libsodium-dev libssl-dev libcmocka-dev libwslay-dev
  libcurl4-openssl-dev zlib1g-dev libvips-dev)
# postgresql-contrib is only a meta-package on Debian 12: the contrib modules ship inside postgresql-15.
RUN_PKGS=(postgresql-15 postgresql-client-15 redis-server redis-tools openssl ca-certificates)
# nginx (+ Debian's brotli modules): the front configuration in deploy/nginx is tested and benched
# in front of the app; librsvg2-bin (rsvg-convert) renders artwork SVGs for a look by eye.
TEST_PKGS=(wrk curl nginx libnginx-mod-http-brotli-filter libnginx-mod-http-brotli-static librsvg2-bin)
# The PWA's browser tests (tests/e2e): Debian's Chromium driven by playwright-core, and a colour
# emoji font so that the screenshots show the app's emoji icons as phones do.
TEST_PKGS+=(chromium fonts-noto-color-emoji)
# Node.js may come with the image (NodeSource 20, which bundles npm); Debian's nodejs would
# conflict with it, so it is only asked for when there is no node at all.
if ! command -v node >/dev/null 2>&1; then
  TEST_PKGS+=(nodejs npm)
elif ! command -v npm >/dev/null 2>&1; then
  say "warning: node is installed but npm is not; npm packages cannot be installed"
fi

missing=()
for p in "${BUILD_PKGS[@]}" "${RUN_PKGS[@]}" "${TEST_PKGS[@]}"; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  cmd="DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages: ${missing[*]}"
    say "run as root:"
    printf '  sudo apt-get update && sudo %s\n' "$cmd" >&2
    exit 1
  fi
  say "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
else
  say "Debian packages: all present"
fi

# promtool (checks and unit-tests deploy/monitoring/alerts.yml) comes from Debian's prometheus
# package, but installing that package would start a Prometheus service on :9090: take only the
# promtool binary out of the .deb into var/tools/ instead (nothing is installed system-wide).
PROMTOOL_DIR=$ROOT/var/tools
if ! command -v promtool >/dev/null 2>&1 && [ ! -x "$PROMTOOL_DIR/promtool" ]; then
  say "fetching promtool from Debian's prometheus package into var/tools/"
  tmp=$(mktemp -d)
  if (cd "$tmp" && apt-get download prometheus >/dev/null 2>&1 ||
      { [ "$(id -u)" -eq 0 ] && apt-get update -qq && apt-get download prometheus >/dev/null; }) &&
     dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x" && mkdir -p "$PROMTOOL_DIR" &&
     cp "$tmp/x/usr/bin/promtool" "$PROMTOOL_DIR/promtool"; then
    say "promtool: $PROMTOOL_DIR/promtool"
  else
    say "warning: could not fetch promtool; the alert-rule tests will be skipped"
  fi
  rm -rf "$tmp"
fi

# npm packages of the JavaScript parts (test tools, the PWA), pinned by their package-lock.
# Skipped when package.json declares no dependencies or node_modules is newer than the lock.
for d in tests/integration tests/e2e web web-admin; do
  pj="$ROOT/$d/package.json"
  [ -f "$pj" ] || continue
  ndeps=$(node -e 'const p=require(process.argv[1]);console.log(Object.keys({...p.dependencies,...p.devDependencies}).length)' "$pj")
  [ "$ndeps" -gt 0 ] || continue
  lock="$ROOT/$d/package-lock.json"
  stamp="$ROOT/$d/node_modules/.package-lock.json"
  if [ -f "$stamp" ] && [ -f "$lock" ] && [ "$stamp" -nt "$lock" ] && [ "$stamp" -nt "$pj" ]; then
    continue
  fi
  say "npm install in $d"
  if [ -f "$lock" ]; then
    (cd "$ROOT/$d" && npm ci --no-audit --no-fund --loglevel=error)
  else
    (cd "$ROOT/$d" && npm install --no-audit --no-fund --loglevel=error)
  fi
done
