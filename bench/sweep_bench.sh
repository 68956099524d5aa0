#!/usr/bin/env bash
# Rotation sweep: blobs per second moved to a new epoch by RotateWorker (sweep + deletion of the
# old objects + destroy_epoch), on the directory store and on Ceph RGW, against the raw PUT rate
# of the same store client in the same process (bench/sweep_bench.cpp says how).
#   bench/sweep_bench.sh [blobs (10000)] [batches (64,256,500)] [concurrencies (4,8)] [dir|rgw|both]
# Builds bench/sweep_bench.cpp (Release) in build/bench (EV_BENCH_BUILD to change), runs it on a
# directory store in a fresh temporary folder, then on RGW started by tests/interop/with-rgw.sh
# (single node, memstore). One timed rotation per (batch, concurrency) pair; each prints one
# markdown row.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ "${1:-}" == "--inner-rgw" ]]; then
  shift
  exe="$1"
  shift
  exec "$exe" --store "s3://$EV_S3_BUCKET?endpoint=$EV_S3_ENDPOINT&region=us-east-1&style=path" "$@"
fi

blobs="${1:-10000}"
batches="${2:-64,256,500}"
concurrencies="${3:-4,8}"
which="${4:-both}"
build="${EV_BENCH_BUILD:-$root/build/bench}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEV_TESTS=OFF -DEV_BENCH=ON \
  $(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache) >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target sweep_bench >/dev/null
exe="$build/bench/sweep_bench"
args=(--blobs "$blobs" --batch "$batches" --concurrency "$concurrencies")

echo "load before: $(uptime)"
if [[ "$which" == dir || "$which" == both ]]; then
  work="$(mktemp -d "${TMPDIR:-/tmp}/ev-sweep-dir.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  "$exe" --store "file://$work/store" "${args[@]}"
  rm -rf "$work"
  echo "load after the directory store: $(uptime)"
fi
if [[ "$which" == rgw || "$which" == both ]]; then
  "$root/tests/interop/with-rgw.sh" "$0" --inner-rgw "$exe" "${args[@]}"
  echo "load after RGW: $(uptime)"
fi
