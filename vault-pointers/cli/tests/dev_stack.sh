#!/usr/bin/env bash
# `epochvault dev` end to end: the stack starts on free ports, endpoints.json is written, the
# node and both workers answer, a signed VaultPointers call lands, the mirror records it, and SIGTERM stops
# everything with exit code 0.
#   dev_stack.sh <path to epochvault>
set -euo pipefail
ev="${1:?path to the epochvault binary}"
dir="$(mktemp -d)"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [[ -f "$dir/log" ]] && cat "$dir/log" >&2; exit 1; }

# The rotate health port is chosen (a port free a moment ago), the others are any free port.
hport="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$ev" dev --data-dir "$dir/data" --rpc-port 0 --serve-port 0 --rotate-health-port "$hport" \
  >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  [[ -f "$dir/data/endpoints.json" ]] && break
  kill -0 "$pid" 2>/dev/null || fail "epochvault dev exited early"
  sleep 0.1
done
[[ -f "$dir/data/endpoints.json" ]] || fail "no endpoints.json after 60 s"
url="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["node_rpc"])' "$dir/data/endpoints.json")"
[[ "$url" == ws://127.0.0.1:* ]] || fail "node_rpc: $url"
serve="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["serve"])' "$dir/data/endpoints.json")"
health="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rotate_health"])' "$dir/data/endpoints.json")"
curl -sf "$serve/healthz" | grep -q '"status":"ok"' || fail "serve /healthz"
[[ "$health" == "http://127.0.0.1:$hport" ]] || fail "rotate_health $health, asked for port $hport"
curl -sf "$health/healthz" | grep -q '"role":"rotate"' || fail "rotate /healthz"
curl -sf "$health/healthz" | grep -q '"finalized":' || fail "rotate /healthz has no finalized block"
curl -sf "$serve/v1/attestation" | grep -q 'not hardware-backed' || fail "serve /v1/attestation"

"$ev" chain info --url "$url" --output json | grep -q '"specName":"epochvault-dev"' || fail "chain info"
agent="$("$ev" key inspect //Charlie --scheme ed25519 --output json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["ss58Address"])')"
"$ev" chain call VaultPointers authorize_agent "[\"$agent\", [], \"Read\"]" --suri //Bob --scheme ecdsa \
  --url "$url" --output json | grep -q '"success":true' || fail "authorize_agent"

# The mirror follows within a second or two.
for _ in $(seq 1 50); do
  n="$(sqlite3 "$dir/data/mirror.db" "SELECT COUNT(*) FROM events WHERE name = 'AgentAuthorized'" 2>/dev/null || echo 0)"
  [[ "$n" == "1" ]] && break
  sleep 0.2
done
[[ "$n" == "1" ]] || fail "the mirror did not record AgentAuthorized"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
[[ "$rc" == "0" ]] || fail "exit code $rc after SIGTERM"
grep -q "stopping" "$dir/log" || fail "no clean stop"
grep -q "serve: stopping" "$dir/data/serve.log" || fail "serve did not stop on SIGTERM"
grep -q "rotate: stopping" "$dir/data/rotate.log" || fail "rotate did not stop on SIGTERM"
echo "dev stack: all steps held"
