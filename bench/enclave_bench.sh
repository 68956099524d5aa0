#!/usr/bin/env bash
# Envelope re-encryption throughput vs `openssl speed -evp aes-256-gcm`, in the same run.
#   bench/enclave_bench.sh [rounds (default 3)]
# Builds bench/enclave_bench.cpp (Release) into build/enclave-bench, then for each round and each
# size (256 B, 4 KiB, 64 KiB) runs, back to back (ours first in odd rounds, openssl first in even
# ones):
#   ours:    enclave_bench BM_enclave_reencrypt/<size> (decrypt + encrypt of one stored object:
#            parse, two AES-256-GCM passes with AAD, fresh random nonce, new object), and
#            BM_enclave_seal/<size> (one pass) and BM_gcm_evp_raw/<size> (EVP_EncryptUpdate only);
#   openssl: openssl speed -evp aes-256-gcm -bytes <size> -seconds 2 -mr.
# Both report bytes per CPU second. Prints a markdown table of medians; the target is
# re-encryption >= 40% of openssl's single-pass rate (two passes: 50% is the ceiling).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}"
build="$root/build/enclave-bench"
mkdir -p "$root/build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEV_TESTS=OFF -DEV_BENCH=ON \
  $(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache) >/dev/null
exe="$build/bench/enclave_bench"
if grep -q ev_enclave "$root/bench/CMakeLists.txt"; then
  cmake --build "$build" -j "${JOBS:-2}" --target enclave_bench >/dev/null
else
  # bench/CMakeLists.txt does not link ev_enclave: link the benchmark by hand against the
  # Release libraries.
  cmake --build "$build" -j "${JOBS:-2}" --target ev_enclave ev_chain ev_common >/dev/null
  mkdir -p "$build/bench"
  c++ -std=c++20 -O2 -DNDEBUG -I"$root/common/include" -I"$root/enclave-worker/include" \
    "$root/bench/enclave_bench.cpp" -o "$exe" \
    "$build/enclave-worker/libev_enclave.a" "$build/chain-client/libev_chain.a" \
    "$build/common/libev_common.a" -lbenchmark_main -lbenchmark -lsodium -lcrypto -lpthread
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# ours <benchmark> <size> -> bytes per second
ours() {
  "$exe" --benchmark_filter="^$1/$2\$" --benchmark_min_time=1 --benchmark_format=json \
    >"$work/ours.json" 2>/dev/null
  python3 - "$work/ours.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))["benchmarks"]
if len(b) != 1 or "error_message" in b[0]:
    sys.exit(f"enclave_bench: {b}")
print(b[0]["bytes_per_second"])
PY
}

# openssl_speed <size> -> bytes per second (the +F line of -mr output)
openssl_speed() {
  openssl speed -evp aes-256-gcm -bytes "$1" -seconds 2 -mr 2>/dev/null |
    awk -F: '/^\+F:/ { print $4 }'
}

: >"$work/results.txt"
for ((r = 1; r <= rounds; r++)); do
  for size in 256 4096 65536; do
    if ((r % 2 == 1)); then
      re="$(ours BM_enclave_reencrypt "$size")"
      os="$(openssl_speed "$size")"
    else
      os="$(openssl_speed "$size")"
      re="$(ours BM_enclave_reencrypt "$size")"
    fi
    seal="$(ours BM_enclave_seal "$size")"
    raw="$(ours BM_gcm_evp_raw "$size")"
    echo "$size $re $seal $raw $os" >>"$work/results.txt"
  done
  echo "round $r of $rounds done" >&2
done

python3 - "$work/results.txt" "$rounds" "$(openssl version)" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    size, *vals = line.split()
    rows.setdefault(int(size), []).append([float(v) for v in vals])
print(f"\nAES-256-GCM, {sys.argv[3]}, bytes per CPU second, median of {sys.argv[2]} rounds\n")
print("| blob | re-encrypt (MB/s) | seal (MB/s) | raw EVP update (MB/s) | openssl speed (MB/s) "
      "| re-encrypt / openssl | target >= 0.40 | ratio, each round |")
print("|---|---|---|---|---|---|---|---|")
for size in sorted(rows):
    cols = list(zip(*rows[size]))
    re, seal, raw, os_ = (statistics.median(c) / 1e6 for c in cols)
    each = ", ".join(f"{a / b:.2f}" for a, b in zip(cols[0], cols[3]))
    label = f"{size} B" if size < 1024 else f"{size // 1024} KiB"
    ratio = re / os_
    print(f"| {label} | {re:.0f} | {seal:.0f} | {raw:.0f} | {os_:.0f} | {ratio:.2f} | "
          f"{'yes' if ratio >= 0.40 else '**no**'} | {each} |")
PY
