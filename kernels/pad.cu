// Reflection padding: one thread per output element (forward) or per input
// element (backward, gathering its up to 3 x 3 mirror images).
#include "kernels/cuda_check.cuh"
#include "kernels/element_io.cuh"
#include "kernels/pad.h"

#include <stdexcept>

namespace atelier::kernels {
namespace {
using namespace detail;

__device__ __forceinline__ int reflect(int i, int n) {
  return i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i);
}

template <typename E, typename I>
__global__ void forward_kernel(const E* x, E* y, int h, int w, int c, int pad, I count) {
  const int oh = h + 2 * pad, ow = w + 2 * pad;
  ATELIER_GRID_STRIDE_LOOP_AS(I, i, count) {
    const detail::NhwcCoord at = detail::nhwc_coord(i, oh, ow, c);
    const int ch = at.ch, ox = at.x, oy = at.y;
    const std::size_t n = at.n;
    const int iy = reflect(oy - pad, h), ix = reflect(ox - pad, w);
    y[i] = x[((n * h + iy) * w + ix) * c + ch];
  }
}

// The padded coordinates (as output indices) that read input index i of n:
// i itself, its mirror before the start (-i) and after the end (2(n-1) - i).
__device__ __forceinline__ int sources(int i, int n, int pad, int (&out)[3]) {
  int k = 0;
  out[k++] = i + pad;
  if (i >= 1 && i <= pad) out[k++] = pad - i;
  const int after = 2 * (n - 1) - i; // padded index in [n, n + pad)
  if (i <= n - 2 && after < n + pad) out[k++] = after + pad;
  return k;
}

template <typename E, typename I>
__global__ void backward_kernel(const E* dy, E* dx, int h, int w, int c, int pad, I count) {
  const int oh = h + 2 * pad, ow = w + 2 * pad;
  ATELIER_GRID_STRIDE_LOOP_AS(I, i, count) {
    const detail::NhwcCoord at = detail::nhwc_coord(i, h, w, c);
    const int ch = at.ch, ix = at.x, iy = at.y;
    const std::size_t n = at.n;
    int ys[3], xs[3];
    const int ny = sources(iy, h, pad, ys), nx = sources(ix, w, pad, xs);
    float sum = 0.0f;
    for (int a = 0; a < ny; ++a)
      for (int b = 0; b < nx; ++b)
        sum += load_f32(dy, ((n * oh + ys[a]) * ow + xs[b]) * c + ch);
    store_f32(dx, i, sum);
  }
}

void check(int n, int h, int w, int c, int pad) {
  if (n <= 0 || h <= 0 || w <= 0 || c <= 0 || pad < 0 || pad >= h || pad >= w)
    throw std::invalid_argument("reflect_pad: extents must be positive and pad < h, w");
}

template <typename E>
void forward(const E* x, E* y, int n, int h, int w, int c, int pad, gpu_stream stream) {
  check(n, h, w, c, pad);
  const std::size_t count = std::size_t(n) * (h + 2 * pad) * (w + 2 * pad) * c;
  with_index_type(count, [&](auto items) {
    forward_kernel<<<grid_for(count), kOpThreads, 0, stream>>>(x, y, h, w, c, pad, items);
  });
  CUDA_CHECK(cudaGetLastError());
}

template <typename E>
void backward(const E* dy, E* dx, int n, int h, int w, int c, int pad, gpu_stream stream) {
  check(n, h, w, c, pad);
  const std::size_t count = std::size_t(n) * h * w * c;
  with_index_type(count, [&](auto items) {
    backward_kernel<<<grid_for(count), kOpThreads, 0, stream>>>(dy, dx, h, w, c, pad, items);
  });
  CUDA_CHECK(cudaGetLastError());
}
} // namespace

void reflect_pad_forward(Storage s, const void* x, void* y, int n, int h, int w, int c, int pad,
                         gpu_stream stream) {
  detail::with_storage(s, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    forward(static_cast<const T*>(x), static_cast<T*>(y), n, h, w, c, pad, stream);
  });
}
void reflect_pad_backward(Storage s, const void* dy, void* dx, int n, int h, int w, int c, int pad,
                          gpu_stream stream) {
  detail::with_storage(s, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    backward(static_cast<const T*>(dy), static_cast<T*>(dx), n, h, w, c, pad, stream);
  });
}

} // namespace atelier::kernels
