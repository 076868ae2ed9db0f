// Elementwise conversions: one value per thread in a grid-stride loop;
// memory bound (6 bytes per value).
#include "kernels/convert.h"
#include "kernels/cuda_check.cuh"
#include "kernels/element_io.cuh"

namespace atelier::kernels {
namespace {

using detail::load_f32;
using detail::store_f32;

template <typename T>
__global__ void from_f32_kernel(const float* __restrict__ src, T* __restrict__ dst, std::size_t n) {
  ATELIER_GRID_STRIDE_LOOP(i, n) {
    store_f32(dst, i, src[i]);
  }
}

template <typename T>
__global__ void to_f32_kernel(const T* __restrict__ src, float* __restrict__ dst, std::size_t n,
                              const float* __restrict__ scale) {
  const float c = scale ? *scale : 1.0f;
  ATELIER_GRID_STRIDE_LOOP(i, n) {
    dst[i] = load_f32(src, i) * c;
  }
}

} // namespace

void convert_from_f32(const float* src, Storage s, void* dst, std::size_t count,
                      gpu_stream stream) {
  if (count == 0) return;
  detail::with_storage(s, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    from_f32_kernel<<<detail::grid_for(count), detail::kOpThreads, 0, stream>>>(
        src, static_cast<T*>(dst), count);
  });
  CUDA_CHECK(cudaGetLastError());
}

void convert_to_f32(Storage s, const void* src, float* dst, std::size_t count, gpu_stream stream,
                    const float* scale) {
  if (count == 0) return;
  detail::with_storage(s, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    to_f32_kernel<<<detail::grid_for(count), detail::kOpThreads, 0, stream>>>(
        static_cast<const T*>(src), dst, count, scale);
  });
  CUDA_CHECK(cudaGetLastError());
}

} // namespace atelier::kernels
