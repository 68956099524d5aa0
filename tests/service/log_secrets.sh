#!/usr/bin/env bash
# No secret in any log of the whole demo: a dev stack (`epochvault dev`) tells `epochvault demo`'s
# story, an agent stores and reads back a known random credential (logged in with a token this
# script keeps), the wallet revokes it (rotation, sweep, destruction), and then every log (the
# dev node's and the CLI's output, serve.log, rotate.log, the demo's and the CLI commands'
# output) is searched, as text and as bytes, for:
#   - the credential's plaintext (as sent, base64 and hex),
#   - the agent's bearer token and the login signature,
#   - the secret seeds of the wallet's and the agent's keys (hex, without and with 0x),
#   - the simulated platform's secret and the sealed master seed file (hex and base64).
# 0 hits required. Each needle is first shown to be findable (it is planted in a copy of the
# logs and must be found there), so the scan cannot pass by looking at nothing.
#   log_secrets.sh <path to epochvault>
set -euo pipefail
ev="${1:?path to the epochvault binary}"
dir="$(mktemp -d)"
source "$(dirname "${BASH_SOURCE[0]}")/dev_stack.bash"
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir "$dir/logs"

start_dev_stack "$ev" "$dir/logs/dev.log"
export EPOCHVAULT_URL="$(jq -er .node_rpc "$dir/data/endpoints.json")"
S="$(jq -er .serve "$dir/data/endpoints.json")"
"$ev" demo --endpoints "$dir/data/endpoints.json" >"$dir/logs/demo.log" 2>&1 ||
  { cat "$dir/logs/demo.log" >&2; fail "the demo"; }

# A credential whose plaintext this script knows, stored and read back by //Charlie for //Bob.
J='Content-Type: application/json'
WALLET_SURI=//Bob AGENT_SURI=//Charlie SCHEME=ed25519
WALLET=$("$ev" key inspect "$WALLET_SURI" --scheme $SCHEME --output json | jq -er .ss58Address)
AGENT=$("$ev" key inspect "$AGENT_SURI" --scheme $SCHEME --output json | jq -er .ss58Address)
echo "$WALLET_SURI" >"$dir/wallet.suri"
"$ev" agent authorize "$AGENT" --services github.com --write --suri-file "$dir/wallet.suri" >>"$dir/logs/cli.log" 2>&1
C=$(curl -sSf -XPOST "$S/v1/auth/challenge" -H "$J" -d "{\"wallet\":\"$WALLET\",\"agent\":\"$AGENT\"}")
ID=$(echo "$C" | jq -er .challenge_id)
HEX=$(echo "$C" | jq -er .message_hex)
SIG=$("$ev" key sign --suri "$AGENT_SURI" --scheme $SCHEME --message "0x3c42797465733e${HEX#0x}3c2f42797465733e")
TOKEN=$(curl -sSf -XPOST "$S/v1/auth/token" -H "$J" \
  -d "{\"challenge_id\":\"$ID\",\"scheme\":\"$SCHEME\",\"signature\":\"$SIG\"}" | jq -er .token)
PLAIN="ghp_$(openssl rand -hex 20)"
curl -sSf -XPUT "$S/v1/credentials/$WALLET/github.com" -H "Authorization: Bearer $TOKEN" -H "$J" \
  -d "{\"data\":\"$(printf '%s' "$PLAIN" | base64 -w0)\"}" >/dev/null
got=$(curl -sSf "$S/v1/credentials/$WALLET/github.com" -H "Authorization: Bearer $TOKEN" | jq -er .data | base64 -d)
[[ "$got" == "$PLAIN" ]] || fail "the credential did not read back"
"$ev" agent revoke "$AGENT" --suri-file "$dir/wallet.suri" --timeout 120 >>"$dir/logs/cli.log" 2>&1 ||
  fail "the revocation was not carried out: $(tail -5 "$dir/logs/cli.log")"

kill -TERM "$pid"
wait "$pid" || true
pid=""
cp "$dir/data/serve.log" "$dir/data/rotate.log" "$dir/logs/"

# The needles.
needles=()
add() { [[ -n "$2" ]] || fail "empty needle $1"; needles+=("$1=$2"); }
add plaintext "$PLAIN"
add plaintext-base64 "$(printf '%s' "$PLAIN" | base64 -w0)"
add plaintext-hex "$(printf '%s' "$PLAIN" | od -An -tx1 | tr -d ' \n')"
add token "$TOKEN"
add login-signature "${SIG#0x}"
for suri in //Bob //Charlie //Dave //Eve //Ferdie; do
  for scheme in sr25519 ed25519 ecdsa; do
    seed=$("$ev" key inspect "$suri" --scheme $scheme --output json | jq -er .secretSeed)
    add "seed-$suri-$scheme" "${seed#0x}"
  done
done
n_files=0
for f in "$dir/data/enclave"/*; do
  [[ -f "$f" ]] || continue
  n_files=$((n_files + 1))
  add "$(basename "$f")-hex" "$(od -An -tx1 "$f" | tr -d ' \n' | cut -c1-64)"
  add "$(basename "$f")-base64" "$(base64 -w0 "$f" | cut -c1-40)"
done
((n_files >= 2)) || fail "expected the platform secret and the sealed seed in $dir/data/enclave"

# Each needle is found when planted (case-insensitively, as the scan below searches).
cp -r "$dir/logs" "$dir/planted"
for nv in "${needles[@]}"; do
  v="${nv#*=}"
  printf 'x%sx\n' "${v^^}" >>"$dir/planted/serve.log"
done
for nv in "${needles[@]}"; do
  grep -rqiaF -- "${nv#*=}" "$dir/planted" || fail "the scan cannot find needle ${nv%%=*}"
done

hits=0
for nv in "${needles[@]}"; do
  if grep -rliaF -- "${nv#*=}" "$dir/logs" >"$dir/where"; then
    echo "HIT: ${nv%%=*} in $(tr '\n' ' ' <"$dir/where")"
    hits=$((hits + 1))
  fi
done
lines=$(cat "$dir/logs"/* | wc -l)
echo "scanned $(ls "$dir/logs" | wc -l) logs ($lines lines) for ${#needles[@]} secrets: $hits hit(s)"
((hits == 0)) || fail "secrets in the logs"
grep -q "destroyed wallet" "$dir/logs/rotate.log" || fail "rotate.log has no destruction: the scan saw too little"
echo "OK: no secret in any log"
