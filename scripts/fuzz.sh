#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build/fuzz) and runs each for
# ATELIER_FUZZ_SECONDS (default 15; 3 minutes at most in all). A crash, leak
# or sanitizer report fails the run; the reproducer is left in build/fuzz/crashes.
# ATELIER_FUZZ_SEED (default 1) makes a run repeatable; set it to 0 for a
# random seed when fuzzing for longer by hand.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${ATELIER_FUZZ_SECONDS:-15}"
seed="${ATELIER_FUZZ_SEED:-1}"
build_dir="$root/build/fuzz"
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake --preset fuzz -S "$root" >/dev/null
fi
cmake --build "$build_dir" -j "${ATELIER_JOBS:-$(nproc)}"

targets=$(find "$build_dir/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort)
count=$(echo "$targets" | grep -c . || true)
[ "$count" -gt 0 ] || { echo "fuzz: no targets built" >&2; exit 1; }
# Keep the whole fuzzing stage within 180 s.
max_each=$((180 / count))
[ "$seconds" -gt "$max_each" ] && seconds=$max_each

mkdir -p "$build_dir/crashes"
passed=0
failed=0
for t in $targets; do
  name=$(basename "$t")
  fmt=${name#fuzz_}
  corpus="$build_dir/corpus/$fmt"
  mkdir -p "$corpus"
  seeds="$root/tests/fuzz/corpus/$fmt"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
  if "$t" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=10 -seed="$seed" \
       -artifact_prefix="$build_dir/crashes/$name-" -print_final_stats=1 "$corpus" \
       >"$build_dir/$name.log" 2>&1; then
    passed=$((passed + 1))
    echo "fuzz: $name ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$build_dir/$name.log" | awk '{print $2}' || echo '?') runs, ${seconds}s)"
  else
    echo "fuzz: $name FAILED; log: $build_dir/$name.log" >&2
    tail -n 30 "$build_dir/$name.log" >&2
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
