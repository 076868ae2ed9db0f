#!/usr/bin/env bash
# On a machine with a GPU and only a compiler, CMake and the CUDA toolkit:
# builds the gpu-core preset, runs the gpu-labelled tests, then the GPU
# benchmarks (one JSON line each). cuDNN / NCCL headers from a Python wheel
# are found automatically (site-packages/nvidia/{cudnn,nccl}).
#   OUT=dir  also copies the logs there
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
for b in "$build_dir"/tests/gpu/bench_*; do
  [ -x "$b" ] && "$b" 2>&1 | tee -a "$log"
done
set -e
[ -n "${OUT:-}" ] && cp "$log" "$OUT"/ 2>/dev/null
exit "$rc"
