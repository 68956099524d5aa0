#!/usr/bin/env bash
# scripts/runbook.py fails (exit 1) at the first failing step, names it, and runs no later step.
#   runbook_selftest.sh <runbook.py> <build dir> <stops.md>
set -uo pipefail
out="$(python3 "$1" --build "$2" --keep "$3" 2>&1)"
rc=$?
echo "$out"
root="$(echo "$out" | sed -n 's/^runbook: kept //p')"
trap '[[ -n "$root" ]] && rm -rf "$root"' EXIT
[[ $rc == 1 ]] || { echo "FAIL: exit $rc, expected 1"; exit 1; }
echo "$out" | grep -q 'FAILED at .*stops.md step 2' || { echo "FAIL: the failing step is not named"; exit 1; }
echo "$out" | grep -q '^this step fails' || { echo "FAIL: the step's output is not shown"; exit 1; }
[[ -n "$root" && -f "$root/src/first-step-ran" ]] || { echo "FAIL: step 1 did not run"; exit 1; }
[[ ! -e "$root/src/must-not-run" ]] || { echo "FAIL: a step after the failure ran"; exit 1; }
echo "OK: the runner stopped at step 2 of 3"
