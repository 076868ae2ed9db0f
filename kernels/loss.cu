// Losses: a fixed grid accumulates per-thread double sums, reduces each block
// with warp shuffles into one partial, and a single block adds the partials
// in a fixed order and divides by N. The backward is one elementwise pass.
#include "kernels/cuda_check.cuh"
#include "kernels/element_io.cuh"
#include "kernels/loss.h"

#include <stdexcept>

namespace atelier::kernels {
namespace {

using detail::load_f32;
using detail::store_f32;

constexpr int kThreads = 256;
constexpr unsigned kMaxBlocks = 1024;

__device__ __forceinline__ double block_sum(double v) {
  __shared__ double warp_sums[kThreads / 32];
  for (int offset = 16; offset > 0; offset >>= 1)
    v += __shfl_down_sync(0xffffffffu, v, offset);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) warp_sums[warp] = v;
  __syncthreads();
  double total = 0.0;
  if (threadIdx.x == 0)
    for (int w = 0; w < kThreads / 32; ++w)
      total += warp_sums[w];
  return total; // valid in thread 0
}

// Reads pred and target once: sizeof(S) + 4 bytes per element.
template <typename S>
__global__ void partial_kernel(Loss kind, const S* pred, const float* target, std::size_t count,
                               double* partials) {
  double acc = 0.0;
  ATELIER_GRID_STRIDE_LOOP(i, count) {
    const float d = load_f32(pred, i) - load_f32(target, i);
    acc += kind == Loss::mse ? double(d) * d : double(fabsf(d));
  }
  const double total = block_sum(acc);
  if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

// One block: reads the partials (at most 8 KiB), writes one float.
__global__ void finish_kernel(const double* partials, unsigned blocks, std::size_t count,
                              float* loss) {
  double acc = 0.0;
  for (unsigned b = threadIdx.x; b < blocks; b += kThreads)
    acc += partials[b];
  const double total = block_sum(acc);
  if (threadIdx.x == 0) *loss = static_cast<float>(total / double(count));
}

// Reads pred and target, writes dpred: 2 sizeof(S) + 4 bytes per element.
template <typename S>
__global__ void backward_kernel(Loss kind, const S* pred, const float* target, S* dpred,
                                std::size_t count, float scale, const float* grad_scale) {
  // Rounded as the CPU reference rounds when there is no loss scale; a loss
  // scale is a power of two, so the product is exact.
  if (grad_scale) scale *= *grad_scale;
  ATELIER_GRID_STRIDE_LOOP(i, count) {
    const float d = load_f32(pred, i) - load_f32(target, i);
    const float sign = d > 0.0f ? 1.0f : (d < 0.0f ? -1.0f : 0.0f);
    store_f32(dpred, i, kind == Loss::mse ? d * scale : sign * scale);
  }
}

unsigned forward_blocks(std::size_t count) {
  const std::size_t wanted = (count + kThreads - 1) / kThreads;
  return static_cast<unsigned>(wanted < kMaxBlocks ? wanted : kMaxBlocks);
}

template <typename S>
void forward(Loss kind, const S* pred, const float* target, std::size_t count, float* loss,
             void* workspace, gpu_stream stream) {
  if (count == 0) throw std::invalid_argument("loss_forward: no elements");
  if (!workspace) throw std::invalid_argument("loss_forward: no workspace");
  const unsigned blocks = forward_blocks(count);
  auto* partials = static_cast<double*>(workspace);
  partial_kernel<<<blocks, kThreads, 0, stream>>>(kind, pred, target, count, partials);
  CUDA_CHECK(cudaGetLastError());
  finish_kernel<<<1, kThreads, 0, stream>>>(partials, blocks, count, loss);
  CUDA_CHECK(cudaGetLastError());
}

template <typename S>
void backward(Loss kind, const S* pred, const float* target, S* dpred, std::size_t count,
              gpu_stream stream, const float* grad_scale) {
  if (count == 0) throw std::invalid_argument("loss_backward: no elements");
  const double n = double(count);
  const float scale = static_cast<float>(kind == Loss::mse ? 2.0 / n : 1.0 / n);
  backward_kernel<<<detail::grid_for(count), detail::kOpThreads, 0, stream>>>(
      kind, pred, target, dpred, count, scale, grad_scale);
  CUDA_CHECK(cudaGetLastError());
}

} // namespace

std::size_t loss_workspace_bytes() {
  return kMaxBlocks * sizeof(double);
}

void loss_forward(Loss kind, Storage s, const void* pred, const float* target, std::size_t count,
                  float* loss, void* workspace, gpu_stream stream) {
  detail::with_storage(s, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    forward(kind, static_cast<const T*>(pred), target, count, loss, workspace, stream);
  });
}

void loss_backward(Loss kind, Storage s, const void* pred, const float* target, void* dpred,
                   std::size_t count, gpu_stream stream, const float* grad_scale) {
  detail::with_storage(s, [&](auto tag) {
    using T = ATELIER_ELEMENT_TYPE(tag);
    backward(kind, static_cast<const T*>(pred), target, static_cast<T*>(dpred), count, stream,
             grad_scale);
  });
}

} // namespace atelier::kernels
