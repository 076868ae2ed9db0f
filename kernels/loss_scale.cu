// Loss-scale bookkeeping: one thread, a few bytes, on the stream of the step.
#include "kernels/cuda_check.cuh"
#include "kernels/loss_scale.h"

#include <cmath>
#include <stdexcept>

namespace atelier::kernels {
namespace {

__global__ void init_kernel(LossScaleState* state, float scale) {
  state->scale = scale;
  state->inverse = 1.0f / scale;
  state->good_steps = 0;
  state->skipped_steps = 0;
}

__global__ void update_kernel(LossScaleState* state, const double* sum_squares, int interval) {
  LossScaleState s = *state;
  if (!isfinite(*sum_squares)) {
    s.scale = fmaxf(s.scale * 0.5f, kMinLossScale);
    s.good_steps = 0;
    ++s.skipped_steps;
  } else if (++s.good_steps >= interval) {
    s.scale = fminf(s.scale * 2.0f, kMaxLossScale);
    s.good_steps = 0;
  }
  s.inverse = 1.0f / s.scale; // exact: a power of two
  *state = s;
}

} // namespace

void loss_scale_init(LossScaleState* state, float scale, gpu_stream stream) {
  int exponent = 0;
  if (!(scale >= kMinLossScale && scale <= kMaxLossScale) || std::frexp(scale, &exponent) != 0.5f)
    throw std::invalid_argument(
        "loss_scale_init: the scale must be a power of two in [2^-24, 2^24]");
  init_kernel<<<1, 1, 0, stream>>>(state, scale);
  CUDA_CHECK(cudaGetLastError());
}

void loss_scale_update(LossScaleState* state, const double* sum_squares, int interval,
                       gpu_stream stream) {
  if (interval < 1) throw std::invalid_argument("loss_scale_update: interval must be >= 1");
  update_kernel<<<1, 1, 0, stream>>>(state, sum_squares, interval);
  CUDA_CHECK(cudaGetLastError());
}

LossScaleState read_loss_scale(const LossScaleState* state, gpu_stream stream) {
  LossScaleState host;
  CUDA_CHECK(cudaMemcpyAsync(&host, state, sizeof host, cudaMemcpyDeviceToHost, stream));
  CUDA_CHECK(cudaStreamSynchronize(stream));
  return host;
}

} // namespace atelier::kernels
