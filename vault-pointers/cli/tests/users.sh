#!/usr/bin/env bash
# The user's commands on a dev stack (`epochvault dev`: node, serve and rotate workers):
#   - docs/api.md's curl recipe, run exactly as printed there (grant, login, store, read back);
#   - chain metadata, chain storage by partial key with UUIDs and text service names;
#   - Sudo.RequireSudo names the sudo key; secret URIs from a file and the environment;
#   - wallet status, agent authorize / list / revoke (waiting for rotation, sweep and
#     destruction), and revoke's exit codes (no such grant 3, already revoked 4, timeout 5).
#   users.sh <path to epochvault> <path to docs/api.md>
set -euo pipefail
ev="${1:?path to the epochvault binary}"
api_md="${2:?path to docs/api.md}"
dir="$(mktemp -d)"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -CONT $(pgrep -P "$pid" 2>/dev/null) 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    sleep 1
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [[ -f "$dir/log" ]] && tail -20 "$dir/log" >&2
  [[ -f "$dir/data/rotate.log" ]] && tail -20 "$dir/data/rotate.log" >&2
  exit 1
}
jqf() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
account() { "$ev" key inspect "$1" --scheme ed25519 --output json | jqf 'd["ss58Address"]'; }

"$ev" dev --data-dir "$dir/data" --rpc-port 0 --serve-port 0 --poll-ms 300 >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  [[ -f "$dir/data/endpoints.json" ]] && break
  kill -0 "$pid" 2>/dev/null || fail "epochvault dev exited early"
  sleep 0.1
done
[[ -f "$dir/data/endpoints.json" ]] || fail "no endpoints.json after 60 s"
grep -q "sudo: .*//Alice with --scheme ecdsa only" "$dir/log" || fail "the dev banner does not name the sudo key"
export EPOCHVAULT_URL="$(jqf 'd["node_rpc"]' <"$dir/data/endpoints.json")"
serve="$(jqf 'd["serve"]' <"$dir/data/endpoints.json")"
mkdir "$dir/bin" && ln -s "$(realpath "$ev")" "$dir/bin/epochvault"
export PATH="$dir/bin:$PATH"
dave="$(account //Dave)"; eve="$(account //Eve)"; ferdie="$(account //Ferdie)"

# --- friction -----------------------------------------------------------------------------------
"$ev" key inspect "$dave" | grep -q "Account ID: *0x" || fail "key inspect of an SS58 address"
hex="$("$ev" key inspect "$dave" --output json | jqf 'd["accountId"]')"
[[ "$("$ev" key inspect "$hex" --output json | jqf 'd["ss58Address"]')" == "$dave" ]] ||
  fail "key inspect of a hex account id"
"$ev" chain metadata VaultPointers | grep -q "revoke_agent(agent: AccountId)" || fail "chain metadata calls"
"$ev" chain metadata VaultPointers --output json | jqf 'len(d["storage"])' | grep -qx 8 ||
  fail "chain metadata storage items"
rc=0
"$ev" chain call Sudo sudo '[{"System":{"remark":{"remark":"hi"}}}]' --suri //Alice \
  --scheme ed25519 >/dev/null 2>"$dir/err" || rc=$?
[[ "$rc" == 1 ]] || fail "sudo by //Alice ed25519: exit $rc"
sudo_key="$("$ev" key inspect //Alice --scheme ecdsa --output json | jqf 'd["ss58Address"]')"
grep -q "Sudo.RequireSudo (the sudo key is $sudo_key" "$dir/err" || fail "RequireSudo: $(cat "$dir/err")"
echo "//Alice" >"$dir/sudo.suri"
"$ev" chain call Sudo sudo '[{"System":{"remark":{"remark":"hi"}}}]' --suri-file "$dir/sudo.suri" \
  --scheme ecdsa --output json | grep -q '"success":true' || fail "sudo with --suri-file"
