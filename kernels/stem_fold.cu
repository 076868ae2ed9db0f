// Stem folding: one thread per folded element, channels fastest, so the
// writes are coalesced and the reads of neighbouring channels hit the same
// cache lines (they are neighbouring pixels of the one-channel image).
#include "kernels/cuda_check.cuh"
#include "kernels/element_io.cuh"
#include "kernels/stem_fold.h"

#include <cuda_bf16.h>

#include <stdexcept>

namespace atelier::kernels {
namespace {

template <typename E, typename I>
__global__ void fold_kernel(const E* x, E* y, int h, int w, int s, int pad_w, int channels,
                            I count) {
  ATELIER_GRID_STRIDE_LOOP_AS(I, i, count) {
    const detail::NhwcCoord at = detail::nhwc_coord(i, h, w, channels);
    const int from = at.x + at.ch - pad_w;
    const bool inside = at.ch < s && from >= 0 && from < w;
    y[i] = inside ? x[(at.n * h + at.y) * std::size_t(w) + from] : E{};
  }
}

template <typename E>
void fold(const E* x, E* y, int n, int h, int w, int s, int pad_w, int channels,
          gpu_stream stream) {
  if (n <= 0 || h <= 0 || w <= 0 || s <= 0 || channels < s || pad_w < 0)
    throw std::invalid_argument(
        "stem_fold: extents must be positive, channels >= s and pad_w >= 0");
  const std::size_t count = std::size_t(n) * h * w * channels;
  detail::with_index_type(count, [&](auto items) {
    fold_kernel<<<detail::grid_for(count), detail::kOpThreads, 0, stream>>>(x, y, h, w, s, pad_w,
                                                                            channels, items);
  });
  CUDA_CHECK(cudaGetLastError());
}

} // namespace

void stem_fold(Storage st, const void* x, void* y, int n, int h, int w, int s, int pad_w,
               int channels, gpu_stream stream) {
  detail::with_storage(st, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    fold(static_cast<const T*>(x), static_cast<T*>(y), n, h, w, s, pad_w, channels, stream);
  });
}

} // namespace atelier::kernels
