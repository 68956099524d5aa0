#!/usr/bin/env bash
# Runs a command that needs the pinned npm packages of tests/interop/package-lock.json.
#   tests/interop/with-npm.sh <command> [args...]
# Installs them into tests/interop/node_modules when missing or stale; exits 77 (skipped) when
# Node.js >= 20 is missing. Exit code: the command's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -eq 0 ]]; then echo "with-npm.sh: no command given" >&2; exit 2; fi
if ! command -v node >/dev/null || (($(node -p 'process.versions.node.split(".")[0]') < 20)); then
  echo "SKIPPED: needs Node.js >= 20 (found: $(node --version 2>/dev/null || echo none))"
  exit 77
fi
lock_stamp="$here/node_modules/.epochvault-lock.sha256"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [[ ! -f "$lock_stamp" || "$(cat "$lock_stamp")" != "$want" ]]; then
  (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >&2
  echo "$want" >"$lock_stamp"
fi
exec "$@"
