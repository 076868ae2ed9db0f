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

void add_inplace_f32(float* acc, const float* x, std::size_t count, gpu_stream stream) {
  launch_add(acc, x, count, stream);
}

void add_inplace_bf16(std::uint16_t* acc, const std::uint16_t* x, std::size_t count,
                      gpu_stream stream) {
  launch_add(reinterpret_cast<__nv_bfloat16*>(acc), reinterpret_cast<const __nv_bfloat16*>(x),
             count, stream);
}

} // namespace atelier::kernels
