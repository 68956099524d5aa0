#!/usr/bin/env bash
# Builds and runs the main job: the whole stack on the embedded default (`epochvault dev`).
# Until the dev stack exists, it shows the CLI's help.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

"$ROOT/scripts/bootstrap.sh"
mkdir -p "$ROOT/build"
configure "$ROOT/build/main" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$ROOT/build/main" -j "$JOBS" --target epochvault
exec "$ROOT/build/main/vault-pointers/cli/epochvault" --help "$@"
