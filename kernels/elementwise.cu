// acc += x, grid-stride.
#include "kernels/cuda_check.cuh"
#include "kernels/element_io.cuh"
#include "kernels/elementwise.h"

namespace atelier::kernels {

namespace {
using namespace detail;

template <typename T>
__global__ void add_inplace_kernel(T* acc, const T* x, std::size_t count) {
  ATELIER_GRID_STRIDE_LOOP(i, count) {
    store_f32(acc, i, load_f32(acc, i) + load_f32(x, i));
  }
}

template <typename T>
void launch_add(T* acc, const T* x, std::size_t count, gpu_stream stream) {
  if (count == 0) return;
  add_inplace_kernel<<<grid_for(count), kOpThreads, 0, stream>>>(acc, x, count);
  CUDA_CHECK(cudaGetLastError());
}
} // namespace

void add_inplace(Storage s, void* acc, const void* x, std::size_t count, gpu_stream stream) {
  detail::with_storage(s, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    launch_add(static_cast<T*>(acc), static_cast<const T*>(x), count, stream);
  });
}

} // namespace atelier::kernels
