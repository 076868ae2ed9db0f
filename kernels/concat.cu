// Concatenation as one thread per element of y (forward) or dy (backward):
// the y side is fully coalesced, the a/b side in runs of c1 and c2. Bytes are
// copied as they are, so the kernels only depend on the element size.
#include "kernels/concat.h"
#include "kernels/cuda_check.cuh"
#include "kernels/element_io.cuh"

#include <stdexcept>

namespace atelier::kernels {
namespace {

// Reads and writes each element once: 2 sizeof(E) bytes per element of y.
// Channels from c1 + c2 up to ct (alignment padding) are written as zero.
template <typename E, typename I>
__global__ void forward_kernel(const E* a, const E* b, E* y, int c1, int c2, int ct, I count) {
  ATELIER_GRID_STRIDE_LOOP_AS(I, i, count) {
    const std::size_t p = i / I(ct);
    const int ch = static_cast<int>(i % I(ct));
    y[i] = ch < c1 ? a[p * c1 + ch] : (ch < c1 + c2 ? b[p * c2 + (ch - c1)] : E{});
  }
}

// 2 sizeof(E) bytes per element of dy.
template <typename E, typename I>
__global__ void backward_kernel(const E* dy, E* da, E* db, int c1, int c2, int ct, I count) {
  ATELIER_GRID_STRIDE_LOOP_AS(I, i, count) {
    const std::size_t p = i / I(ct);
    const int ch = static_cast<int>(i % I(ct));
    if (ch < c1)
      da[p * c1 + ch] = dy[i];
    else if (ch < c1 + c2)
      db[p * c2 + (ch - c1)] = dy[i];
  }
}

int checked_total(int c1, int c2, int c_out) {
  if (c1 <= 0 || c2 <= 0) throw std::invalid_argument("concat_channels: channels must be positive");
  if (c_out == 0) return c1 + c2;
  if (c_out < c1 + c2) throw std::invalid_argument("concat_channels: c_out below c1 + c2");
  return c_out;
}

template <typename E>
void forward(const E* a, const E* b, E* y, std::size_t pixels, int c1, int c2, int c_out,
             gpu_stream stream) {
  const int ct = checked_total(c1, c2, c_out);
  const std::size_t count = pixels * std::size_t(ct);
  if (count == 0) return;
  detail::with_index_type(count, [&](auto n) {
    forward_kernel<<<detail::grid_for(count), detail::kOpThreads, 0, stream>>>(a, b, y, c1, c2, ct,
                                                                               n);
  });
  CUDA_CHECK(cudaGetLastError());
}

template <typename E>
void backward(const E* dy, E* da, E* db, std::size_t pixels, int c1, int c2, int c_out,
              gpu_stream stream) {
  const int ct = checked_total(c1, c2, c_out);
  const std::size_t count = pixels * std::size_t(ct);
  if (count == 0) return;
  detail::with_index_type(count, [&](auto n) {
    backward_kernel<<<detail::grid_for(count), detail::kOpThreads, 0, stream>>>(dy, da, db, c1, c2,
                                                                                ct, n);
  });
  CUDA_CHECK(cudaGetLastError());
}

} // namespace

// The bytes move as they are: 16-bit types as std::uint16_t.
void concat_channels_forward(Storage s, const void* a, const void* b, void* y, std::size_t pixels,
                             int c1, int c2, gpu_stream stream, int c_out) {
  if (s == Storage::f32)
    forward(static_cast<const float*>(a), static_cast<const float*>(b), static_cast<float*>(y),
            pixels, c1, c2, c_out, stream);
  else
    forward(static_cast<const std::uint16_t*>(a), static_cast<const std::uint16_t*>(b),
            static_cast<std::uint16_t*>(y), pixels, c1, c2, c_out, stream);
}
void concat_channels_backward(Storage s, const void* dy, void* da, void* db, std::size_t pixels,
                              int c1, int c2, gpu_stream stream, int c_out) {
  if (s == Storage::f32)
    backward(static_cast<const float*>(dy), static_cast<float*>(da), static_cast<float*>(db),
             pixels, c1, c2, c_out, stream);
  else
    backward(static_cast<const std::uint16_t*>(dy), static_cast<std::uint16_t*>(da),
             static_cast<std::uint16_t*>(db), pixels, c1, c2, c_out, stream);
}

} // namespace atelier::kernels
