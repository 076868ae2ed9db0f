#!/usr/bin/env bash
# On a machine with a GPU and only a compiler, CMake and the CUDA toolkit:
# builds the gpu-core preset, runs the gpu-labelled tests, then the issue's
# end-to-end training and denoising benchmarks next to PyTorch's with their
# ratios (scripts/gpu_ratios.py), then the per-op profile and comparisons,
# then the GPU micro-benchmarks (one JSON line each). cuDNN / NCCL headers
# from a Python wheel are found automatically (site-packages/nvidia/{cudnn,nccl}).
#
#   scripts/gpu-test.sh [STAGE...]   STAGE: build tests e2e extras micro, or all
#                                    (the default, in that order)
#
# Stages may run in separate calls (a machine that limits one command's time):
# each run appends to build/gpu-core/gpu-test.log under a dated header, and
# every run builds first (nothing to do when built). The stage that matters most for
# the issue, e2e, comes right after the tests.
#   OUT=dir    also copies the logs there after each stage
#   PEER=file  peer_unet_pytorch.py, when not in ../shared/bench or .device/bench
#   TEST_TIMEOUT=s  per gpu test (default 300)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$root/build/gpu-core"
log="$build_dir/gpu-test.log"
e2e="$build_dir/gpu-e2e.jsonl"
cli="$build_dir/bin/atelier-cli"
rc=0

stages=()
for s in "${@:-all}"; do
  case "$s" in
  all) stages+=(build tests e2e extras micro) ;;
  build | tests | e2e | extras | micro) stages+=("$s") ;;
  *)
    echo "gpu-test.sh: unknown stage '$s' (build tests e2e extras micro all)" >&2
    exit 2
    ;;
  esac
done

if [ -z "${CUDNN_ROOT:-}" ] || [ -z "${NCCL_ROOT:-}" ]; then
  site=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' 2>/dev/null || true)
  [ -z "${CUDNN_ROOT:-}" ] && [ -d "$site/nvidia/cudnn" ] && export CUDNN_ROOT="$site/nvidia/cudnn"
  [ -z "${NCCL_ROOT:-}" ] && [ -d "$site/nvidia/nccl" ] && export NCCL_ROOT="$site/nvidia/nccl"
fi

say() { echo "$@" | tee -a "$log"; }

# Runs a command with its output in the log; a failure fails the script after
# the rest has run.
logged() {
  "$@" 2>&1 | tee -a "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
}

# A build that fails ends the script, its output in the log (and in OUT).
build() {
  mkdir -p "$build_dir"
  if ! { cmake --preset gpu-core -S "$root" && cmake --build "$build_dir" -j "$(nproc)"; } \
    >"$build_dir/gpu-build.log" 2>&1; then
    tail -n 60 "$build_dir/gpu-build.log" | tee -a "$log"
    say "build failed (build/gpu-core/gpu-build.log)"
    collect
    [ -n "${OUT:-}" ] && cp "$build_dir/gpu-build.log" "$OUT"/
    exit 1
  fi
}

find_peer() {
  peer="${PEER:-}"
  for p in "$root/../shared/bench/peer_unet_pytorch.py" "$root/.device/bench/peer_unet_pytorch.py"; do
    [ -z "$peer" ] && [ -f "$p" ] && peer="$p"
  done
  [ -n "$peer" ] && python3 -c 'import torch' 2>/dev/null
}

stage_tests() {
  say "== gpu tests"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee -a "$log"
  ctest --test-dir "$build_dir" -L gpu -LE bench --timeout "${TEST_TIMEOUT:-300}" \
    --output-on-failure 2>&1 | tee -a "$log"
  if [ "${PIPESTATUS[0]}" -ne 0 ]; then
    rc=1
    # Launches made synchronous: a kernel that faults is reported at its own
    # launch check (file:line) rather than at the next copy.
    say "re-running the failed tests with CUDA_LAUNCH_BLOCKING=1"
    CUDA_LAUNCH_BLOCKING=1 ctest --test-dir "$build_dir" --rerun-failed \
      --timeout "${TEST_TIMEOUT:-300}" --output-on-failure 2>&1 | tee -a "$log"
  fi
}

# The issue's end-to-end benchmarks next to PyTorch on the same GPU.
stage_e2e() {
  say "== end-to-end benchmarks"
  if ! find_peer; then
    say "no PyTorch peer here (PEER=...): end-to-end ratios skipped"
    return
  fi
  : >"$e2e"
  record() {
    "$@" 2>&1 | tee -a "$e2e" | tee -a "$log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
  }
  for precision in bf16 tf32; do
    record "$cli" bench denoise-train --device cuda:0 --crop 512 --batch 8 --steps 50 \
      --precision "$precision"
    record "$cli" bench denoise-infer --device cuda:0 --size 4096 --precision "$precision"
  done
  record python3 "$peer" --compile --precisions bf16,tf32 --layouts nchw,nhwc
  logged python3 "$root/scripts/gpu_ratios.py" "$e2e"
}

# Not in the ratios: each op's time and each convolution's engines and
# epilogue fusion, then what --deterministic costs and what the folded stem
# and the widened head gain.
stage_extras() {
  say "== profile and comparisons"
  local train=("$cli" bench denoise-train --device cuda:0 --crop 512 --batch 8 --precision bf16)
  logged "${train[@]}" --steps 5 --profile
  logged "${train[@]}" --steps 50 --deterministic
  say "-- without the folded stem"
  ATELIER_STEM_FOLD=0 logged "${train[@]}" --steps 50
  say "-- without the widened head"
  ATELIER_WIDE_HEAD=0 logged "${train[@]}" --steps 50
  say "-- denoising with 64 pixels of tile context (the default 128 matches a whole-image pass)"
  logged "$cli" bench denoise-infer --device cuda:0 --size 4096 --precision bf16 --overlap 64
  say "-- fp16 (a loss scale in training; the peer script has no fp16 to compare with)"
  logged "$cli" bench denoise-train --device cuda:0 --crop 512 --batch 8 --steps 50 --precision fp16
  logged "$cli" bench denoise-infer --device cuda:0 --size 4096 --precision fp16
}

stage_micro() {
  say "== micro-benchmarks"
  for b in "$build_dir"/tests/gpu/bench_*; do
    [ -x "$b" ] && logged "$b"
  done
}

collect() {
  if [ -n "${OUT:-}" ]; then
    mkdir -p "$OUT"
    [ -f "$log" ] && cp "$log" "$OUT"/
    [ -f "$e2e" ] && cp "$e2e" "$OUT"/
  fi
  return 0
}

mkdir -p "$build_dir"
say "== gpu-test.sh ${stages[*]} at $(date -u +%Y-%m-%dT%H:%M:%SZ), $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
build
for s in "${stages[@]}"; do
  case "$s" in
  build) ;;
  tests) stage_tests ;;
  e2e) stage_e2e ;;
  extras) stage_extras ;;
  micro) stage_micro ;;
  esac
  collect
done
exit "$rc"
