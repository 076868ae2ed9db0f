// Elementwise bf16 conversions: one value per thread in a grid-stride loop;
// memory bound (6 bytes per value).
#include "kernels/convert.h"
#include "kernels/cuda_check.cuh"

#include <cuda_bf16.h>

#include <algorithm>

namespace atelier::kernels {
namespace {

constexpr int kThreads = 256;

__global__ void f32_to_bf16_kernel(const float* __restrict__ src, __nv_bfloat16* __restrict__ dst,
                                   std::size_t n) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride)
    dst[i] = __float2bfloat16_rn(src[i]);
}

__global__ void bf16_to_f32_kernel(const __nv_bfloat16* __restrict__ src, float* __restrict__ dst,
                                   std::size_t n) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride)
    dst[i] = __bfloat162float(src[i]);
}

unsigned grid_for(std::size_t n) {
  const std::size_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(std::min<std::size_t>(blocks, 65535));
}

} // namespace

void f32_to_bf16(const float* src, std::uint16_t* dst, std::size_t count, gpu_stream stream) {
  if (count == 0) return;
  f32_to_bf16_kernel<<<grid_for(count), kThreads, 0, stream>>>(
      src, reinterpret_cast<__nv_bfloat16*>(dst), count);
  CUDA_CHECK(cudaGetLastError());
}

void bf16_to_f32(const std::uint16_t* src, float* dst, std::size_t count, gpu_stream stream) {
  if (count == 0) return;
  bf16_to_f32_kernel<<<grid_for(count), kThreads, 0, stream>>>(
      reinterpret_cast<const __nv_bfloat16*>(src), dst, count);
  CUDA_CHECK(cudaGetLastError());
}

} // namespace atelier::kernels
