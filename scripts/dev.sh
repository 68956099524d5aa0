#!/usr/bin/env bash
# Builds and runs the main job: the whole stack on the embedded default (`epochvault dev`):
# the dev node, a local-directory store, the SQLite mirror and both enclave workers
# (epochvault-serve, epochvault-rotate). Data in ./epochvault-dev unless --data-dir is given;
# Ctrl-C stops everything.
#   scripts/dev.sh [--data-dir DIR] [--rpc-port N] [--serve-port N] [--block-time MS]
#                  [--rotation-period SECONDS] [--poll-ms MS]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

"$ROOT/scripts/bootstrap.sh"
mkdir -p "$ROOT/build"
configure "$ROOT/build/main" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$ROOT/build/main" -j "$JOBS" --target epochvault epochvault-devnode epochvault-serve \
  epochvault-rotate
exec "$ROOT/build/main/vault-pointers/cli/epochvault" dev "$@"
