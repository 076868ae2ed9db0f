// The CPU backend's worker threads, shared by the fast convolutions and the
// elementwise ops: as many as OpenBLAS would have used (OPENBLAS_NUM_THREADS
// / OMP_NUM_THREADS are honoured), or the hardware's when it is absent.
#pragma once

#include <cstddef>

namespace atelier::nn {

// Threads in the pool, the caller included.
int cpu_pool_size();

// Whether SGEMMs are split over the pool with OpenBLAS single-threaded on
// each part (a pthread or serial OpenBLAS, or the built-in GEMM), rather than
// left whole to OpenBLAS's own threads (an OpenMP OpenBLAS).
bool cpu_pool_splits_blas();

// How many parts to split work touching `floats` values into: 1 below
// kCpuPoolMinParallelFloats (threads would cost more than they save), else
// the pool size, at most max_parts and at least 1.
int cpu_pool_parts(std::size_t floats, std::size_t max_parts);
inline constexpr std::size_t kCpuPoolMinParallelFloats = std::size_t(1) << 15;

// Runs task(context, part) for part in [0, parts): parts 1.. on the workers
// while the caller runs part 0. Tasks are plain loops over disjoint memory
// and never throw. A second caller finding the pool busy runs its parts
// itself, one after another, rather than waiting.
void cpu_pool_run(int parts, void (*task)(void* context, int part), void* context);

// cpu_pool_run with a callable: f(part) for part in [0, parts).
template <typename F>
void cpu_parallel_parts(int parts, F& f) {
  cpu_pool_run(
      parts, [](void* context, int part) { (*static_cast<F*>(context))(part); }, &f);
}

} // namespace atelier::nn
