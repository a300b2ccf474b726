#!/usr/bin/env bash
# test.sh (make test): builds with ASan + UBSan, starts a fresh private PostgreSQL + Redis under
# var/test (always stopped at exit), migrates and seeds with the ASan binary, then runs the unit
# tests (ctest) and the black-box tests (node --test tests/integration/). Non-zero if anything fails.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
TEST_DIR=$ROOT/var/test
# below the ephemeral range (32768-60999): an outgoing connection can never be holding them
PORTS=(25432 26379 26380)
BIN=$ROOT/build/asan/chatlings

step() { printf '\n==> %s\n' "$*"; }
declare -a RESULTS=()
failed=0
record() {  # record NAME STATUS
  if [ "$2" -eq 0 ]; then RESULTS+=("  ok      $1"); else RESULTS+=("  FAILED  $1"); failed=1; fi
}
LOGS=$ROOT/build/test-logs
mkdir -p "$LOGS"; rm -f "$LOGS"/*.log
summary() {
  # Totals over both runners, from their own closing lines (ctest: "x% tests passed, F tests
  # failed out of T"; node: "ℹ pass N" / "ℹ fail N" / "ℹ skipped N" / "ℹ cancelled N").
  local p=0 f=0 s=0 t cf
  if [ -f "$LOGS/ctest.log" ]; then
    read -r cf t < <(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\1 \2/p' "$LOGS/ctest.log" | tail -n 1) || true
    if [ -n "${t:-}" ]; then p=$((p + t - cf)); f=$((f + cf)); fi
  fi
  for log in "$LOGS/node.log" "$LOGS/e2e.log"; do
    [ -f "$log" ] || continue
    n() { sed -n "s/^ℹ $1 \([0-9]*\)$/\1/p" "$log" | tail -n 1; }
    p=$((p + $(n pass || true) + 0)); f=$((f + $(n fail || true) + $(n cancelled || true) + 0))
    s=$((s + $(n skipped || true) + $(n todo || true) + 0))
  done
  # A failed step with no test counts of its own (build, migrate) still shows as a failure.
  if [ $failed -ne 0 ] && [ $f -eq 0 ]; then f=1; fi
  printf '\n==> summary\n'
  printf '%s\n' "${RESULTS[@]}"
  if [ $failed -ne 0 ]; then echo "make test: FAILED"; fi
  echo "tests: $p passed, $f failed, $s skipped"
}

step "dependencies"
scripts/deps.sh || { echo "test: scripts/deps.sh failed" >&2; exit 1; }

step "build build/asan (ASan + UBSan)"
if cmake -S . -B build/asan -DCHATLINGS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null &&
   cmake --build build/asan -j2; then
  record build 0
else
  record build 1; summary; exit 1
fi

step "build build/release (the optimised binary make run and make bench use)"
# -O2 finds warnings (format truncation, use-after-free) that the -O0 sanitizer build cannot
if cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build/release -j2 --target chatlings; then
  record "release build" 0
else
  record "release build" 1
fi

step "web app (web/ -> web/dist)"
scripts/web.sh; record "web app build" $?

step "test stack under var/test"
# Leftovers of an interrupted run are stopped, and each run starts from an empty database.
scripts/stack.sh stop "$TEST_DIR" "${PORTS[@]}" >/dev/null 2>&1 || true
rm -rf "$TEST_DIR"
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
  if [ "${CHATLINGS_TEST_KEEP_STACK:-0}" = 1 ]; then
    echo "test: leaving the test stack running (scripts/stack.sh stop var/test to stop it)" >&2
  else
    scripts/stack.sh stop "$TEST_DIR" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if ! stack_env=$(scripts/stack.sh start "$TEST_DIR" "${PORTS[@]}"); then
  record "test stack" 1; summary; exit 1
fi
eval "$stack_env"
echo "$stack_env"

export TEST_DATABASE_URL=$DATABASE_URL TEST_REDIS_URL=$REDIS_URL
export TEST_REDIS_TLS_URL=$REDIS_TLS_URL TEST_REDIS_CA_FILE=$REDIS_CA_FILE
export DATABASE_URL REDIS_URL
unset REDIS_TLS_URL REDIS_CA_FILE   # the binary's REDIS_CA_FILE goes with a rediss:// REDIS_URL only
export CHATLINGS_ENV=development
export CHATLINGS_TEST_STACK_DIR=$TEST_DIR
export CHATLINGS_SOURCE_DIR=$ROOT
export CHATLINGS_BIN=$BIN
# LeakSanitizer works here as root (checked: it reports and aborts); a leak fails the test.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [ -f "$ROOT/tests/lsan.supp" ]; then
  export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}
fi

step "migrate + seed (ASan binary)"
if "$BIN" migrate && "$BIN" seed; then
  record "migrate + seed" 0; db_ready=1
else
  record "migrate + seed" 1; db_ready=0
fi

step "unit tests (ctest, build/asan)"
(cd build/asan && ctest --output-on-failure --timeout 300) 2>&1 | tee "$LOGS/ctest.log"
record "unit tests (ctest)" "${PIPESTATUS[0]}"

step "black-box tests (node --test tests/integration/)"
if [ $db_ready -eq 1 ]; then
  node_args=(--test --test-reporter=spec)
  # Test files share one stack and some stop its services: run them one at a time.
  if node --help | grep -q -- --test-concurrency; then node_args+=(--test-concurrency=1); fi
  # A hung test must not eat CI's whole budget.
  if node --help | grep -q -- --test-timeout; then node_args+=(--test-timeout=600000); fi
  node "${node_args[@]}" tests/integration/ 2>&1 | tee "$LOGS/node.log"
  record "black-box tests (node)" "${PIPESTATUS[0]}"
else
  echo "skipped: the database could not be migrated and seeded"
  record "black-box tests (node): skipped" 1
fi

step "browser tests (node --test tests/e2e/: headless Chromium; screenshots in tests/artifacts/e2e)"
if [ $db_ready -eq 1 ] && [ -f web/dist/index.html ]; then
  node "${node_args[@]}" tests/e2e/ 2>&1 | tee "$LOGS/e2e.log"
  record "browser tests (node)" "${PIPESTATUS[0]}"
else
  echo "skipped: no database or no web/dist"
  record "browser tests (node): skipped" 1
fi

step "fuzz smoke (libFuzzer, ${CHATLINGS_FUZZ_SECONDS:-10} s per target; make fuzz runs longer)"
scripts/fuzz.sh "${CHATLINGS_FUZZ_SECONDS:-10}" 2>&1 | tee "$LOGS/fuzz.log"
record "fuzz smoke" "${PIPESTATUS[0]}"

summary
exit $failed
