// Tile extraction with reflected borders, and centre insertion.
#include "kernels/cuda_check.cuh"
#include "kernels/element_io.cuh"
#include "kernels/tile_copy.h"

#include <stdexcept>

namespace atelier::kernels {

namespace {
using namespace detail;

__device__ __forceinline__ int reflect(int i, int n) {
  // Period 2(n - 1): ... 2 1 | 0 1 2 ... n-1 | n-2 ...
  const int period = 2 * (n - 1);
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

template <typename T>
__global__ void extract_kernel(const float* image, int h, int w, int y0, int x0, T* tile, int th,
                               int tw) {
  const std::size_t count = std::size_t(th) * tw;
  ATELIER_GRID_STRIDE_LOOP(i, count) {
    const int ty = int(i / tw), tx = int(i % tw);
    const float v = image[std::size_t(reflect(y0 + ty, h)) * w + reflect(x0 + tx, w)];
    store_f32(tile, i, v);
  }
}

template <typename T>
__global__ void insert_kernel(const T* tile, int tw, int my, int mx, int ch, int cw, float* image,
                              int w, int y0, int x0) {
  const std::size_t count = std::size_t(ch) * cw;
  ATELIER_GRID_STRIDE_LOOP(i, count) {
    const int cy = int(i / cw), cx = int(i % cw);
    image[std::size_t(y0 + cy) * w + (x0 + cx)] =
        load_f32(tile, std::size_t(my + cy) * tw + (mx + cx));
  }
}

template <typename T>
void extract(const float* image, int h, int w, int y0, int x0, T* tile, int th, int tw,
             gpu_stream stream) {
  // reflect() repeats with period 2 (n - 1), zero for a one-pixel side.
  if (h < 2 || w < 2)
    throw std::invalid_argument("extract_tile: the image must be at least 2 x 2 pixels");
  const std::size_t count = std::size_t(th) * tw;
  extract_kernel<<<grid_for(count), kOpThreads, 0, stream>>>(image, h, w, y0, x0, tile, th, tw);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void insert(const T* tile, int tw, int my, int mx, int ch, int cw, float* image, int w, int y0,
            int x0, gpu_stream stream) {
  const std::size_t count = std::size_t(ch) * cw;
  insert_kernel<<<grid_for(count), kOpThreads, 0, stream>>>(tile, tw, my, mx, ch, cw, image, w, y0,
                                                            x0);
  CUDA_CHECK(cudaGetLastError());
}
} // namespace

void extract_tile(Storage s, const float* image, int h, int w, int y0, int x0, void* tile, int th,
                  int tw, gpu_stream stream) {
  detail::with_storage(s, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    extract(image, h, w, y0, x0, static_cast<T*>(tile), th, tw, stream);
  });
}
void insert_tile(Storage s, const void* tile, int th, int tw, int my, int mx, int ch, int cw,
                 float* image, int, int w, int y0, int x0, gpu_stream stream) {
  (void)th;
  detail::with_storage(s, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    insert(static_cast<const T*>(tile), tw, my, mx, ch, cw, image, w, y0, x0, stream);
  });
}

} // namespace atelier::kernels