# docs/formats/json-codec.md's other form of a nested call, {"pallet","call","args"}, on the
# dev node's V14 metadata (its call type is the UncheckedExtrinsic's `Call` parameter).
"$ev" chain call Sudo sudo '[{"pallet":"System","call":"remark","args":["0x01"]}]' \
  --suri-file "$dir/sudo.suri" --scheme ecdsa --output json | grep -q '"success":true' ||
  fail "sudo with a {pallet, call, args} nested call"

# --- docs/api.md's recipe, as printed ----------------------------------------------------------
awk '/^## curl/{c=1} c&&/^```sh/{r=1;next} r&&/^```/{exit} r' "$api_md" >"$dir/recipe.sh"
[[ -s "$dir/recipe.sh" ]] || fail "no recipe in $api_md"
S="$serve" bash "$dir/recipe.sh" >"$dir/recipe.out" 2>&1 || { cat "$dir/recipe.out" >&2; fail "the api.md recipe"; }
grep -q "ghp_secret" "$dir/recipe.out" || fail "the recipe did not read the credential back"
# A second agent of the same wallet, granted write too, replaces the wallet's github.com
# credential (the recipe again, for //Ferdie): one credential per service and name, and the
# pointer names its new writer.
S="$serve" AGENT_SURI=//Ferdie bash "$dir/recipe.sh" >"$dir/recipe2.out" 2>&1 ||
  { cat "$dir/recipe2.out" >&2; fail "the recipe for //Ferdie"; }

# chain storage: every pointer of the wallet (a partial key), UUIDs and text service names.
"$ev" chain storage VaultPointers Pointers "$dave" >"$dir/pointers"
[[ "$(wc -l <"$dir/pointers")" == 1 ]] || fail "expected 1 pointer: $(cat "$dir/pointers")"
[[ "$(head -1 "$dir/pointers" | jqf 'd["value"]["agent"]')" == "$ferdie" ]] ||
  fail "the pointer's writer is not //Ferdie: $(cat "$dir/pointers")"
