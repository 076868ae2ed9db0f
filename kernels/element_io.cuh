// Device helpers shared by the training-op kernels (bias_activation, pool,
// upsample, concat, loss): loads that widen f32/bf16 storage to f32 math,
// rounding stores, and the launch size of grid-stride loops. For .cu files
// of this library only.
#pragma once

#include <cuda_bf16.h>

#include <algorithm>
#include <cstddef>

namespace atelier::kernels::detail {

constexpr int kOpThreads = 256;

__device__ __forceinline__ float load_f32(const float* p, std::size_t i) {
  return p[i];
}
__device__ __forceinline__ float load_f32(const __nv_bfloat16* p, std::size_t i) {
  return __bfloat162float(p[i]);
}
__device__ __forceinline__ void store_f32(float* p, std::size_t i, float v) {
  p[i] = v;
}
__device__ __forceinline__ void store_f32(__nv_bfloat16* p, std::size_t i, float v) {
  p[i] = __float2bfloat16_rn(v);
}

// Blocks for a grid-stride loop over n items: one item per thread up to a cap
// that keeps every SM busy without a huge grid.
inline unsigned grid_for(std::size_t n) {
  const std::size_t blocks = (n + kOpThreads - 1) / kOpThreads;
  return static_cast<unsigned>(std::min<std::size_t>(std::max<std::size_t>(blocks, 1), 65535));
}

#define ATELIER_GRID_STRIDE_LOOP(i, n)                                                             \
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n);   \
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)

} // namespace atelier::kernels::detail
