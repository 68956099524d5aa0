#!/usr/bin/env bash
# Runs a command against a throwaway epochvault dev chain.
#   tests/interop/with-devnode.sh [--npm] <epochvault-devnode binary> <command> [args...]
# Starts `epochvault-devnode --dev --tmp --rpc-port 0` (extra node arguments may be given in
# EV_DEVNODE_ARGS), waits for its `rpc: ws://127.0.0.1:PORT` line, exports
# EV_DEVNODE_URL=ws://127.0.0.1:PORT and EV_DEVNODE_HTTP_URL=http://127.0.0.1:PORT for the
# command, and stops the node (SIGTERM) when the command ends or this script is interrupted.
# With --npm the command needs Node.js >= 20 and the pinned npm packages of package-lock.json:
# they are installed into tests/interop/node_modules when missing or stale (exit 77, skipped,
# when Node.js >= 20 is missing).
# Exit code: the command's; 1 if the node does not start within 30 s.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

need_npm=0
if [[ "${1:-}" == "--npm" ]]; then
  need_npm=1
  shift
fi
devnode="${1:?usage: with-devnode.sh [--npm] <epochvault-devnode> <command> [args...]}"
shift
if [[ $# -eq 0 ]]; then echo "with-devnode.sh: no command given" >&2; exit 2; fi
if [[ ! -x "$devnode" ]]; then echo "with-devnode.sh: $devnode is not executable" >&2; exit 2; fi

if ((need_npm)); then
  if ! command -v node >/dev/null || (($(node -p 'process.versions.node.split(".")[0]') < 20)); then
    echo "SKIPPED: polkadot-js needs Node.js >= 20 (found: $(node --version 2>/dev/null || echo none))"
    exit 77
  fi
  lock_stamp="$here/node_modules/.epochvault-lock.sha256"
  want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
  if [[ ! -f "$lock_stamp" || "$(cat "$lock_stamp")" != "$want" ]]; then
    (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >&2
    echo "$want" >"$lock_stamp"
  fi
fi

work="$(mktemp -d)"
pid=""
cmd=""
# shellcheck disable=SC2317  # runs from the EXIT trap
cleanup() {
  if [[ -n "$pid" ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
# shellcheck disable=SC2317  # runs from the TERM/INT traps
on_signal() {
  if [[ -n "$cmd" ]]; then kill -TERM "$cmd" 2>/dev/null || true; fi
  exit "$1"
}
trap cleanup EXIT
trap 'on_signal 143' TERM
trap 'on_signal 130' INT

# shellcheck disable=SC2086  # EV_DEVNODE_ARGS is a list of words
"$devnode" --dev --tmp --rpc-port 0 ${EV_DEVNODE_ARGS:-} >"$work/devnode.log" 2>&1 &
pid=$!
line=""
for _ in $(seq 1 300); do
  if line=$(grep -o -m1 'rpc: ws://127\.0\.0\.1:[0-9]*' "$work/devnode.log" 2>/dev/null); then
    break
  fi
  line=""
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "epochvault-devnode exited before serving RPC:" >&2
    cat "$work/devnode.log" >&2
    pid=""
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$line" ]]; then
  echo "epochvault-devnode did not print its rpc: line within 30 s" >&2
  cat "$work/devnode.log" >&2
  exit 1
fi
port="${line##*:}"
export EV_DEVNODE_URL="ws://127.0.0.1:$port"
export EV_DEVNODE_HTTP_URL="http://127.0.0.1:$port"
echo "epochvault-devnode on $EV_DEVNODE_URL" >&2

# The command runs in the background so that a signal to this script is handled at once
# (on_signal stops the command, cleanup stops the node).
set +e
"$@" &
cmd=$!
wait "$cmd"
rc=$?
cmd=""
exit "$rc"
