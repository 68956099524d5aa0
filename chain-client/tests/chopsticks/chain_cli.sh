#!/usr/bin/env bash
# `epochvault chain info|call|storage|events` against Chopsticks (EV_CHOPSTICKS_URL and
# EV_CHOPSTICKS_HTTP_URL, set by tests/interop/with-chopsticks.sh; blocks built per
# transaction). Each step checks the command's exit code and output.
#   chain_cli.sh <path to epochvault>
set -euo pipefail
ev="${1:?path to the epochvault binary}"
: "${EV_CHOPSTICKS_URL:?run under tests/interop/with-chopsticks.sh}"
: "${EV_CHOPSTICKS_HTTP_URL:?run under tests/interop/with-chopsticks.sh}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
err="$tmp/stderr"
fail() { echo "FAIL: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

echo "== chain info (ws and http)"
info="$("$ev" chain info --url "$EV_CHOPSTICKS_URL" --output json)"
[[ "$(json 'd["chain"]' <<<"$info")" == "asset-hub-rococo" ]] || fail "chain name: $info"
[[ "$(json 'd["specName"]' <<<"$info")" == "statemine" ]] || fail "spec name: $info"
[[ "$(json 'd["metadataVersion"]' <<<"$info")" == "14" ]] || fail "metadata version: $info"
[[ "$(json '"Utility" in [p["name"] for p in d["pallets"]]' <<<"$info")" == "True" ]] || fail "pallets"
"$ev" chain info --url "$EV_CHOPSTICKS_HTTP_URL" | grep -q '^genesis hash: *0x4545' || fail "text info"

echo "== fund //Alice (ed25519) through dev_setStorage"
addr="$("$ev" key inspect //Alice --scheme ed25519 --output json | json 'd["ss58Address"]')"
curl -sf -H 'content-type: application/json' \
  -d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"dev_setStorage\",\"params\":[{\"System\":{\"Account\":[[[\"$addr\"],{\"providers\":1,\"data\":{\"free\":\"1000000000000000\"}}]]}}]}" \
  "$EV_CHOPSTICKS_HTTP_URL" | grep -q '"result"' || fail "dev_setStorage"

echo "== chain call, positional args, mortal, WebSocket"
out="$("$ev" chain call System remark_with_event '["0x1234"]' --suri //Alice --scheme ed25519 \
  --url "$EV_CHOPSTICKS_URL")"
echo "$out"
grep -q '^result: *success' <<<"$out" || fail "call result"
grep -q '^event: *System.Remarked' <<<"$out" || fail "Remarked event"

echo "== chain call, named args, immortal, HTTP, JSON output"
out="$("$ev" chain call System remark_with_event '{"remark":"0x99"}' --suri //Alice \
  --scheme ed25519 --url "$EV_CHOPSTICKS_HTTP_URL" --immortal --output json)"
[[ "$(json 'd["success"]' <<<"$out")" == "True" ]] || fail "json success: $out"
[[ "$(json '[e["name"] for e in d["events"] if e["pallet"]=="System"]' <<<"$out")" == *Remarked* ]] ||
  fail "json events: $out"
block="$(json 'd["blockNumber"]' <<<"$out")"
hash="$(json 'd["blockHash"]' <<<"$out")"

echo "== chain storage System Account (nonce counted both calls)"
acct="$("$ev" chain storage System Account "$addr" --url "$EV_CHOPSTICKS_URL")"
[[ "$(json 'd["nonce"]' <<<"$acct")" == "2" ]] || fail "nonce: $acct"
acct_then="$("$ev" chain storage System Account "$addr" --url "$EV_CHOPSTICKS_URL" --at "$hash")"
[[ "$(json 'd["nonce"]' <<<"$acct_then")" == "2" ]] || fail "nonce at $hash: $acct_then"

echo "== chain events of that block"
"$ev" chain events --url "$EV_CHOPSTICKS_URL" --from "$block" --to "$block" --pallet System \
  | grep -q '"name":"Remarked"' || fail "events"

echo "== bad input: one stderr line, non-zero exit"
if "$ev" chain call System no_such_call '[]' --suri //Alice --scheme ed25519 \
  --url "$EV_CHOPSTICKS_URL" 2>"$err"; then fail "unknown call accepted"; fi
[[ "$(wc -l <"$err")" == "1" ]] && grep -q 'no_such_call' "$err" || fail "error line: $(cat "$err")"

echo "== chain call signed with sr25519 (the real runtime verifies MultiSignature::Sr25519)"
sr="$("$ev" key inspect //Alice --scheme sr25519 --output json | json 'd["ss58Address"]')"
curl -sf -H 'content-type: application/json' \
  -d "{\"id\":2,\"jsonrpc\":\"2.0\",\"method\":\"dev_setStorage\",\"params\":[{\"System\":{\"Account\":[[[\"$sr\"],{\"providers\":1,\"data\":{\"free\":\"1000000000000000\"}}]]}}]}" \
  "$EV_CHOPSTICKS_HTTP_URL" | grep -q '"result"' || fail "dev_setStorage sr25519"
out="$("$ev" chain call System remark_with_event '["0x5a"]' --suri //Alice --scheme sr25519 \
  --url "$EV_CHOPSTICKS_URL")"
grep -q '^result: *success' <<<"$out" || fail "sr25519 call result: $out"
grep -q "System.Remarked.*$sr" <<<"$out" || fail "sr25519 Remarked event from $sr: $out"
echo "chain CLI: all steps held"
