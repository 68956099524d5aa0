#!/usr/bin/env bash
# The demo story on a running `epochvault dev` stack whose store is given by the environment:
# with EV_S3_ENDPOINT/EV_S3_BUCKET set (tests/interop/with-rgw.sh) the stack stores its blobs in
# that S3 bucket (Ceph RGW), otherwise in its directory store. Starts the stack, runs
# `epochvault demo --endpoints`, checks that the blobs went to the intended store, stops it.
#   demo_stack.sh <path to epochvault>
set -euo pipefail
ev="${1:?path to the epochvault binary}"
dir="$(mktemp -d)"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$dir/log" "$dir/data/serve.log" "$dir/data/rotate.log"; do
    [[ -f "$f" ]] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }
  done
  exit 1
}

store_args=()
if [[ -n "${EV_S3_ENDPOINT:-}" ]]; then
  store="s3://$EV_S3_BUCKET/demo?endpoint=$EV_S3_ENDPOINT&style=path"
  store_args=(--store "$store")
  echo "store: $store"
fi
"$ev" dev --data-dir "$dir/data" --rpc-port 0 --serve-port 0 "${store_args[@]}" >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  [[ -f "$dir/data/endpoints.json" ]] && break
  kill -0 "$pid" 2>/dev/null || fail "epochvault dev exited early"
  sleep 0.1
done
[[ -f "$dir/data/endpoints.json" ]] || fail "no endpoints.json after 60 s"

"$ev" demo --endpoints "$dir/data/endpoints.json" || fail "the demo story did not hold"

if [[ -n "${EV_S3_ENDPOINT:-}" ]]; then
  # The surviving agent's blob lives in the bucket, under the prefix; nothing in the directory.
  listing="$("$ev" store ls --store "$store")" || fail "store ls"
  grep -q '\.enc' <<<"$listing" || fail "no blob in the S3 bucket: $listing"
  [[ -z "$(find "$dir/data/store" -name '*.enc' 2>/dev/null)" ]] || fail "blobs in the directory store"
fi

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
[[ "$rc" == "0" ]] || fail "epochvault dev exit code $rc after SIGTERM"
echo "demo on the dev stack: all steps held"
