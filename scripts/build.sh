#!/usr/bin/env bash
# Configures and builds Atelier into build/<preset> (default: release).
# Shared by run.sh and test.sh; safe to call repeatedly (incremental).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
preset="${ATELIER_PRESET:-release}"
build_dir="$root/build/$preset"

"$root/scripts/install-deps.sh"

jobs="${ATELIER_JOBS:-$(nproc)}"
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake --preset "$preset" -S "$root" >/dev/null
fi
cmake --build "$build_dir" -j "$jobs"
