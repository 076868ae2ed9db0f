// Pseudo-random fills: one hash per element in a grid-stride loop.
#include "kernels/cuda_check.cuh"
#include "kernels/fill.h"

#include <cuda_bf16.h>

#include <algorithm>

namespace atelier::kernels {
namespace {

constexpr int kThreads = 256;

template <typename T>
__global__ void fill_kernel(T* __restrict__ dst, std::size_t n, std::uint32_t seed, float scale) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    const float v = hashed_uniform(seed, i, scale);
    if constexpr (sizeof(T) == 4)
      dst[i] = v;
    else
      dst[i] = __float2bfloat16_rn(v);
  }
}

unsigned grid_for(std::size_t n) {
  const std::size_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(std::min<std::size_t>(blocks, 65535));
}

} // namespace

void fill_uniform_f32(float* dst, std::size_t count, std::uint32_t seed, float scale,
                      gpu_stream stream) {
  if (count == 0) return;
  fill_kernel<<<grid_for(count), kThreads, 0, stream>>>(dst, count, seed, scale);
  CUDA_CHECK(cudaGetLastError());
}

void fill_uniform_bf16(std::uint16_t* dst, std::size_t count, std::uint32_t seed, float scale,
                       gpu_stream stream) {
  if (count == 0) return;
  fill_kernel<<<grid_for(count), kThreads, 0, stream>>>(reinterpret_cast<__nv_bfloat16*>(dst),
                                                        count, seed, scale);
  CUDA_CHECK(cudaGetLastError());
}

} // namespace atelier::kernels
