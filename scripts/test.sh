#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs ctest (GUI tests
# under Xvfb), then fuzzes every reader for a bounded time.
#   ATELIER_PRESET   build preset (default: release; CI uses ci)
#   ATELIER_FUZZ_SECONDS  seconds per fuzz target (default 15; 0 skips fuzzing)
#   extra arguments go to ctest (e.g. -L unit, -R mrc)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${CI:-}" = "true" ] && [ -z "${ATELIER_PRESET:-}" ]; then export ATELIER_PRESET=ci; fi
preset="${ATELIER_PRESET:-release}"
"$root/scripts/build.sh"

cd "$root/build/$preset"
runner=()
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null; then
  runner=(xvfb-run -a -s "-screen 0 1920x1080x24")
fi
"${runner[@]}" ctest --output-on-failure --label-exclude "bench|gpu" --timeout 300 \
  -j "$(nproc)" "$@"

if [ "${ATELIER_FUZZ_SECONDS:-15}" != "0" ] && [ $# -eq 0 ]; then
  "$root/scripts/fuzz.sh"
fi
