#!/usr/bin/env bash
# Builds and runs the main job: the whole stack on the embedded default (`epochvault dev`):
# the dev node, a local-directory store and the SQLite mirror (the enclave workers join when
# they are built). Data in ./epochvault-dev unless --data-dir is given; Ctrl-C stops it.
#   scripts/dev.sh [--data-dir DIR] [--rpc-port N] [--block-time MS]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

"$ROOT/scripts/bootstrap.sh"
mkdir -p "$ROOT/build"
configure "$ROOT/build/main" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$ROOT/build/main" -j "$JOBS" --target epochvault epochvault-devnode
exec "$ROOT/build/main/vault-pointers/cli/epochvault" dev "$@"
