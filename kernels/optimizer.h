// Fused optimizer steps and global gradient-norm clipping on flat device
// buffers: f32 master weights and optimizer state, f32 or bf16 gradients,
// optionally writing a bf16 copy of the updated weights for bf16 compute.
// The CPU references are core/nn/optimizer.h and core/nn/grad_clip.h; the
// equations are written there. bf16 values travel as their bit patterns in
// std::uint16_t so this header needs no CUDA types.
//
// All functions are asynchronous on `stream` (no host synchronisation) except
// read_grad_norm. Pointers are device pointers; `params_bf16` may be null.
//
// Bytes moved per parameter (memory bound; H100 ~3.3 TB/s, so a 30M-parameter
// model's AdamW step is ~0.25 ms):
//   Adam/AdamW: read p, m, v (12) + grad (4 f32 / 2 bf16), write p, m, v (12),
//               + 2 for the bf16 copy: 28-30 B (f32 grads), 26-28 B (bf16).
//   SGD + momentum: read p, b + grad, write p, b: 20 B (f32 grads) + 2 copy.
//   grad norm: read the grad (4 / 2 B); clip scale: read + write (8 / 4 B).
#pragma once

#include "kernels/gpu_stream.h"

#include <cstddef>
#include <cstdint>

namespace atelier::kernels {

// Hyperparameters of one Adam/AdamW step; `step` is the 1-based step number
// of this update. The launcher computes the bias corrections in double on
// the host: step_size = lr / (1 - beta1^step), bc2_sqrt = sqrt(1 - beta2^step).
struct AdamHyper {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool decoupled_weight_decay = false; // true: AdamW
  std::int64_t step = 1;
};

// m and v must be zeroed before step 1. Throws CudaError on a launch error,
// std::invalid_argument for step < 1.
void adam_step_f32(float* params, float* m, float* v, const float* grads,
                   std::uint16_t* params_bf16, std::size_t count, const AdamHyper& hyper,
                   gpu_stream stream);
void adam_step_bf16_grad(float* params, float* m, float* v, const std::uint16_t* grads,
                         std::uint16_t* params_bf16, std::size_t count, const AdamHyper& hyper,
                         gpu_stream stream);

// Hyperparameters of one SGD step; `step` is the 1-based step number (step 1
// initialises the momentum buffer with the gradient, as PyTorch does).
struct SgdHyper {
  double lr = 0.01;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  std::int64_t step = 1;
};

// momentum_buffer may be null when momentum is 0.
void sgd_step_f32(float* params, float* momentum_buffer, const float* grads,
                  std::uint16_t* params_bf16, std::size_t count, const SgdHyper& hyper,
                  gpu_stream stream);
void sgd_step_bf16_grad(float* params, float* momentum_buffer, const std::uint16_t* grads,
                        std::uint16_t* params_bf16, std::size_t count, const SgdHyper& hyper,
                        gpu_stream stream);

// Global norm: *sum_squares (one device double) += sum of g^2 over the buffer,
// accumulated in double. Zero it first with zero_sum_squares, then call once
// per gradient buffer. Deterministic: a partial sum per block into workspace
// (grad_sum_squares_workspace_bytes(), device memory), then one block adds
// them in a fixed order; the same buffer gives the same bits every run.
void zero_sum_squares(double* sum_squares, gpu_stream stream);
std::size_t grad_sum_squares_workspace_bytes();
void grad_sum_squares_f32(const float* grads, std::size_t count, double* sum_squares,
                          void* workspace, gpu_stream stream);
void grad_sum_squares_bf16(const std::uint16_t* grads, std::size_t count, double* sum_squares,
                           void* workspace, gpu_stream stream);

// Clipping without a host round trip: each thread computes
// coef = max_norm / (sqrt(*sum_squares) + eps) and, when coef < 1, multiplies
// the gradients by it (a non-finite norm leaves them as they are, like
// nn::clip_grad_norm). Call once per buffer after all the sums.
void grad_clip_scale_f32(float* grads, std::size_t count, const double* sum_squares,
                         double max_norm, double eps, gpu_stream stream);
void grad_clip_scale_bf16(std::uint16_t* grads, std::size_t count, const double* sum_squares,
                          double max_norm, double eps, gpu_stream stream);

// sqrt(*sum_squares): copies it to the host and waits (a synchronisation
// point, for logging).
double read_grad_norm(const double* sum_squares, gpu_stream stream);

} // namespace atelier::kernels
