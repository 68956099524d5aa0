#!/usr/bin/env bash
# Formatting (clang-format) and static checks (clang-tidy) over the project's own sources.
# Needs a configured build for compile_commands.json (scripts/test.sh makes build/main).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
echo "lint: clang-format on ${#files[@]} files"
clang-format --dry-run --Werror "${files[@]}"

if [[ -f build/main/compile_commands.json ]]; then
  mapfile -t srcs < <(git ls-files '*/src/*.cpp')
  echo "lint: clang-tidy on ${#srcs[@]} files"
  printf '%s\n' "${srcs[@]}" | xargs -P "$JOBS" -n 4 clang-tidy -p build/main --quiet \
    --extra-arg=-Wno-unknown-warning-option --warnings-as-errors='*' 2>/dev/null
else
  echo "lint: no build/main/compile_commands.json; run scripts/test.sh first for clang-tidy"
  exit 1
fi
echo "lint: clean"
