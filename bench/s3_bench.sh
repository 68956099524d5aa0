#!/usr/bin/env bash
# Object-store throughput: our S3 client vs curl against Ceph RGW, and the directory store.
#   bench/s3_bench.sh [rounds (default 3)]
# Builds bench/s3_bench.cpp (Release) into build/s3-bench, starts RGW with
# tests/interop/with-rgw.sh, and runs each case in each round, ours and curl back to back
# (alternating which goes first):
#   ours: s3_bench (Google Benchmark), one S3Client shared by 4 threads, 2,000 PUTs then
#         2,000 GETs of 1 KiB, and 1,000 PUTs then 1,000 GETs of 64 KiB (distinct keys per thread);
#         PUT twice: with the body's digests handed in (as curl is handed the SHA-256), and
#         with the client computing SHA-256 and MD5 of every body; every GET checks the MD5;
#   curl: one `curl --parallel --parallel-max 4 --config <file>` process per case doing the same
#         number of transfers (--aws-sigv4 "aws:amz:us-east-1:s3" --user AK:SK, x-amz-content-sha256
#         given as a header because curl 7.88 does not compute it), keep-alive connections reused
#         inside the one process, each transfer's HTTP status checked.
# Then the directory store (1 and 4 threads). Prints a markdown table of medians over the rounds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ "${1:-}" != "--inner" ]]; then
  rounds="${1:-3}"
  build="$root/build/s3-bench"
  mkdir -p "$root/build"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEV_TESTS=OFF -DEV_BENCH=ON \
    $(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache) >/dev/null
  cmake --build "$build" -j "${JOBS:-2}" --target s3_bench >/dev/null
  exec "$root/tests/interop/with-rgw.sh" "$0" --inner "$build/bench/s3_bench" "$rounds"
fi

exe="$2"
rounds="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
port="${EV_S3_ENDPOINT##*:}"

# curl_case <put|get> <size> <count> -> ops/s on stdout
curl_case() {
  local op="$1" size="$2" count="$3"
  local cfg="$work/$op-$size.cfg" body="$work/body-$size" hash i start end ok
  head -c "$size" /dev/urandom >"$body"
  if [[ "$op" == put ]]; then
    hash="$(sha256sum "$body" | cut -d' ' -f1)"
  else
    hash="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
  fi
  : >"$cfg"
  for ((i = 0; i < count; i++)); do
    echo "url = \"$EV_S3_ENDPOINT/$EV_S3_BUCKET/bench/curl/$size/$i\"" >>"$cfg"
    if [[ "$op" == put ]]; then
      echo "upload-file = \"$body\"" >>"$cfg"
    fi
    echo "output = \"/dev/null\"" >>"$cfg"
  done
  start="$(date +%s.%N)"
  curl -s --parallel --parallel-max 4 --aws-sigv4 "aws:amz:us-east-1:s3" \
    --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-content-sha256: $hash" \
    -w '%{http_code}\n' --config "$cfg" >"$work/codes" 2>"$work/curl.log"
  end="$(date +%s.%N)"
  ok="$(grep -c '^200$' "$work/codes" || true)"
  if [[ "$ok" != "$count" ]]; then
    echo "curl $op $size: only $ok of $count transfers answered 200" >&2
    sort "$work/codes" | uniq -c >&2
    tail -n 5 "$work/curl.log" >&2
    exit 1
  fi
  python3 -c "print($count / ($end - $start))"
}

# ours_case <put|get> <size> -> ops/s on stdout (one Google Benchmark case)
ours_case() {
  local json="$work/ours.json"
  "$exe" --benchmark_filter="BM_s3_$1/$2/" --benchmark_format=json >"$json" 2>/dev/null
  python3 - "$json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))["benchmarks"]
if len(b) != 1 or "error_message" in b[0]:
    sys.exit(f"s3_bench: {b}")
print(b[0]["items_per_second"])
PY
}

# Warm-up (not recorded): RGW's first requests after start-up are slower.
ours_case put 1024 >/dev/null
curl_case put 1024 500 >/dev/null

# Each case runs ours and curl back to back, ours first in odd rounds and curl first in even ones.
: >"$work/results.txt"
for ((r = 1; r <= rounds; r++)); do
  for spec in "put 1024 2000" "get 1024 2000" "put 65536 1000" "get 65536 1000"; do
    read -r op size count <<<"$spec"
    if ((r % 2 == 1)); then
      o="$(ours_case "$op" "$size")"
      c="$(curl_case "$op" "$size" "$count")"
    else
      c="$(curl_case "$op" "$size" "$count")"
      o="$(ours_case "$op" "$size")"
    fi
    h="-"
    if [[ "$op" == put ]]; then h="$(ours_case puthash "$size")"; fi
    echo "$op $size $o $c $h" >>"$work/results.txt"
  done
  echo "round $r of $rounds done" >&2
done
EV_BENCH_DIR="$work" "$exe" --benchmark_filter='BM_dirstore_' --benchmark_min_time=1 \
  --benchmark_repetitions="$rounds" --benchmark_report_aggregates_only=true \
  --benchmark_format=json >"$work/dir.json" 2>/dev/null

python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
ours, curl, hashing = {}, {}, {}
for line in open(f"{work}/results.txt"):
    op, size, o, c, h = line.split()
    ours.setdefault((op, int(size)), []).append(float(o))
    curl.setdefault((op, int(size)), []).append(float(c))
    if h != "-":
        hashing.setdefault((op, int(size)), []).append(float(h))
print(f"\nS3 against Ceph RGW 16.2.15 (single node, memstore), concurrency 4, "
      f"median of {rounds} rounds\n")
print("| operation | ours (ops/s) | curl (ops/s) | ours/curl | ours, each round | curl, each round |")
print("|---|---|---|---|---|---|")
def row(label, o, c):
    mo, mc = statistics.median(o), statistics.median(c)
    print(f"| {label} | {mo:.0f} | {mc:.0f} | {mo / mc:.2f} | "
          f"{', '.join('%.0f' % x for x in o)} | {', '.join('%.0f' % x for x in c)} |")
for size in (1024, 65536):
    kib = size // 1024
    row(f"PUT {kib} KiB, digests given", ours[("put", size)], curl[("put", size)])
    row(f"PUT {kib} KiB, client hashes", hashing[("put", size)], curl[("put", size)])
for size in (1024, 65536):
    row(f"GET {size // 1024} KiB, MD5 checked", ours[("get", size)], curl[("get", size)])
print("\nDirectory store (local disk, fsync per put), median of repetitions\n")
print("| operation | threads | ops/s |")
print("|---|---|---|")
for b in json.load(open(f"{work}/dir.json"))["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    name = b["run_name"]
    op = "PUT" if "put" in name else "GET"
    size = int(name.split("/")[1]) // 1024
    threads = name.split("threads:")[1]
    print(f"| {op} {size} KiB | {threads} | {b['items_per_second']:.0f} |")
PY
