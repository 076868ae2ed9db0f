// CPU reference optimizers over one flat f32 parameter buffer and its
// gradient: SGD (momentum, Nesterov, L2 weight decay), Adam (L2 weight decay)
// and AdamW (decoupled weight decay), following torch.optim's documented
// single-tensor algorithms step for step. The GPU kernels
// (kernels/optimizer.h) are tested against these. State lives in plain
// structs so checkpoints can save and restore it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace atelier::nn {

// torch.optim.SGD (maximize=False). With g = grad, p = param, t = step (1-based):
//   g = g + weight_decay * p                         (if weight_decay != 0)
//   if momentum != 0:
//     b = g                                          (t == 1)
//     b = momentum * b + (1 - dampening) * g         (t > 1)
//     g = nesterov ? g + momentum * b : b
//   p = p - lr * g
struct SgdOptions {
  double lr = 0.01;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false; // needs momentum > 0 and dampening 0 (as in PyTorch)

  // Throws atelier::Error for a negative lr, momentum or weight decay, or
  // Nesterov without momentum / with dampening.
  void validate() const;
};

struct SgdState {
  std::int64_t step = 0;              // steps taken
  std::vector<float> momentum_buffer; // empty until the first step with momentum
};

// One step: updates params in place. grads must have params' size, and the
// state's buffer (when not empty) too (Error otherwise).
void sgd_step(const SgdOptions& options, std::span<float> params, std::span<const float> grads,
              SgdState& state);

// torch.optim.Adam (amsgrad=False) and, with decoupled_weight_decay,
// torch.optim.AdamW. With t the 1-based step:
//   AdamW:  p = p * (1 - lr * weight_decay)
//   Adam:   g = g + weight_decay * p                 (if weight_decay != 0)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   step_size = lr / (1 - beta1^t)                   (in double, on the host)
//   bc2_sqrt  = sqrt(1 - beta2^t)                    (in double, on the host)
//   p = p - step_size * m / (sqrt(v) / bc2_sqrt + eps)
// which is p - lr * m_hat / (sqrt(v_hat) + eps) with eps outside the root.
struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool decoupled_weight_decay = false; // true: AdamW

  // Throws atelier::Error for a negative lr, eps or weight decay, or a beta
  // outside [0, 1).
  void validate() const;
};

// torch.optim.AdamW's defaults (weight_decay 0.01).
AdamOptions adamw_options(double lr = 1e-3, double weight_decay = 0.01);

struct AdamState {
  std::int64_t step = 0; // steps taken
  std::vector<float> m;  // first moment (exp_avg); empty before the first step
  std::vector<float> v;  // second moment (exp_avg_sq)
};

// The per-step scalars both the CPU reference and the GPU launcher use.
struct AdamStepScalars {
  double step_size = 0.0; // lr / (1 - beta1^t)
  double bc2_sqrt = 1.0;  // sqrt(1 - beta2^t)
};
AdamStepScalars adam_step_scalars(const AdamOptions& options, std::int64_t step);

// One step: updates params in place, m and v are created (zero) on the first
// step. Sizes must agree (Error otherwise).
void adam_step(const AdamOptions& options, std::span<float> params, std::span<const float> grads,
               AdamState& state);

} // namespace atelier::nn
