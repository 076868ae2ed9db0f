// Nearest x2 upsampling, one thread per output (forward) or per input
// (backward), channels fastest so accesses are coalesced in NHWC.
#include "kernels/cuda_check.cuh"
#include "kernels/element_io.cuh"
#include "kernels/upsample.h"

#include <cuda_bf16.h>

#include <stdexcept>

namespace atelier::kernels {
namespace {

using detail::load_f32;
using detail::store_f32;

// Writes 4 outputs per input read (the read comes from cache 3 times of 4):
// 1.25 sizeof(S) bytes per output.
template <typename S, typename I>
__global__ void forward_kernel(const S* x, S* y, int h, int w, int c, I outputs) {
  const int oh = 2 * h, ow = 2 * w;
  ATELIER_GRID_STRIDE_LOOP_AS(I, i, outputs) {
    const detail::NhwcCoord at = detail::nhwc_coord(i, oh, ow, c);
    const int ch = at.ch, ox = at.x, oy = at.y;
    const std::size_t n = at.n;
    store_f32(y, i, load_f32(x, ((n * h + oy / 2) * w + ox / 2) * c + ch));
  }
}

// Reads 4 dy, writes 1 dx: 5 sizeof(S) bytes per input.
template <typename S, typename I>
__global__ void backward_kernel(const S* dy, S* dx, int h, int w, int c, I inputs) {
  const std::size_t ow = 2 * std::size_t(w);
  ATELIER_GRID_STRIDE_LOOP_AS(I, i, inputs) {
    const detail::NhwcCoord at = detail::nhwc_coord(i, h, w, c);
    const int ch = at.ch, ix = at.x, iy = at.y;
    const std::size_t n = at.n;
    const std::size_t top = ((n * 2 * h + 2 * iy) * ow + 2 * ix) * c + ch;
    const std::size_t bottom = top + ow * c;
    float sum = load_f32(dy, top);
    sum += load_f32(dy, top + c);
    sum += load_f32(dy, bottom);
    sum += load_f32(dy, bottom + c);
    store_f32(dx, i, sum);
  }
}

void check_shape(int n, int h, int w, int c) {
  if (n <= 0 || h <= 0 || w <= 0 || c <= 0)
    throw std::invalid_argument("upsample_nearest2x: extents must be positive");
}

template <typename S>
void forward(const S* x, S* y, int n, int h, int w, int c, gpu_stream stream) {
  check_shape(n, h, w, c);
  const std::size_t outputs = std::size_t(n) * 4 * h * w * c;
  detail::with_index_type(outputs, [&](auto count) {
    forward_kernel<<<detail::grid_for(outputs), detail::kOpThreads, 0, stream>>>(x, y, h, w, c,
                                                                                 count);
  });
  CUDA_CHECK(cudaGetLastError());
}

template <typename S>
void backward(const S* dy, S* dx, int n, int h, int w, int c, gpu_stream stream) {
  check_shape(n, h, w, c);
  const std::size_t inputs = std::size_t(n) * h * w * c;
  detail::with_index_type(inputs, [&](auto count) {
    backward_kernel<<<detail::grid_for(inputs), detail::kOpThreads, 0, stream>>>(dy, dx, h, w, c,
                                                                                 count);
  });
  CUDA_CHECK(cudaGetLastError());
}

} // namespace

void upsample_nearest2x_forward(Storage s, const void* x, void* y, int n, int h, int w, int c,
                                gpu_stream stream) {
  detail::with_storage(s, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    forward(static_cast<const T*>(x), static_cast<T*>(y), n, h, w, c, stream);
  });
}
void upsample_nearest2x_backward(Storage s, const void* dy, void* dx, int n, int h, int w, int c,
                                 gpu_stream stream) {
  detail::with_storage(s, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    backward(static_cast<const T*>(dy), static_cast<T*>(dx), n, h, w, c, stream);
  });
}

} // namespace atelier::kernels
