# Sourced by the service tests: `epochvault dev` in a throw-away directory, stopped on exit.
#   dir=$(mktemp -d); source dev_stack.bash; start_dev_stack EV LOGFILE
# After start_dev_stack, "$dir/data/endpoints.json" names every endpoint. Callers define fail().
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    sleep 1
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

start_dev_stack() {
  local ev="$1" log="$2"
  "$ev" dev --data-dir "$dir/data" --rpc-port 0 --serve-port 0 --poll-ms 300 >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    [[ -f "$dir/data/endpoints.json" ]] && return 0
    kill -0 "$pid" 2>/dev/null || fail "epochvault dev exited early"
    sleep 0.1
  done
  fail "no endpoints.json after 60 s"
}
