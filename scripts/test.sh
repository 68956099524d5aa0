#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test through ctest:
#   1. the main build (g++, warnings as errors): unit, conformance and interop tests;
#   2. the fuzz build (clang, libFuzzer, ASan+UBSan): every fuzz target for a bounded time.
# Prints the ctest summaries and exits non-zero on any failure.
#   FUZZ_SECONDS (default 30) - time per fuzz target; SKIP_FUZZ=1 skips step 2.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

"$ROOT/scripts/bootstrap.sh"
mkdir -p "$ROOT/build"

echo "== main build"
configure "$ROOT/build/main" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEV_WERROR=ON
cmake --build "$ROOT/build/main" -j "$JOBS"
status=0
ctest --test-dir "$ROOT/build/main" --output-on-failure -j "$JOBS" || status=1

if [[ "${SKIP_FUZZ:-0}" != "1" ]]; then
  echo "== fuzz build (clang, libFuzzer, ASan+UBSan)"
  configure "$ROOT/build/fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DEV_FUZZ=ON -DEV_TESTS=OFF -DEV_BENCH=OFF -DEV_FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
  cmake --build "$ROOT/build/fuzz" -j "$JOBS"
  ctest --test-dir "$ROOT/build/fuzz" --output-on-failure -L fuzz -j "$JOBS" || status=1
fi

exit "$status"