uuid="$(head -1 "$dir/pointers" | jqf 'd["keys"][1]')"
[[ "$uuid" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] || fail "blob id not a UUID: $uuid"
"$ev" chain storage VaultPointers Pointers "$dave" "$uuid" | jqf 'd["service"]' | grep -qx github.com ||
  fail "chain storage by UUID"
"$ev" chain storage VaultPointers Pointers "$dave" "$uuid" --output json | jqf 'd["service"]' |
  grep -qx 0x6769746875622e636f6d || fail "chain storage --output json keeps hex"
[[ "$("$ev" chain storage VaultPointers Workers | wc -l)" == 2 ]] || fail "chain storage of a map with no key"
[[ "$("$ev" chain storage VaultPointers Pointers "$dave" --limit 1 | wc -l)" == 1 ]] || fail "--limit"
rc=0; "$ev" chain storage VaultPointers Epochs "$dave" "$dave" 2>"$dir/err" || rc=$?
[[ "$rc" == 2 ]] && grep -q "takes 1 key(s), got 2" "$dir/err" || fail "too many keys: exit $rc"
"$ev" chain events --pallet VaultPointers --from 1 | grep -q '"service":"github.com"' ||
  fail "chain events with text service names"

# --- wallet status, agent list -----------------------------------------------------------------
"$ev" wallet status "$dave" --output json >"$dir/status1"
[[ "$(jqf 'd["epochs"]["current"]["epoch"]' <"$dir/status1")" == 1 ]] || fail "status: epoch"
[[ "$(jqf '[b["count"] for b in d["blobs"] if b["service"]=="github.com" and b["epoch"]==1][0]' <"$dir/status1")" == 1 ]] ||
  fail "status: blobs per service and epoch: $(cat "$dir/status1")"
[[ "$(jqf 'sorted(w["role"] for w in d["workers"] if w["approved"])' <"$dir/status1")" == "['Rotate', 'Serve']" ]] ||
  fail "status: workers"
"$ev" wallet status "$dave" | grep -q "current   1 since" || fail "status: text"
"$ev" agent list "$dave" --output json | jqf 'sorted(g["agent"] for g in d)' | grep -q "$eve" || fail "agent list"

# --- agent revoke: exit codes ------------------------------------------------------------------
export EPOCHVAULT_SURI=//Dave
rc=0; "$ev" agent revoke "$(account //Charlie)" 2>"$dir/err" || rc=$?
[[ "$rc" == 3 ]] && grep -q "no grant" "$dir/err" || fail "revoke without grant: exit $rc $(cat "$dir/err")"

# --- agent revoke, waiting: rotation, sweep, destruction ----------------------------------------
"$ev" agent revoke "$eve" --timeout 120 --output json >"$dir/revoke" 2>"$dir/err" ||
  fail "agent revoke: $(cat "$dir/err")"
[[ "$(jqf 'd["old_epoch"], d["new_epoch"]' <"$dir/revoke")" == "(1, 2)" ]] || fail "revoke: epochs $(cat "$dir/revoke")"
[[ "$(jqf 'd["blobs_removed"], d["blobs_moved"]' <"$dir/revoke")" == "(0, 1)" ]] ||
  fail "revoke: the credential moved, nothing removed: $(cat "$dir/revoke")"
[[ "$(jqf 'd["objects_deleted"] >= 1 and d["destroyed_in"] > d["rotated_in"] > d["revoked_in"]' <"$dir/revoke")" == True ]] ||
  fail "revoke: destruction $(cat "$dir/revoke")"
"$ev" wallet status "$dave" --output json >"$dir/status2"
[[ "$(jqf 'd["epochs"]["current"]["epoch"], d["epochs"]["destroyed"], d["epochs"]["draining"]' <"$dir/status2")" == "(2, [1], [])" ]] ||
  fail "status after revoke: $(cat "$dir/status2")"
[[ "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([g["revoked_at"] for g in d["grants"] if g["agent"]==sys.argv[2]][0] is not None)' "$dir/status2" "$eve")" == True ]] ||
  fail "status: Eve's grant revoked"
rc=0; "$ev" agent revoke "$eve" 2>"$dir/err" || rc=$?
[[ "$rc" == 4 ]] && grep -q "was revoked at block" "$dir/err" || fail "revoke twice: exit $rc"

# --- a rotation that does not come: exit 5 (the rotate worker is paused) -----------------------
rotate_pid="$(pgrep -P "$pid" -f epochvault-rotate)" || fail "no rotate worker child"
kill -STOP "$rotate_pid"
rc=0; "$ev" agent revoke "$ferdie" --timeout 3 2>"$dir/err" >/dev/null || rc=$?
kill -CONT "$rotate_pid"
[[ "$rc" == 5 ]] && grep -q "no rotation away from epoch 2 within 3 s" "$dir/err" ||
  fail "revoke timeout: exit $rc $(cat "$dir/err")"
# --no-wait returns after inclusion.
"$ev" agent authorize "$eve" --services mail --output json | grep -q '"services":\["mail"\]' || fail "re-authorize"
"$ev" agent revoke "$eve" --no-wait --output json | grep -q '"revoked_in":' || fail "revoke --no-wait"

# The secret URI from a prompt on a terminal (a pseudo-terminal here), without echo: the answer
# is typed only once the prompt is shown, as a person would.
out="$(env -u EPOCHVAULT_SURI python3 - "$ev" "$(account //Charlie)" <<'PY'
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "agent", "authorize", sys.argv[2], "--services", "mail"])
out = b""
deadline = time.time() + 60
typed = False
while time.time() < deadline:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if not typed and b"secret URI of the wallet: " in out:
        time.sleep(0.2)
        os.write(fd, b"//Dave\n")
        typed = True
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
PY
)"
grep -q "secret URI of the wallet" <<<"$out" && grep -q "authorized agent" <<<"$out" ||
  fail "secret URI from a prompt: $out"
if grep -q "//Dave" <<<"$out"; then fail "the prompt echoed the secret URI"; fi

kill -TERM "$pid"
wait "$pid" || true
pid=""
echo "users: all steps held"
