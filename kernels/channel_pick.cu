// Picking one channel: one thread per pixel; the reads are strided by the
// channel count (8 for the backend's use: 16 or 32 bytes apart).
#include "kernels/channel_pick.h"
#include "kernels/cuda_check.cuh"
#include "kernels/element_io.cuh"

#include <cuda_bf16.h>

#include <stdexcept>

namespace atelier::kernels {
namespace {

template <typename E>
__global__ void pick_kernel(const E* x, E* y, std::size_t pixels, int channels, int channel) {
  ATELIER_GRID_STRIDE_LOOP(p, pixels) {
    y[p] = x[p * channels + channel];
  }
}

template <typename E>
void pick(const E* x, E* y, std::size_t pixels, int channels, int channel, gpu_stream stream) {
  if (channels <= 0 || channel < 0 || channel >= channels)
    throw std::invalid_argument("pick_channel: need 0 <= channel < channels");
  if (pixels == 0) return;
  pick_kernel<<<detail::grid_for(pixels), detail::kOpThreads, 0, stream>>>(x, y, pixels, channels,
                                                                           channel);
  CUDA_CHECK(cudaGetLastError());
}

} // namespace

void pick_channel(Storage s, const void* x, void* y, std::size_t pixels, int channels, int channel,
                  gpu_stream stream) {
  detail::with_storage(s, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    pick(static_cast<const T*>(x), static_cast<T*>(y), pixels, channels, channel, stream);
  });
}

} // namespace atelier::kernels
