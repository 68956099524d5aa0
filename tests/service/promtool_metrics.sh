#!/usr/bin/env bash
# `promtool check metrics` on both workers' real /metrics output (docs/metrics.md): a dev stack
# (`epochvault dev`) tells the demo's story first, so every counter and label has been used, then
# each worker's output must pass promtool with no message at all, and every metric docs/metrics.md
# lists must be present (and no undocumented one). Exit 77 (skip) without promtool.
#   promtool_metrics.sh <path to epochvault> <path to docs/metrics.md>
set -euo pipefail
ev="${1:?path to the epochvault binary}"
doc="${2:?path to docs/metrics.md}"
if ! command -v promtool >/dev/null 2>&1; then
  echo "SKIP: promtool not installed (Debian package prometheus; scripts/bootstrap.sh)"
  exit 77
fi
dir="$(mktemp -d)"
source "$(dirname "${BASH_SOURCE[0]}")/dev_stack.bash"
fail() { echo "FAIL: $*" >&2; [[ -f "$dir/log" ]] && tail -20 "$dir/log" >&2; exit 1; }

start_dev_stack "$ev" "$dir/log"
"$ev" demo --endpoints "$dir/data/endpoints.json" >"$dir/demo.out" 2>&1 ||
  { cat "$dir/demo.out" >&2; fail "the demo on the stack"; }
serve="$(jq -er .serve "$dir/data/endpoints.json")"
health="$(jq -er .rotate_health "$dir/data/endpoints.json")"
curl -sf "$serve/metrics" >"$dir/serve.prom" || fail "serve /metrics"
curl -sf "$health/metrics" >"$dir/rotate.prom" || fail "rotate /metrics"

# The names docs/metrics.md documents: the first column of its tables, `epochvault_...`.
{ grep -oE '^\| `epochvault_[a-z_]+`' "$doc" || true; } | tr -d '|` ' | sort -u >"$dir/documented"
[[ -s "$dir/documented" ]] || fail "no metric in $doc"
status=0
for w in serve rotate; do
  out="$(promtool check metrics <"$dir/$w.prom" 2>&1)" || status=$?
  if [[ -n "$out" || $status -ne 0 ]]; then
    cat "$dir/$w.prom" >&2
    fail "promtool check metrics on $w's /metrics (exit $status): $out"
  fi
  n="$(grep -c '^# TYPE ' "$dir/$w.prom")"
  echo "$w: $n metric families, promtool: no message"
done
cat "$dir/serve.prom" "$dir/rotate.prom" | sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' | sort -u >"$dir/exposed"
if ! diff -u "$dir/documented" "$dir/exposed"; then
  fail "docs/metrics.md and the exposed metrics differ (- documented only, + exposed only)"
fi
# A used label appears: the demo's requests are counted by route and status.
grep -q '^epochvault_serve_requests_total{route="[a-z_]*",status="200"} [1-9]' "$dir/serve.prom" ||
  fail "no counted request in serve's metrics"
grep -q '^epochvault_rotate_epochs_destroyed_total [1-9]' "$dir/rotate.prom" ||
  fail "the demo's destruction is not counted"
echo "OK: both workers' metrics pass promtool and match docs/metrics.md ($(wc -l <"$dir/exposed") metrics)"
