#!/usr/bin/env bash
# Credential GET latency and throughput of epochvault-serve over HTTP, with wrk.
#   bench/serve_wrk.sh [duration (default 20s)] [threads (2)] [connections (8)]
# Builds the CLI and both workers (Release) into build/bench, starts
# `epochvault dev --data-dir <tmp> --rpc-port 0 --serve-port 0 --rotation-period P` (dev node,
# directory store, both workers), gets a token for //Dave (ed25519) acting as its own agent
# (challenge -> `epochvault key sign` -> token), PUTs one 256-byte credential, then runs
#   wrk -t<threads> -c<connections> -d<duration> --latency -H "Authorization: Bearer <token>" \
#     <serve>/v1/credentials/<wallet>/bench
# and prints p50/p99 latency and requests per second; then the same with "Connection: close"
# (a new connection per request). Then it waits for the rotate worker's
# scheduled rotation (P seconds after it first saw the epoch), GETs the credential once at once
# (when the GET arrives before the rotate worker's sweep, serve re-encrypts it lazily and answers
# "reencrypted": true) and runs wrk a second time on the new epoch. The stack is stopped at the
# end whatever the outcome. wrk is the Debian package `wrk`: installed with apt-get when missing
# and running as root, else the script stops with a message.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
duration="${1:-20s}"
threads="${2:-2}"
conns="${3:-8}"
period="${EV_ROTATION_PERIOD:-60}"

if ! command -v wrk >/dev/null; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "wrk not found: installing the Debian package" >&2
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
  fi
  command -v wrk >/dev/null || { echo "SKIPPED: wrk not found (apt-get install wrk)" >&2; exit 77; }
fi
for bin in curl python3; do
  command -v "$bin" >/dev/null || { echo "SKIPPED: $bin not found" >&2; exit 77; }
done

build="${EV_BENCH_BUILD:-$root/build/bench}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEV_TESTS=OFF -DEV_BENCH=ON \
  $(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache) >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target epochvault epochvault-serve epochvault-rotate \
  >/dev/null
cli="$build/vault-pointers/cli/epochvault"

work="$(mktemp -d "${TMPDIR:-/tmp}/ev-serve-wrk.XXXXXX")"
dev_pid=""
cleanup() {
  if [[ -n "$dev_pid" ]]; then
    kill -TERM "$dev_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$dev_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$dev_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"$cli" dev --data-dir "$work/dev" --rpc-port 0 --serve-port 0 --rotation-period "$period" \
  >"$work/dev.out" 2>&1 &
dev_pid=$!
for _ in $(seq 1 600); do
  [[ -f "$work/dev/endpoints.json" ]] && break
  kill -0 "$dev_pid" 2>/dev/null || { cat "$work/dev.out" >&2; exit 1; }
  sleep 0.1
done
[[ -f "$work/dev/endpoints.json" ]] || { echo "epochvault dev did not start" >&2; exit 1; }
serve="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["serve"])' \
  "$work/dev/endpoints.json")"
for _ in $(seq 1 300); do
  curl -sf "$serve/healthz" >/dev/null && break
  sleep 0.1
done

wallet="$("$cli" key inspect //Dave --scheme ed25519 --output json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["accountId"])')"
service=bench

# Token for //Dave acting as its own agent.
challenge="$(curl -sf -XPOST "$serve/v1/auth/challenge" -H 'Content-Type: application/json' \
  -d "{\"wallet\":\"$wallet\",\"agent\":\"$wallet\"}")"
read -r cid msg_hex < <(python3 -c '
import json, sys
c = json.loads(sys.argv[1])
print(c["challenge_id"], "0x" + b"<Bytes>".hex() + c["message"].encode().hex() + b"</Bytes>".hex())' "$challenge")
sig="$("$cli" key sign --suri //Dave --scheme ed25519 --message "$msg_hex")"
token="$(curl -sf -XPOST "$serve/v1/auth/token" -H 'Content-Type: application/json' \
  -d "{\"challenge_id\":\"$cid\",\"scheme\":\"ed25519\",\"signature\":\"$sig\"}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
auth="Authorization: Bearer $token"
url="$serve/v1/credentials/$wallet/$service"

data="$(head -c 256 /dev/urandom | base64 -w0)"
put="$(curl -sf -XPUT "$url" -H "$auth" -d "{\"data\":\"$data\"}")"
put_epoch="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["epoch"])' "$put")"
echo "PUT 256-byte credential: epoch $put_epoch" >&2
got="$(curl -sf "$url" -H "$auth" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"])')"
[[ "$got" == "$data" ]] || { echo "GET returned other data" >&2; exit 1; }

# run_wrk <label> [extra wrk arguments] -> one markdown row
run_wrk() {
  local label="$1"
  shift
  wrk -t"$threads" -c"$conns" -d"$duration" --latency -H "$auth" "$@" "$url" >"$work/wrk.txt"
  python3 - "$work/wrk.txt" "$label" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v):
    n, unit = float(re.match(r"([\d.]+)", v).group(1)), re.sub(r"[\d.]", "", v)
    return n * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]
p = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", text, re.M))
rps = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
errs = re.search(r"Socket errors:.*", text)
total = re.search(r"(\d+) requests in", text).group(1)
print(f"| {sys.argv[2]} | {ms(p['50']):.2f} | {ms(p['99']):.2f} | {float(rps):.0f} | {total} | "
      f"{bad.group(1) if bad else 0} | {errs.group(0) if errs else '-'} |")
PY
}

echo "| run | p50 (ms) | p99 (ms) | requests/s | requests | non-2xx | socket errors |"
echo "|---|---|---|---|---|---|---|"
run_wrk "GET 256 B credential, epoch $put_epoch"
# The same with a new connection per request: separates per-request work from what happens on a
# kept-alive connection.
run_wrk "GET, Connection: close (epoch $put_epoch)" -H "Connection: close"

# Wait for the scheduled rotation, then GET once at once.
status() {
  curl -sf "$serve/v1/wallets/$wallet/status" -H "$auth" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["current_epoch"])'
}
rotated=""
for _ in $(seq 1 $((period * 20 + 200))); do
  if [[ "$(status)" != "$put_epoch" ]]; then rotated=yes; break; fi
  sleep 0.05
done
[[ -n "$rotated" ]] || { echo "no rotation within $((period + 10)) s" >&2; exit 1; }
first="$(curl -sf -w '\n%{time_total}' "$url" -H "$auth")"
python3 - "$first" >&2 <<'PY'
import json, sys
body, t = sys.argv[1].rsplit("\n", 1)
j = json.loads(body)
print(f"first GET after the rotation: {float(t) * 1000:.1f} ms, epoch {j['epoch']}, "
      f"reencrypted: {str(j['reencrypted']).lower()}")
PY
run_wrk "GET after the rotation (epoch $(status))"
