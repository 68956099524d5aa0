#!/usr/bin/env bash
# Metadata and event decoding, ours vs polkadot-js in the same run (issue 3 §7).
#   bench/decode_bench.sh [rounds (default 3)]
# Builds bench/decode_bench.cpp (Release) into $BUILD (default build/decode-bench; or set
# DECODE_BENCH_EXE to a decode_bench built elsewhere), then for
# each round runs, back to back (ours first in odd rounds, polkadot-js first in even ones):
#   ours:        decode_bench BM_metadata_decode_v15 and BM_events_decode_10k;
#   polkadot-js: bench/polkadotjs_decode.js (node >= 20, node_modules of tests/interop after
#                `npm ci --ignore-scripts` there), the same two jobs on the same input.
# Prints a markdown table of medians (ms per job) and the ratio polkadot-js / ours; the target
# is >= 10x for both jobs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}"
build="${BUILD:-$root/build/decode-bench}"
vectors="${EV_VECTORS_DIR:-$root/../shared/vectors}"
seconds="${JS_SECONDS:-2}"

if [[ ! -d "$root/tests/interop/node_modules/@polkadot/types" ]]; then
  echo "SKIPPED: run 'npm ci --ignore-scripts' in tests/interop first" >&2
  exit 77
fi
exe="${DECODE_BENCH_EXE:-$build/bench/decode_bench}"
if [[ -z "${DECODE_BENCH_EXE:-}" ]]; then  # else: a decode_bench built elsewhere
  if [[ -z "${BUILD:-}" ]]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEV_TESTS=OFF \
      -DEV_BENCH=ON $(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache) \
      >/dev/null
  fi
  cmake --build "$build" -j "${JOBS:-2}" --target decode_bench >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# ours -> "metadata_ms events_ms input_bytes metadata_cpu_ms events_cpu_ms"
ours() {
  EV_VECTORS_DIR="$vectors" "$exe" --benchmark_min_time=1 --benchmark_format=json \
    >"$work/ours.json" 2>/dev/null
  python3 - "$work/ours.json" <<'PY'
import json, sys
runs = {b["name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"]}
ms = lambda b: b["real_time"] * {"ms": 1, "us": 1e-3, "ns": 1e-6}[b["time_unit"]]
ev = runs["BM_events_decode_10k"]
md = runs["BM_metadata_decode_v15"]
cpu = lambda b: b["cpu_time"] * {"ms": 1, "us": 1e-3, "ns": 1e-6}[b["time_unit"]]
print(ms(md), ms(ev), int(ev["input_bytes"]), cpu(md), cpu(ev))
PY
}

# theirs -> "metadata_ms events_ms input_bytes events_no_json_ms metadata_cpu_ms events_cpu_ms"
theirs() {
  node "$root/bench/polkadotjs_decode.js" "$vectors/substrate" "$seconds" >"$work/js.json"
  python3 - "$work/js.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(r["metadata_ns"] / 1e6, r["events_ns"] / 1e6, r["input_bytes"], r["events_no_json_ns"] / 1e6,
      r["metadata_cpu_ns"] / 1e6, r["events_cpu_ns"] / 1e6)
PY
}

: >"$work/rows"
for ((i = 1; i <= rounds; ++i)); do
  if ((i % 2 == 1)); then
    o="$(ours)"; t="$(theirs)"
  else
    t="$(theirs)"; o="$(ours)"
  fi
  echo "$o $t" >>"$work/rows"
  echo "round $i: ours $o | polkadot-js $t" >&2
done

python3 - "$work/rows" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
col = lambda i: statistics.median(r[i] for r in rows)
# columns: ours 0 md, 1 ev, 2 bytes, 3 md cpu, 4 ev cpu; theirs 5 md, 6 ev, 7 bytes, 8 ev no
# json, 9 md cpu, 10 ev cpu
if any(r[2] != r[7] for r in rows):
    sys.exit("the two sides decoded different inputs (byte counts differ)")
print("| job | ours wall / CPU (ms) | polkadot-js wall / CPU (ms) | ratio wall / CPU |")
print("|-|-|-|-|")
def row(name, ow, oc, tw, tc):
    print(f"| {name} | {ow:.1f} / {oc:.1f} | {tw:.1f} / {tc:.1f} | {tw / ow:.1f}x / {tc / oc:.1f}x |")
row("Polkadot v15 metadata -> usable registry", col(0), col(3), col(5), col(9))
row(f"10,000 event records -> JSON values ({int(rows[0][2])} bytes)", col(1), col(4), col(6), col(10))
print(f"| 10,000 event records, polkadot-js without toJSON (wall) | {col(1):.1f} | {col(8):.1f} | {col(8) / col(1):.1f}x |")
PY
