// Fused optimizer updates and gradient-norm clipping: one element per thread
// in grid-stride loops, f32 arithmetic in the CPU reference's operation order
// (core/nn/optimizer.cpp), scalars prepared in double on the host and rounded
// to f32 exactly as the reference rounds them. Memory bound: see the bytes
// per parameter in the header.
#include "kernels/cuda_check.cuh"
#include "kernels/element_io.cuh"
#include "kernels/optimizer.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace atelier::kernels {
namespace {

constexpr int kThreads = 256;

unsigned grid_for(std::size_t n, std::size_t max_blocks = 65535) {
  const std::size_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(std::min<std::size_t>(blocks, max_blocks));
}

using detail::load_f32;
using detail::store_f32;

// Whether an update whose skip flag is `flag` writes (see UpdateBuffers).
__device__ __forceinline__ bool skipped(const double* flag) {
  return flag && !isfinite(*flag);
}

// torch.lerp's formula, as nn::adam_step uses it.
__device__ __forceinline__ float lerp(float a, float b, float w) {
  return w < 0.5f ? a + w * (b - a) : b - (b - a) * (1.0f - w);
}

struct AdamScalars {
  float decay;    // AdamW: 1 - lr * weight_decay
  float wd;       // Adam: L2 coefficient
  float w1;       // 1 - beta1
  float b2;       // beta2
  float w2;       // 1 - beta2
  float bc2_sqrt; // sqrt(1 - beta2^t)
  float eps;
  float neg_step; // -lr / (1 - beta1^t)
  int mode;       // 0: no decay, 1: L2 (Adam), 2: decoupled (AdamW)
  // For corrections recomputed on the device (UpdateBuffers::skipped_steps).
  double lr, beta1, beta2;
  long long step;
};

// bc2_sqrt and neg_step for step t, as adam_scalars computes them.
__device__ void adam_corrections(AdamScalars& s, long long t) {
  s.bc2_sqrt = static_cast<float>(sqrt(1.0 - pow(s.beta2, double(t))));
  s.neg_step = static_cast<float>(-(s.lr / (1.0 - pow(s.beta1, double(t)))));
}

template <typename G, typename C>
__global__ void adam_kernel(float* __restrict__ params, float* __restrict__ m_buf,
                            float* __restrict__ v_buf, const G* __restrict__ grads,
                            C* __restrict__ params_copy, std::size_t n, AdamScalars s,
                            const double* skip, const std::int32_t* skipped_steps) {
  if (skipped(skip)) return;
  if (skipped_steps) adam_corrections(s, s.step - *skipped_steps);
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    float p = params[i];
    float g = load_f32(grads, i);
    if (s.mode == 2)
      p = p * s.decay;
    else if (s.mode == 1)
      g = g + s.wd * p;
    const float m = lerp(m_buf[i], g, s.w1);
    const float v = v_buf[i] * s.b2 + s.w2 * g * g;
    m_buf[i] = m;
    v_buf[i] = v;
    const float denom = sqrtf(v) / s.bc2_sqrt + s.eps;
    p = p + s.neg_step * (m / denom);
    params[i] = p;
    if (params_copy) store_f32(params_copy, i, p);
  }
}

struct SgdScalars {
  float wd;
  float mu;   // momentum
  float keep; // 1 - dampening
  float neg_lr;
  int use_momentum;
  int first; // step 1: buffer = gradient
  int nesterov;
  long long step; // for `first` on the device (UpdateBuffers::skipped_steps)
};

template <typename G, typename C>
__global__ void sgd_kernel(float* __restrict__ params, float* __restrict__ buf,
                           const G* __restrict__ grads, C* __restrict__ params_copy, std::size_t n,
                           SgdScalars s, const double* skip, const std::int32_t* skipped_steps) {
  if (skipped(skip)) return;
  if (skipped_steps) s.first = s.step - *skipped_steps == 1;
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    float p = params[i];
    float g = load_f32(grads, i);
    if (s.wd != 0.0f) g = g + s.wd * p;
    if (s.use_momentum) {
      const float b = s.first ? g : buf[i] * s.mu + s.keep * g;
      buf[i] = b;
      g = s.nesterov ? g + s.mu * b : b;
    }
    p = p + s.neg_lr * g;
    params[i] = p;
    if (params_copy) store_f32(params_copy, i, p);
  }
}

