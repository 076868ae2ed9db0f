#!/usr/bin/env bash
# Builds (installing what is missing) and launches Atelier. Arguments go to
# the app. With no display, or with --cli, it runs `atelier-cli info` on the
# sample data instead.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh"
bin="$root/build/${ATELIER_PRESET:-release}/bin"
if [ "${1:-}" = "--cli" ] || { [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; }; then
  [ "${1:-}" = "--cli" ] && shift
  data="$root/../shared/data"
  if [ $# -eq 0 ] && [ -d "$data" ]; then
    mapfile -t files < <(find "$data" -type f ! -name '*.md' ! -name '*.json' | sort)
    set -- "${files[@]}"
  fi
  exec "$bin/atelier-cli" info "$@"
fi
exec "$bin/atelier" "$@"
