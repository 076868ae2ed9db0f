// Fused optimizer steps and global gradient-norm clipping on flat device
// buffers: f32 master weights and optimizer state, gradients in any storage
// (kernels/storage.h), optionally writing a 16-bit copy of the updated
// weights for bf16 or f16 compute. The CPU references are core/nn/
// optimizer.h and core/nn/grad_clip.h; the equations are written there.
//
// All functions are asynchronous on `stream` (no host synchronisation) except
// read_grad_norm. Pointers are device pointers.
//
// Bytes moved per parameter (memory bound; H100 ~3.3 TB/s, so a 30M-parameter
// model's AdamW step is ~0.25 ms):
//   Adam/AdamW: read p, m, v (12) + grad (4 f32 / 2 16-bit), write p, m, v
//               (12), + 2 for a 16-bit copy: 28-30 B (f32 grads), 26-28 B.
//   SGD + momentum: read p, b + grad, write p, b: 20 B (f32 grads) + 2 copy.
//   grad norm: read the grad (4 / 2 B); clip scale: read + write (8 / 4 B).
#pragma once

#include "kernels/gpu_stream.h"
#include "kernels/storage.h"

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

// Where one update reads and writes: f32 master weights, the gradients in
// grad_type, and optionally (params_copy not null) a 16-bit copy of the
// updated weights in copy_type (bf16 or f16), which the convolutions read.
struct UpdateBuffers {
  float* params = nullptr;
  const void* grads = nullptr;
  Storage grad_type = Storage::f32;
  void* params_copy = nullptr;
  Storage copy_type = Storage::f32; // bf16 or f16 when there is a copy
  std::size_t count = 0;
  // When not null and *skip_unless_finite (one device double, read when the
  // kernel runs: the gradients' global sum of squares) is not finite, the
  // update writes nothing: f16 training's step whose loss scale overflowed.
  const double* skip_unless_finite = nullptr;
  // When not null, *skipped_steps (one device int) updates were skipped so
  // far: the step number Adam's bias corrections and SGD's first step use is
  // hyper.step - *skipped_steps, as if skipped steps had never reached the
  // optimizer (torch.amp.GradScaler does not call it for them). Adam's
  // corrections are then computed on the device, in double.
  const std::int32_t* skipped_steps = nullptr;
};

// m and v must be zeroed before step 1. Throws CudaError on a launch error,
// std::invalid_argument for step < 1 or an f32 params_copy.
void adam_step(const UpdateBuffers& b, float* m, float* v, const AdamHyper& hyper,
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
void sgd_step(const UpdateBuffers& b, float* momentum_buffer, const SgdHyper& hyper,
              gpu_stream stream);

// Global norm: *sum_squares (one device double) += sum of g^2 over the buffer,
// accumulated in double. Zero it first with zero_sum_squares, then call once
// per gradient buffer. Deterministic: a partial sum per block into workspace
// (grad_sum_squares_workspace_bytes(), device memory), then one block adds
// them in a fixed order; the same buffer gives the same bits every run.
void zero_sum_squares(double* sum_squares, gpu_stream stream);
std::size_t grad_sum_squares_workspace_bytes();
void grad_sum_squares(Storage s, const void* grads, std::size_t count, double* sum_squares,
                      void* workspace, gpu_stream stream);

// Clipping without a host round trip: each thread computes
// coef = max_norm / (sqrt(*sum_squares) + eps) and, when coef < 1, multiplies
// the gradients by it (a non-finite norm leaves them as they are, like
// nn::clip_grad_norm). Call once per buffer after all the sums.
void grad_clip_scale(Storage s, void* grads, std::size_t count, const double* sum_squares,
                     double max_norm, double eps, gpu_stream stream);

// sqrt(*sum_squares): copies it to the host and waits (a synchronisation
// point, for logging).
double read_grad_norm(const double* sum_squares, gpu_stream stream);

} // namespace atelier::kernels