// Stage 1: partials[block] = this block's sum of squares.
template <typename G>
__global__ void sum_squares_kernel(const G* __restrict__ grads, std::size_t n, double* partials) {
  double sq = 0.0;
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    const double g = load_f32(grads, i);
    sq += g * g;
  }
  for (int offset = 16; offset > 0; offset >>= 1)
    sq += __shfl_down_sync(0xffffffffu, sq, offset);
  __shared__ double s_sq[kThreads / 32];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) s_sq[warp] = sq;
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int w = 1; w < kThreads / 32; ++w)
      sq += s_sq[w];
    partials[blockIdx.x] = sq;
  }
}

// Stage 2, one block: *out += the partials, each thread a fixed strided
// subset, then a fixed tree.
__global__ void sum_partials_kernel(const double* __restrict__ partials, unsigned blocks,
                                    double* out) {
  double sq = 0.0;
  for (unsigned b = threadIdx.x; b < blocks; b += blockDim.x)
    sq += partials[b];
  __shared__ double s[kThreads];
  s[threadIdx.x] = sq;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half >>= 1) {
    if (int(threadIdx.x) < half) s[threadIdx.x] += s[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) *out += s[0];
}

template <typename G>
__device__ __forceinline__ void scale(G* p, std::size_t i, float c) {
  store_f32(p, i, load_f32(p, i) * c);
}

template <typename G>
__global__ void clip_scale_kernel(G* __restrict__ grads, std::size_t n,
                                  const double* __restrict__ sum_squares, double max_norm,
                                  double eps) {
  const double total = sqrt(*sum_squares);
  if (!isfinite(total)) return;
  const double coef = max_norm / (total + eps);
  if (!(coef < 1.0)) return;
  const float c = static_cast<float>(coef);
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride)
    scale(grads, i, c);
}

AdamScalars adam_scalars(const AdamHyper& h) {
  if (h.step < 1) throw std::invalid_argument("adam_step: step must be >= 1 (1-based)");
  const double t = static_cast<double>(h.step);
  AdamScalars s{};
  s.decay = static_cast<float>(1.0 - h.lr * h.weight_decay);
  s.wd = static_cast<float>(h.weight_decay);
  s.w1 = static_cast<float>(1.0 - h.beta1);
  s.b2 = static_cast<float>(h.beta2);
  s.w2 = static_cast<float>(1.0 - h.beta2);
  s.bc2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(h.beta2, t)));
  s.eps = static_cast<float>(h.eps);
  s.neg_step = static_cast<float>(-(h.lr / (1.0 - std::pow(h.beta1, t))));
  s.mode = s.wd == 0.0f ? 0 : h.decoupled_weight_decay ? 2 : 1;
  s.lr = h.lr;
  s.beta1 = h.beta1;
  s.beta2 = h.beta2;
  s.step = h.step;
  return s;
}

SgdScalars sgd_scalars(const SgdHyper& h, const float* buffer) {
  if (h.step < 1) throw std::invalid_argument("sgd_step: step must be >= 1 (1-based)");
  SgdScalars s{};
  s.wd = static_cast<float>(h.weight_decay);
  s.mu = static_cast<float>(h.momentum);
  s.keep = static_cast<float>(1.0 - h.dampening);
  s.neg_lr = static_cast<float>(-h.lr);
  s.use_momentum = h.momentum != 0.0;
  s.first = h.step == 1;
  s.nesterov = h.nesterov;
  s.step = h.step;
  if (s.use_momentum && !buffer)
    throw std::invalid_argument("sgd_step: momentum needs a momentum buffer");
  return s;
}

// A few blocks per SM are enough to saturate bandwidth; the grid depends
// only on the count, so the order of the sums does too.
constexpr std::size_t kSumBlocks = 1024;

