// Pseudo-random fills: one hash per element in a grid-stride loop.
#include "kernels/cuda_check.cuh"
#include "kernels/element_io.cuh"
#include "kernels/fill.h"

namespace atelier::kernels {
namespace {

template <typename T>
__global__ void fill_kernel(T* __restrict__ dst, std::size_t n, std::uint32_t seed, float scale) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    detail::store_f32(dst, i, hashed_uniform(seed, i, scale));
  }
}

} // namespace

void fill_uniform(Storage s, void* dst, std::size_t count, std::uint32_t seed, float scale,
                  gpu_stream stream) {
  if (count == 0) return;
  detail::with_storage(s, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    fill_kernel<<<detail::grid_for(count), detail::kOpThreads, 0, stream>>>(static_cast<T*>(dst),
                                                                            count, seed, scale);
  });
  CUDA_CHECK(cudaGetLastError());
}

} // namespace atelier::kernels
