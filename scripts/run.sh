#!/usr/bin/env bash
# Builds (installing what is missing) and launches Atelier. With no arguments
# it opens the demo project (`atelier --demo`: made on the first start from
# simulated cryo-EM sessions and the sample files in ../shared/data); without
# a display the app says so and runs the demo headless. Other arguments go to
# the app; --cli runs `atelier-cli info` on the sample data (or on the files
# given) instead.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh"
bin="$root/build/${ATELIER_PRESET:-release}/bin"
data="$root/../shared/data"
if [ "${1:-}" = "--cli" ]; then
  shift
  if [ $# -eq 0 ] && [ -d "$data" ]; then
    mapfile -t files < <(find "$data" -type f ! -name '*.md' ! -name '*.json' | sort)
    set -- "${files[@]}"
  fi
  exec "$bin/atelier-cli" info "$@"
fi
[ $# -eq 0 ] && set -- --demo
if [ -d "$data" ] && [ -z "${ATELIER_SAMPLE_DATA:-}" ]; then
  export ATELIER_SAMPLE_DATA="$(cd "$data" && pwd)"
fi
exec "$bin/atelier" "$@"
