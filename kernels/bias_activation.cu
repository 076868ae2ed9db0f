// Bias + activation: the forward is one grid-stride elementwise pass; the
// backward writes dx and, in the same pass, per-(block, channel) partial sums
// of dx that a second small kernel adds per channel in a fixed order (so db is
// deterministic and bf16 never needs atomics).
#include "kernels/bias_activation.h"
#include "kernels/cuda_check.cuh"
#include "kernels/element_io.cuh"

#include <stdexcept>

namespace atelier::kernels {
namespace {

using detail::load_f32;
using detail::store_f32;

constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kGeluCubic = 0.044715f;

__device__ __forceinline__ float act_value(Activation act, float z, float slope) {
  switch (act) {
  // NaN passes, as in the CPU reference and cuDNN's fused epilogue.
  case Activation::relu: return z > 0.0f || isnan(z) ? z : 0.0f;
  case Activation::leaky_relu: return z > 0.0f ? z : slope * z;
  case Activation::gelu_tanh:
    return 0.5f * z * (1.0f + tanhf(kSqrt2OverPi * (z + kGeluCubic * z * z * z)));
  default: return z;
  }
}

__device__ __forceinline__ float act_derivative(Activation act, float z, float slope) {
  switch (act) {
  case Activation::relu: return z > 0.0f ? 1.0f : 0.0f;
  case Activation::leaky_relu: return z > 0.0f ? 1.0f : slope;
  case Activation::gelu_tanh: {
    const float t = tanhf(kSqrt2OverPi * (z + kGeluCubic * z * z * z));
    return 0.5f * (1.0f + t) +
           0.5f * z * (1.0f - t * t) * kSqrt2OverPi * (1.0f + 3.0f * kGeluCubic * z * z);
  }
  default: return 1.0f;
  }
}

// Forward: reads x (+ bias from cache), writes y: 2 x sizeof(S) bytes/value.
template <typename S, typename I>
__global__ void forward_kernel(const S* x, const float* bias, S* y, I count, int channels,
                               Activation act, float slope) {
  ATELIER_GRID_STRIDE_LOOP_AS(I, i, count) {
    const float b = bias ? __ldg(bias + i % I(channels)) : 0.0f;
    store_f32(y, i, act_value(act, load_f32(x, i) + b, slope));
  }
}

// Backward, 32 x 8 threads: threadIdx.x walks channels (coalesced within a
// pixel row), threadIdx.y pixels of this block's chunk. Reads x and dy, writes
// dx: 3 x sizeof(S) bytes/value; partials are blocks x channels floats.
constexpr int kTx = 32, kTy = 8;
constexpr std::size_t kMaxBlocks = 1024, kMinPixelsPerBlock = 64;

std::size_t backward_blocks(std::size_t pixels) {
  std::size_t blocks = (pixels + kMinPixelsPerBlock - 1) / kMinPixelsPerBlock;
  if (blocks > kMaxBlocks) blocks = kMaxBlocks;
  return blocks ? blocks : 1;
}

template <typename S>
__global__ void backward_kernel(const S* x, const float* bias, const S* dy, S* dx, float* partials,
                                std::size_t pixels, std::size_t per_block, int channels,
                                Activation act, float slope) {
  __shared__ float sums[kTy][kTx];
  const std::size_t first = blockIdx.x * per_block;
  const std::size_t last = first + per_block < pixels ? first + per_block : pixels;
  for (int c0 = 0; c0 < channels; c0 += kTx) {
    const int c = c0 + threadIdx.x;
    float acc = 0.0f;
    if (c < channels) {
      const float b = bias ? bias[c] : 0.0f;
      for (std::size_t p = first + threadIdx.y; p < last; p += kTy) {
        const std::size_t i = p * channels + c;
        const float g = load_f32(dy, i) * act_derivative(act, load_f32(x, i) + b, slope);
        store_f32(dx, i, g);
        acc += g;
      }
    }
    if (!partials) continue;
    sums[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && c < channels) {
      float total = sums[0][threadIdx.x];
      for (int r = 1; r < kTy; ++r)
        total += sums[r][threadIdx.x];
      partials[blockIdx.x * std::size_t(channels) + c] = total;
    }
    __syncthreads();
  }
}

// db[c] = sum over blocks of partials (double, fixed order): reads blocks x
// channels floats once.
__global__ void sum_partials_kernel(const float* partials, std::size_t blocks, int channels,
                                    float* db, const float* db_scale) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= channels) return;
  double total = 0.0;
  for (std::size_t b = 0; b < blocks; ++b)
    total += partials[b * channels + c];
  db[c] = static_cast<float>(total) * (db_scale ? *db_scale : 1.0f);
}

template <typename S>
void forward(const S* x, const float* bias, S* y, std::size_t pixels, int channels, Activation act,
             float slope, gpu_stream stream) {
  if (channels <= 0)
    throw std::invalid_argument("bias_activation_forward: channels must be positive");
  const std::size_t count = pixels * std::size_t(channels);
  if (count == 0) return;
  detail::with_index_type(count, [&](auto n) {
    forward_kernel<<<detail::grid_for(count), detail::kOpThreads, 0, stream>>>(
        x, bias, y, n, channels, act, slope);
  });
  CUDA_CHECK(cudaGetLastError());
}

template <typename S>
void backward(const S* x, const float* bias, const S* dy, S* dx, float* db, void* workspace,
              std::size_t pixels, int channels, Activation act, float slope, gpu_stream stream,
              const float* db_scale) {
  if (channels <= 0)
    throw std::invalid_argument("bias_activation_backward: channels must be positive");
  if (db && !workspace)
    throw std::invalid_argument("bias_activation_backward: db needs a workspace");
  if (pixels == 0) {
    if (db) CUDA_CHECK(cudaMemsetAsync(db, 0, sizeof(float) * channels, stream));
    return;
  }
  const std::size_t blocks = backward_blocks(pixels);
  const std::size_t per_block = (pixels + blocks - 1) / blocks;
  float* partials = db ? static_cast<float*>(workspace) : nullptr;
  backward_kernel<<<static_cast<unsigned>(blocks), dim3(kTx, kTy), 0, stream>>>(
      x, bias, dy, dx, partials, pixels, per_block, channels, act, slope);
  CUDA_CHECK(cudaGetLastError());
  if (!db) return;
  sum_partials_kernel<<<(channels + 255) / 256, 256, 0, stream>>>(partials, blocks, channels, db,
                                                                  db_scale);
  CUDA_CHECK(cudaGetLastError());
}

} // namespace

std::size_t bias_activation_backward_workspace_bytes(std::size_t pixels, int channels) {
  return channels <= 0 ? 0 : backward_blocks(pixels) * std::size_t(channels) * sizeof(float);
}

void bias_activation_forward(Storage s, const void* x, const float* bias, void* y,
                             std::size_t pixels, int channels, Activation act, float slope,
                             gpu_stream stream) {
  detail::with_storage(s, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    forward(static_cast<const T*>(x), bias, static_cast<T*>(y), pixels, channels, act, slope,
            stream);
  });
}

void bias_activation_backward(Storage s, const void* x, const float* bias, const void* dy, void* dx,
                              float* db, void* workspace, std::size_t pixels, int channels,
                              Activation act, float slope, gpu_stream stream,
                              const float* db_scale) {
  detail::with_storage(s, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    backward(static_cast<const T*>(x), bias, static_cast<const T*>(dy), static_cast<T*>(dx), db,
             workspace, pixels, channels, act, slope, stream, db_scale);
  });
}

} // namespace atelier::kernels
