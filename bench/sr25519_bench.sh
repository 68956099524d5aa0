#!/usr/bin/env bash
# sr25519 sign/verify per second: ours vs libsodium's ed25519 (one Google Benchmark run) and vs
# polkadot-js's wasm sr25519 (bench/polkadotjs_sr25519.js), back to back in the same run.
#   bench/sr25519_bench.sh <sr25519_bench binary> [seconds per JS job (default 2)]
# Needs tests/interop/node_modules (npm ci --ignore-scripts there). Prints a markdown table.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exe="${1:?usage: sr25519_bench.sh <sr25519_bench binary> [seconds]}"
seconds="${2:-2}"
if [[ ! -d "$root/tests/interop/node_modules/@polkadot/util-crypto" ]]; then
  echo "SKIPPED: run 'npm ci --ignore-scripts' in tests/interop first" >&2
  exit 77
fi
ours="$("$exe" --benchmark_format=json --benchmark_min_time=1 2>/dev/null)"
js="$(node "$root/bench/polkadotjs_sr25519.js" "$seconds")"
python3 - "$ours" "$js" <<'PY'
import json, sys
unit = {"ns": 1e9, "us": 1e6, "ms": 1e3, "s": 1}
ours = {b["name"]: unit[b["time_unit"]] / b["real_time"] for b in json.loads(sys.argv[1])["benchmarks"]}
js = json.loads(sys.argv[2])
rows = [("sign", ours["BM_sr25519_sign"], ours["BM_ed25519_sign_libsodium"], js["sign_per_s"],
         js["util_crypto_sign_per_s"]),
        ("verify", ours["BM_sr25519_verify"], ours["BM_ed25519_verify_libsodium"], js["verify_per_s"],
         js["util_crypto_verify_per_s"])]
print("| op | ours sr25519 /s | libsodium ed25519 /s | polkadot-js wasm sr25519 /s | util-crypto (JS) /s "
      "| ours / ed25519 | ours / wasm |")
print("|---|---|---|---|---|---|---|")
for op, o, e, w, u in rows:
    print(f"| {op} | {o:,.0f} | {e:,.0f} | {w:,.0f} | {u:,.0f} | {o / e:.2f} | {o / w:.2f} |")
PY
