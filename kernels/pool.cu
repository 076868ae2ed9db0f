// Max pooling, one thread per output (forward) or per input (backward) in a
// grid-stride loop; neighbouring threads take neighbouring channels, so every
// access is coalesced in NHWC.
#include "kernels/cuda_check.cuh"
#include "kernels/element_io.cuh"
#include "kernels/pool.h"

#include <cuda_bf16.h>

#include <stdexcept>
#include <string>

namespace atelier::kernels {
namespace {

using detail::load_f32;
using detail::store_f32;

// Reads 4 inputs, writes 1 output + 1 argmax byte: 5 sizeof(S) + 1 bytes per
// output (f32 21 bytes, bf16 11).
template <typename S, typename I>
__global__ void forward_kernel(const S* x, S* y, std::uint8_t* argmax, int oh, int ow, int h, int w,
                               int c, I outputs) {
  ATELIER_GRID_STRIDE_LOOP_AS(I, i, outputs) {
    const detail::NhwcCoord at = detail::nhwc_coord(i, oh, ow, c);
    const int ch = at.ch, ox = at.x, oy = at.y;
    const std::size_t n = at.n;
    const std::size_t base = ((n * h + 2 * oy) * w + 2 * ox) * c + ch;
    const std::size_t offsets[4] = {0, std::size_t(c), std::size_t(w) * c, std::size_t(w) * c + c};
    float best = load_f32(x, base);
    int index = 0;
    for (int k = 1; k < 4; ++k) {
      const float v = load_f32(x, base + offsets[k]);
      if (v > best || isnan(v)) {
        best = v;
        index = k;
      }
    }
    store_f32(y, i, best);
    argmax[i] = static_cast<std::uint8_t>(index);
  }
}

// Per input: reads at most 1 dy + 1 argmax byte (shared by the 4 inputs of a
// window through the cache), writes dx: ~1.3 sizeof(S) bytes per input.
template <typename S, typename I>
__global__ void backward_kernel(const std::uint8_t* argmax, const S* dy, S* dx, int h, int w, int c,
                                I inputs) {
  const int oh = h / 2, ow = w / 2;
  ATELIER_GRID_STRIDE_LOOP_AS(I, i, inputs) {
    const detail::NhwcCoord at = detail::nhwc_coord(i, h, w, c);
    const int ch = at.ch, ix = at.x, iy = at.y;
    const std::size_t n = at.n;
    float g = 0.0f;
    if (iy / 2 < oh && ix / 2 < ow) {
      const std::size_t o = ((n * oh + iy / 2) * ow + ix / 2) * c + ch;
      if (argmax[o] == (iy & 1) * 2 + (ix & 1)) g = load_f32(dy, o);
    }
    store_f32(dx, i, g);
  }
}

void check_shape(const char* op, int n, int h, int w, int c) {
  if (n <= 0 || c <= 0 || h < 2 || w < 2)
    throw std::invalid_argument(std::string(op) + ": extents must be positive and h, w at least 2");
}

template <typename S>
void forward(const S* x, S* y, std::uint8_t* argmax, int n, int h, int w, int c,
             gpu_stream stream) {
  check_shape("max_pool2x2_forward", n, h, w, c);
  const std::size_t outputs = std::size_t(n) * (h / 2) * (w / 2) * c;
  detail::with_index_type(outputs, [&](auto count) {
    forward_kernel<<<detail::grid_for(outputs), detail::kOpThreads, 0, stream>>>(
        x, y, argmax, h / 2, w / 2, h, w, c, count);
  });
  CUDA_CHECK(cudaGetLastError());
}

template <typename S>
void backward(const std::uint8_t* argmax, const S* dy, S* dx, int n, int h, int w, int c,
              gpu_stream stream) {
  check_shape("max_pool2x2_backward", n, h, w, c);
  const std::size_t inputs = std::size_t(n) * h * w * c;
  detail::with_index_type(inputs, [&](auto count) {
    backward_kernel<<<detail::grid_for(inputs), detail::kOpThreads, 0, stream>>>(argmax, dy, dx, h,
                                                                                 w, c, count);
  });
  CUDA_CHECK(cudaGetLastError());
}

} // namespace

void max_pool2x2_forward(Storage s, const void* x, void* y, std::uint8_t* argmax, int n, int h,
                         int w, int c, gpu_stream stream) {
  detail::with_storage(s, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    forward(static_cast<const T*>(x), static_cast<T*>(y), argmax, n, h, w, c, stream);
  });
}
void max_pool2x2_backward(Storage s, const std::uint8_t* argmax, const void* dy, void* dx, int n,
                          int h, int w, int c, gpu_stream stream) {
  detail::with_storage(s, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    backward(argmax, static_cast<const T*>(dy), static_cast<T*>(dx), n, h, w, c, stream);
  });
}

} // namespace atelier::kernels
