// Device helpers shared by the training-op kernels (bias_activation, pool,
// upsample, concat, loss...): loads that widen f32/bf16/f16 storage to f32
// math, rounding stores, the dispatch from a Storage value to its element
// type, and the launch size of grid-stride loops. For .cu files of this
// library only.
#pragma once

#include "kernels/storage.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <type_traits>

namespace atelier::kernels::detail {

constexpr int kOpThreads = 256;

__device__ __forceinline__ float load_f32(const float* p, std::size_t i) {
  return p[i];
}
__device__ __forceinline__ float load_f32(const __nv_bfloat16* p, std::size_t i) {
  return __bfloat162float(p[i]);
}
__device__ __forceinline__ float load_f32(const __half* p, std::size_t i) {
  return __half2float(p[i]);
}
__device__ __forceinline__ void store_f32(float* p, std::size_t i, float v) {
  p[i] = v;
}
__device__ __forceinline__ void store_f32(__nv_bfloat16* p, std::size_t i, float v) {
  p[i] = __float2bfloat16_rn(v);
}
// Round to nearest even; past f16's range the value becomes +-inf (which a
// loss scale's overflow check sees).
__device__ __forceinline__ void store_f32(__half* p, std::size_t i, float v) {
  p[i] = __float2half_rn(v);
}

// Calls f with a null pointer of the element type of storage s
// (float, __nv_bfloat16 or __half); the callee names the type with
// ATELIER_ELEMENT_TYPE(tag). Host code, for the launchers.
template <typename F>
void with_storage(Storage s, F&& f) {
  switch (s) {
  case Storage::f32: f(static_cast<float*>(nullptr)); return;
  case Storage::bf16: f(static_cast<__nv_bfloat16*>(nullptr)); return;
  case Storage::f16: f(static_cast<__half*>(nullptr)); return;
  }
  throw std::invalid_argument("unknown storage type");
}
#define ATELIER_ELEMENT_TYPE(tag) std::remove_pointer_t<decltype(tag)>

// Blocks for a grid-stride loop over n items: one item per thread up to a cap
// that keeps every SM busy without a huge grid.
inline unsigned grid_for(std::size_t n) {
  const std::size_t blocks = (n + kOpThreads - 1) / kOpThreads;
  return static_cast<unsigned>(std::min<std::size_t>(std::max<std::size_t>(blocks, 1), 65535));
}

#define ATELIER_GRID_STRIDE_LOOP(i, n)                                                             \
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n);   \
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)

// The same loop with index type I (std::uint32_t or std::size_t, as
// with_index_type picks).
#define ATELIER_GRID_STRIDE_LOOP_AS(I, i, n)                                                       \
  for (I i = static_cast<I>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n);                       \
       i += static_cast<I>(gridDim.x) * blockDim.x)

// The coordinates of flat index i of an NHWC tensor of extent ? x h x w x c,
// split in the index's own width (see with_index_type).
struct NhwcCoord {
  std::size_t n;
  int y, x, ch;
};
template <typename I>
__device__ __forceinline__ NhwcCoord nhwc_coord(I i, int h, int w, int c) {
  NhwcCoord r;
  r.ch = static_cast<int>(i % I(c));
  I rest = i / I(c);
  r.x = static_cast<int>(rest % I(w));
  rest /= I(w);
  r.y = static_cast<int>(rest % I(h));
  r.n = rest / I(h);
  return r;
}

// Calls launch(count) with count as std::uint32_t when it is below 2^31, else
// as std::size_t, for kernels that split a flat index into coordinates: on
// the GPU a 64-bit division or modulo is a software routine of dozens of
// instructions, a 32-bit one a few. Below 2^31, i + stride (a grid of at most
// 65535 x 1024 threads) stays below 2^32.
template <typename F>
void with_index_type(std::size_t count, F&& launch) {
  if (count < (std::size_t(1) << 31))
    launch(static_cast<std::uint32_t>(count));
  else
    launch(count);
}

} // namespace atelier::kernels::detail