template <typename G>
void launch_sum_squares(const G* grads, std::size_t count, double* sum_squares, void* workspace,
                        gpu_stream stream) {
  if (count == 0) return;
  if (!workspace) throw std::invalid_argument("grad_sum_squares: a workspace is required");
  const unsigned blocks = grid_for(count, kSumBlocks);
  double* partials = static_cast<double*>(workspace);
  sum_squares_kernel<<<blocks, kThreads, 0, stream>>>(grads, count, partials);
  CUDA_CHECK(cudaGetLastError());
  sum_partials_kernel<<<1, kThreads, 0, stream>>>(partials, blocks, sum_squares);
  CUDA_CHECK(cudaGetLastError());
}

} // namespace

namespace {

// Calls f(grad tag, copy tag) with null pointers of the gradients' and the
// copy's element types (the copy's bf16 when there is none).
template <typename F>
void with_update_types(const UpdateBuffers& b, F&& f) {
  if (b.params_copy && b.copy_type == Storage::f32)
    throw std::invalid_argument("optimizer step: the weight copy must be bf16 or f16");
  detail::with_storage(b.grad_type, [&](auto grad_tag) {
    if (b.params_copy && b.copy_type == Storage::f16)
      f(grad_tag, static_cast<__half*>(nullptr));
    else
      f(grad_tag, static_cast<__nv_bfloat16*>(nullptr));
  });
}

} // namespace

void adam_step(const UpdateBuffers& b, float* m, float* v, const AdamHyper& hyper,
               gpu_stream stream) {
  const AdamScalars s = adam_scalars(hyper);
  if (b.count == 0) return;
  with_update_types(b, [&](auto grad_tag, auto copy_tag) {
    using G = ATELIER_ELEMENT_TYPE(grad_tag);
    using C = ATELIER_ELEMENT_TYPE(copy_tag);
    adam_kernel<<<grid_for(b.count), kThreads, 0, stream>>>(
        b.params, m, v, static_cast<const G*>(b.grads), static_cast<C*>(b.params_copy), b.count, s,
        b.skip_unless_finite, b.skipped_steps);
  });
  CUDA_CHECK(cudaGetLastError());
}

void sgd_step(const UpdateBuffers& b, float* momentum_buffer, const SgdHyper& hyper,
              gpu_stream stream) {
  const SgdScalars s = sgd_scalars(hyper, momentum_buffer);
  if (b.count == 0) return;
  with_update_types(b, [&](auto grad_tag, auto copy_tag) {
    using G = ATELIER_ELEMENT_TYPE(grad_tag);
    using C = ATELIER_ELEMENT_TYPE(copy_tag);
    sgd_kernel<<<grid_for(b.count), kThreads, 0, stream>>>(
        b.params, momentum_buffer, static_cast<const G*>(b.grads), static_cast<C*>(b.params_copy),
        b.count, s, b.skip_unless_finite, b.skipped_steps);
  });
  CUDA_CHECK(cudaGetLastError());
}

void zero_sum_squares(double* sum_squares, gpu_stream stream) {
  CUDA_CHECK(cudaMemsetAsync(sum_squares, 0, sizeof(double), stream));
}

std::size_t grad_sum_squares_workspace_bytes() {
  return kSumBlocks * sizeof(double);
}

void grad_sum_squares(Storage s, const void* grads, std::size_t count, double* sum_squares,
                      void* workspace, gpu_stream stream) {
  detail::with_storage(s, [&](auto tag) {
    using G = ATELIER_ELEMENT_TYPE(tag);
    launch_sum_squares(static_cast<const G*>(grads), count, sum_squares, workspace, stream);
  });
}

void grad_clip_scale(Storage s, void* grads, std::size_t count, const double* sum_squares,
                     double max_norm, double eps, gpu_stream stream) {
  if (count == 0) return;
  detail::with_storage(s, [&](auto tag) {
    using G = ATELIER_ELEMENT_TYPE(tag);
    clip_scale_kernel<<<grid_for(count), kThreads, 0, stream>>>(static_cast<G*>(grads), count,
                                                                sum_squares, max_norm, eps);
  });
  CUDA_CHECK(cudaGetLastError());
}

double read_grad_norm(const double* sum_squares, gpu_stream stream) {
  double host = 0.0;
  CUDA_CHECK(cudaMemcpyAsync(&host, sum_squares, sizeof host, cudaMemcpyDeviceToHost, stream));
  CUDA_CHECK(cudaStreamSynchronize(stream));
  return std::sqrt(host);
}

} // namespace atelier::kernels
