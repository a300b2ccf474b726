#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS (default 60).
# Seeds come from tests/fuzz/corpus/<target>; crashes found are kept in tests/fuzz/regressions/<target>
# and replayed on every run, so a fixed bug stays fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=Debug -DCHATLINGS_FUZZ=ON >/dev/null
targets=$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')
cmake --build build/fuzz -j2 --target $targets >/dev/null
status=0
for t in $targets; do
  work=$(mktemp -d)
  mkdir -p "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t"
  # replay known crashers first (a bare run over files exits non-zero on any crash)
  if ls "tests/fuzz/regressions/$t"/* >/dev/null 2>&1; then
    "build/fuzz/$t" "tests/fuzz/regressions/$t"/* >/dev/null 2>&1 || { echo "fuzz $t: a regression input crashes"; status=1; }
  fi
  if "build/fuzz/$t" -max_total_time="$seconds" -artifact_prefix="tests/fuzz/regressions/$t/" \
       "$work" "tests/fuzz/corpus/$t" >"$work.log" 2>&1; then
    echo "fuzz $t: ok ($(grep -Eo '#[0-9]+' "$work.log" | tail -1 | tr -d '#') runs in ${seconds}s)"
  else
    echo "fuzz $t: FAILED — see tests/fuzz/regressions/$t/"; tail -30 "$work.log"; status=1
  fi
  rm -rf "$work" "$work.log"
done
exit $status
