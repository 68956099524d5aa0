#!/usr/bin/env bash
# Builds the benchmarks (Release) and runs them, printing each "ours vs reference" pair as a ratio.
#   scripts/bench.sh [benchmark-name-regex]
# Pairs are benchmarks named BM_<what>_ours / BM_<what>_raw (same arguments), run in the same
# process, interleaved by repetition; the ratio is ours/raw throughput (1.00 = no overhead).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$ROOT/scripts/bootstrap.sh" >/dev/null
mkdir -p "$ROOT/build"
configure "$ROOT/build/bench" -DCMAKE_BUILD_TYPE=Release -DEV_TESTS=OFF -DEV_BENCH=ON
cmake --build "$ROOT/build/bench" -j "$JOBS" >/dev/null
filter="${1:-.}"
out="$ROOT/build/bench/results"
mkdir -p "$out"
for exe in "$ROOT"/build/bench/bench/*_bench; do
  name="$(basename "$exe")"
  [[ "$name" =~ $filter ]] || continue
  "$exe" --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true \
    --benchmark_report_aggregates_only=true --benchmark_format=json >"$out/$name.json"
  python3 "$ROOT/scripts/bench_ratios.py" "$out/$name.json"
done
