#!/usr/bin/env bash
# On a machine with a GPU and only a compiler, CMake and the CUDA toolkit:
# builds the gpu-core preset, runs the gpu-labelled tests, then the GPU
# benchmarks (one JSON line each), then the issue's end-to-end training and
# denoising benchmarks next to PyTorch's, with their ratios
# (scripts/gpu_ratios.py). cuDNN / NCCL headers from a Python wheel are found
# automatically (site-packages/nvidia/{cudnn,nccl}).
#   OUT=dir    also copies the logs there
#   PEER=file  peer_unet_pytorch.py, when not in ../shared/bench
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$root/build/gpu-core"

if [ -z "${CUDNN_ROOT:-}" ] || [ -z "${NCCL_ROOT:-}" ]; then
  site=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' 2>/dev/null || true)
  [ -z "${CUDNN_ROOT:-}" ] && [ -d "$site/nvidia/cudnn" ] && export CUDNN_ROOT="$site/nvidia/cudnn"
  [ -z "${NCCL_ROOT:-}" ] && [ -d "$site/nvidia/nccl" ] && export NCCL_ROOT="$site/nvidia/nccl"
fi

cmake --preset gpu-core -S "$root" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
log="$build_dir/gpu-test.log"
set +e
ctest --test-dir "$build_dir" -L gpu -LE bench --output-on-failure 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
  # Launches made synchronous: a kernel that faults is reported at its own
  # launch check (file:line) rather than at the next copy.
  echo "re-running the failed tests with CUDA_LAUNCH_BLOCKING=1" | tee -a "$log"
  CUDA_LAUNCH_BLOCKING=1 ctest --test-dir "$build_dir" --rerun-failed --output-on-failure 2>&1 |
    tee -a "$log"
fi
for b in "$build_dir"/tests/gpu/bench_*; do
  [ -x "$b" ] && "$b" 2>&1 | tee -a "$log"
done

# The issue's end-to-end benchmarks next to PyTorch on the same GPU, when the
# peer script and PyTorch are there (PEER=path/to/peer_unet_pytorch.py, else
# ../shared/bench beside the checkout, else .device/bench in it).
peer="${PEER:-}"
for p in "$root/../shared/bench/peer_unet_pytorch.py" "$root/.device/bench/peer_unet_pytorch.py"; do
  [ -z "$peer" ] && [ -f "$p" ] && peer="$p"
done
cli="$build_dir/bin/atelier-cli"
if [ -n "$peer" ] && python3 -c 'import torch' 2>/dev/null; then
  e2e="$build_dir/gpu-e2e.jsonl"
  : >"$e2e"
  # A benchmark that fails fails the script, after the others have run.
  record() {
    "$@" 2>&1 | tee -a "$e2e"
    [ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
  }
  for precision in bf16 tf32; do
    record "$cli" bench denoise-train --device cuda:0 --crop 512 --batch 8 --steps 50 \
      --precision "$precision"
    record "$cli" bench denoise-infer --device cuda:0 --size 4096 --precision "$precision"
  done
  record python3 "$peer" --compile --precisions bf16,tf32 --layouts nchw,nhwc
  python3 "$root/scripts/gpu_ratios.py" "$e2e" | tee -a "$log"
  # Not in the ratios: each op's time and each convolution's engines and
  # epilogue fusion, then what --deterministic costs and what the folded stem
  # gains.
  "$cli" bench denoise-train --device cuda:0 --crop 512 --batch 8 --steps 5 --precision bf16 \
    --profile 2>&1 | tee -a "$log"
  "$cli" bench denoise-train --device cuda:0 --crop 512 --batch 8 --steps 50 --precision bf16 \
    --deterministic 2>&1 | tee -a "$log"
  # And without the folded stem, then without the widened head (what each gains).
  ATELIER_STEM_FOLD=0 "$cli" bench denoise-train --device cuda:0 --crop 512 --batch 8 --steps 50 \
    --precision bf16 2>&1 | tee -a "$log"
  ATELIER_WIDE_HEAD=0 "$cli" bench denoise-train --device cuda:0 --crop 512 --batch 8 --steps 50 \
    --precision bf16 2>&1 | tee -a "$log"
else
  echo "no PyTorch peer here (PEER=...): end-to-end ratios skipped" | tee -a "$log"
fi
set -e
if [ -n "${OUT:-}" ]; then
  cp "$log" "$OUT"/
  [ -f "$build_dir/gpu-e2e.jsonl" ] && cp "$build_dir/gpu-e2e.jsonl" "$OUT"/
fi
exit "$rc"
