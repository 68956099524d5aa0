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
# Seed 001's shapes: GET /health and POST /attestation.
curl -sf "$serve/health" | python3 -c '
import json, sys
h = json.load(sys.stdin)
assert h["status"] == "healthy" and h["tee_available"] is False, h
assert isinstance(h["active_sessions"], int) and h["timestamp"].endswith("Z"), h
' || fail "serve /health"
curl -sf -X POST "$serve/attestation" -H 'Content-Type: application/json' \
  -d '{"nonce": "dGVzdCBub25jZQ==", "custom_data": {"b": [1, "x"], "a": true}}' | python3 -c '
import hashlib, json, sys
r = json.load(sys.stdin)
assert r["tee_verified"] is False and "_warning" in r, r
u = r["user_data"]
assert u["nonce"] == b"test nonce".hex() and u["nonce_encoding"] == "base64", u
canon = json.dumps({"a": True, "b": [1, "x"]}, separators=(",", ":"), sort_keys=True)
assert r["custom_digest"] == hashlib.sha256(canon.encode()).hexdigest() == u["custom_digest"], r
assert r["custom_data"] == {"b": [1, "x"], "a": True}, r
assert r["attestation_document"]["evidence"]["platform"] == "simulated", r
' || fail "serve POST /attestation"
# The whole check from outside: fresh nonce, offline verification, binding, the chain's entry.
"$ev" attest fetch --serve "$serve" --url "$url" --allow-simulated --output json |
  grep -q '"ok": true' || fail "attest fetch"
if "$ev" attest fetch --serve "$serve" --url "$url" >/dev/null 2>&1; then
  fail "attest fetch accepted a simulated attestation without --allow-simulated"
fi

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
