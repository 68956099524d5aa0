#!/usr/bin/env bash
# systemd-analyze verify of the units in scripts/systemd/, against the build tree's executables.
#   verify_units.sh <units dir> <epochvault-serve> <epochvault-rotate> <epochvault-devnode>
# The units name /usr/local/bin/<executable>; verify checks that ExecStart's binary exists, so a
# copy of the units with those paths replaced by the given executables is verified. Any message
# from verify (error or warning) fails the test, as does an example config (serve.json,
# rotate.json) the worker refuses. Exit 77 (skip) when systemd-analyze is absent.
set -euo pipefail
units="$1" serve="$2" rotate="$3" devnode="$4"
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze not installed (Debian package systemd; scripts/bootstrap.sh)"
  exit 77
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
n=0
for unit in "$units"/*.service; do
  sed -e "s|/usr/local/bin/epochvault-serve|$serve|g" \
      -e "s|/usr/local/bin/epochvault-rotate|$rotate|g" \
      -e "s|/usr/local/bin/epochvault-devnode|$devnode|g" "$unit" >"$work/$(basename "$unit")"
  n=$((n + 1))
done
if ((n != 3)); then
  echo "FAIL: expected 3 units in $units, found $n"
  exit 1
fi
if grep -h '^ExecStart=' "$work"/*.service | grep -q '/usr/local/bin/'; then
  echo "FAIL: an ExecStart names an executable this test does not substitute"
  exit 1
fi
status=0
out="$(cd "$work" && systemd-analyze verify --man=no ./*.service 2>&1)" || status=$?
if [[ -n "$out" || $status -ne 0 ]]; then
  echo "FAIL: systemd-analyze verify (exit $status):"
  echo "$out"
  exit 1
fi
# The example configuration files the worker units read are accepted by the workers.
for role in serve rotate; do
  exe="$serve"
  [[ $role == rotate ]] && exe="$rotate"
  if ! "$exe" --config "$units/$role.json" --help >/dev/null; then
    echo "FAIL: epochvault-$role refuses $units/$role.json"
    exit 1
  fi
done
echo "OK: systemd-analyze verify of $n units: no message; serve.json and rotate.json accepted"
