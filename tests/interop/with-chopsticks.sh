#!/usr/bin/env bash
# Runs a command against a real Polkadot-SDK runtime executed by Chopsticks.
#   tests/interop/with-chopsticks.sh <rococo-asset-hub|westend> <command> [args...]
# Installs the pinned npm packages (package-lock.json) when needed, writes the runtime's raw
# genesis, starts Chopsticks on a free loopback port (real signature checks; blocks built on
# dev_newBlock, or for each transaction with EV_CHOPSTICKS_BLOCK_MODE=Instant), exports
# EV_CHOPSTICKS_URL=ws://127.0.0.1:PORT (and EV_CHOPSTICKS_HTTP_URL) for the command, and stops
# Chopsticks when the command ends. Exit code: the command's; 77 (skipped) if Node.js >= 20 is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runtime="${1:?runtime: rococo-asset-hub or westend}"
shift

if ! command -v node >/dev/null || (($(node -p 'process.versions.node.split(".")[0]') < 20)); then
  echo "SKIPPED: Chopsticks needs Node.js >= 20 (found: $(node --version 2>/dev/null || echo none))"
  exit 77
fi

lock_stamp="$here/node_modules/.epochvault-lock.sha256"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [[ ! -f "$lock_stamp" || "$(cat "$lock_stamp")" != "$want" ]]; then
  (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >&2
  echo "$want" >"$lock_stamp"
fi

work="$(mktemp -d)"
cleanup() {
  if [[ -n "${pid:-}" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

case "$runtime" in
  rococo-asset-hub)
    node -e 'const m = require(process.argv[1]); require("fs").writeFileSync(process.argv[2], m.chainSpec)' \
      "$here/node_modules/@substrate/connect-known-chains/dist/commonjs/specs/rococo_v2_2_asset_hub.js" \
      "$work/genesis.json"
    ;;
  westend)
    vectors="${EV_VECTORS_DIR:-$here/../../../shared/vectors}"
    src="$vectors/runtimes/westend-1015000/westend-1015000-raw-genesis.json"
    if [[ ! -f "$src" ]]; then echo "SKIPPED: $src is absent"; exit 77; fi
    cp "$src" "$work/genesis.json"
    ;;
  *) echo "unknown runtime '$runtime'" >&2; exit 2 ;;
esac

case "${EV_CHOPSTICKS_BLOCK_MODE:-Manual}" in
  Manual | Instant | Batch) ;;
  *) echo "EV_CHOPSTICKS_BLOCK_MODE must be Manual, Instant or Batch" >&2; exit 2 ;;
esac
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat >"$work/chopsticks.yml" <<YML
genesis: $work/genesis.json
host: 127.0.0.1
port: $port
build-block-mode: ${EV_CHOPSTICKS_BLOCK_MODE:-Manual}
mock-signature-host: false
YML

# Chopsticks reads PORT and a .env from its working directory: run it from the empty work dir
# with PORT unset, and take the port it reports (it moves on when the port is busy).
(cd "$work" && exec env -u PORT node "$here/node_modules/@acala-network/chopsticks/chopsticks.cjs" \
  -c "$work/chopsticks.yml" >"$work/chopsticks.log" 2>&1) &
pid=$!
for _ in $(seq 1 120); do
  if line=$(grep -o 'RPC listening on http://127.0.0.1:[0-9]*' "$work/chopsticks.log" 2>/dev/null); then
    port="${line##*:}"
    break
  fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$work/chopsticks.log" >&2; exit 1; fi
  sleep 0.5
done
if [[ -z "${line:-}" ]]; then echo "Chopsticks did not start in 60 s" >&2; cat "$work/chopsticks.log" >&2; exit 1; fi

export EV_CHOPSTICKS_URL="ws://127.0.0.1:$port"
export EV_CHOPSTICKS_HTTP_URL="http://127.0.0.1:$port"
echo "chopsticks ($runtime) on $EV_CHOPSTICKS_URL" >&2
set +e
"$@"
rc=$?
exit "$rc"
