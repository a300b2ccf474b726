#!/usr/bin/env bash
# dist.sh (make dist): a release tarball build/dist/chatlings-VERSION.tar.gz holding everything
# a host needs to run Chatlings, unpacked as /opt/chatlings-VERSION (docs/operations.md):
#   bin/chatlings        the release binary
#   db/migrations/       applied by `chatlings migrate` (the web unit runs it before start)
#   web/dist/            the built front end, when it has been built
#   web-admin/dist/      the built admin portal, when it has been built
#   deploy/              nginx, systemd, PostgreSQL archiving, Azure Bicep, alert rules
#   docs/, README.md     the runbook and the manual
#   VERSION, SHA256SUMS  what this is, and the checksum of every file in it
# VERSION defaults to `git describe`; override with VERSION=1.2.3 make dist.
# CHATLINGS_DIST_BIN=path packs that binary instead of building one (tests), and
# CHATLINGS_DIST_DIR=dir writes the tarball there instead of build/dist.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || date -u +%Y%m%d%H%M%S)}
case "$VERSION" in
  *[!A-Za-z0-9._-]*) echo "dist: VERSION may contain only letters, digits, . _ -" >&2; exit 2 ;;
esac
NAME=chatlings-$VERSION
OUT=${CHATLINGS_DIST_DIR:-$ROOT/build/dist}
STAGE=$OUT/$NAME

BIN=${CHATLINGS_DIST_BIN:-}
if [ -z "$BIN" ]; then
  echo "dist: building the release binary" >&2
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/release -j2 --target chatlings >&2
  BIN=build/release/chatlings
fi
mkdir -p "$OUT"

rm -rf "$STAGE"
mkdir -p "$STAGE/bin" "$STAGE/db" "$STAGE/docs"
install -m 0755 "$BIN" "$STAGE/bin/chatlings"
strip --strip-unneeded "$STAGE/bin/chatlings" 2>/dev/null || true
cp -a db/migrations "$STAGE/db/"
cp -a deploy "$STAGE/"
[ -d docs ] && cp -a docs/. "$STAGE/docs/"
cp README.md "$STAGE/"
[ -f LICENSE ] && cp LICENSE "$STAGE/"
if [ -d web/dist ]; then
  mkdir -p "$STAGE/web" && cp -a web/dist "$STAGE/web/"
else
  echo "dist: note: web/dist is not built; the tarball has no front end" >&2
fi
if [ -d web-admin/dist ]; then
  mkdir -p "$STAGE/web-admin" && cp -a web-admin/dist "$STAGE/web-admin/"
else
  echo "dist: note: web-admin/dist is not built; the tarball has no admin portal" >&2
fi
echo "$VERSION" >"$STAGE/VERSION"
(cd "$STAGE" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum >SHA256SUMS)

# Reproducible-ish: fixed owner and order, mtimes from the last commit when there is one.
MTIME=$(git log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$MTIME" \
  -C "$OUT" -czf "$OUT/$NAME.tar.gz" "$NAME"
rm -rf "$STAGE"
echo "$OUT/$NAME.tar.gz"
