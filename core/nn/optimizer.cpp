// The optimizers in f32 with PyTorch's operation order (scalars rounded to
// f32 where PyTorch's f32 kernels round them), so results agree with
// torch.optim to about one rounding per operation.
#include "core/nn/optimizer.h"

#include "core/base/error.h"

#include <cmath>
#include <string>

namespace atelier::nn {
namespace {

void check_sizes(const char* op, std::size_t params, std::size_t grads) {
  if (params != grads)
    throw Error(std::string(op) + ": " + std::to_string(params) + " parameters but " +
                std::to_string(grads) + " gradients");
}

void check_state(const char* op, const char* what, std::size_t state, std::size_t params) {
  if (state != params)
    throw Error(std::string(op) + ": state " + what + " has " + std::to_string(state) +
                " values for " + std::to_string(params) + " parameters");
}

// torch.lerp's formula: exact at both ends, stable in between.
inline float lerp(float a, float b, float w) {
  return w < 0.5f ? a + w * (b - a) : b - (b - a) * (1.0f - w);
}

} // namespace

void SgdOptions::validate() const {
  if (!(lr >= 0.0)) throw Error("SGD: invalid learning rate " + std::to_string(lr));
  if (!(momentum >= 0.0)) throw Error("SGD: invalid momentum " + std::to_string(momentum));
  if (!(weight_decay >= 0.0))
    throw Error("SGD: invalid weight decay " + std::to_string(weight_decay));
  if (nesterov && (momentum <= 0.0 || dampening != 0.0))
    throw Error("SGD: Nesterov momentum needs a positive momentum and zero dampening");
}

void sgd_step(const SgdOptions& options, std::span<float> params, std::span<const float> grads,
              SgdState& state) {
  options.validate();
  check_sizes("sgd_step", params.size(), grads.size());
  const bool use_momentum = options.momentum != 0.0;
  if (use_momentum && !state.momentum_buffer.empty())
    check_state("sgd_step", "momentum_buffer", state.momentum_buffer.size(), params.size());
  const bool first = use_momentum && state.momentum_buffer.empty();
  if (first) state.momentum_buffer.assign(params.size(), 0.0f);

  const float wd = static_cast<float>(options.weight_decay);
  const float mu = static_cast<float>(options.momentum);
  const float keep = static_cast<float>(1.0 - options.dampening);
  const float neg_lr = static_cast<float>(-options.lr);
  for (std::size_t i = 0; i < params.size(); ++i) {
    float g = grads[i];
    if (wd != 0.0f) g = g + wd * params[i];
    if (use_momentum) {
      float& b = state.momentum_buffer[i];
      b = first ? g : b * mu + keep * g;
      g = options.nesterov ? g + mu * b : b;
    }
    params[i] = params[i] + neg_lr * g;
  }
  ++state.step;
}

void AdamOptions::validate() const {
  if (!(lr >= 0.0)) throw Error("Adam: invalid learning rate " + std::to_string(lr));
  // Positive (PyTorch allows 0): the backends keep padded and widened
  // weights at zero with zero gradients, and with eps 0 their update would be
  // 0 / 0, a NaN that reaches real weights through the next gradient.
  if (!(eps > 0.0)) throw Error("Adam: invalid epsilon " + std::to_string(eps) + " (must be > 0)");
  if (!(beta1 >= 0.0 && beta1 < 1.0)) throw Error("Adam: invalid beta1 " + std::to_string(beta1));
  if (!(beta2 >= 0.0 && beta2 < 1.0)) throw Error("Adam: invalid beta2 " + std::to_string(beta2));
  if (!(weight_decay >= 0.0))
    throw Error("Adam: invalid weight decay " + std::to_string(weight_decay));
}

AdamOptions adamw_options(double lr, double weight_decay) {
  AdamOptions o;
  o.lr = lr;
  o.weight_decay = weight_decay;
  o.decoupled_weight_decay = true;
  return o;
}

AdamStepScalars adam_step_scalars(const AdamOptions& options, std::int64_t step) {
  if (step < 1) throw Error("Adam: step " + std::to_string(step) + " (steps count from 1)");
  const double t = static_cast<double>(step);
  AdamStepScalars s;
  s.step_size = options.lr / (1.0 - std::pow(options.beta1, t));
  s.bc2_sqrt = std::sqrt(1.0 - std::pow(options.beta2, t));
  return s;
}

void adam_step(const AdamOptions& options, std::span<float> params, std::span<const float> grads,
               AdamState& state) {
  options.validate();
  check_sizes("adam_step", params.size(), grads.size());
  if (state.m.empty() && state.v.empty()) {
    state.m.assign(params.size(), 0.0f);
    state.v.assign(params.size(), 0.0f);
  }
  check_state("adam_step", "m", state.m.size(), params.size());
  check_state("adam_step", "v", state.v.size(), params.size());

  const AdamStepScalars sc = adam_step_scalars(options, state.step + 1);
  const bool decoupled = options.decoupled_weight_decay;
  const float wd = static_cast<float>(options.weight_decay);
  const float decay = static_cast<float>(1.0 - options.lr * options.weight_decay);
  const float w1 = static_cast<float>(1.0 - options.beta1);
  const float b2 = static_cast<float>(options.beta2);
  const float w2 = static_cast<float>(1.0 - options.beta2);
  const float bc2_sqrt = static_cast<float>(sc.bc2_sqrt);
  const float eps = static_cast<float>(options.eps);
  const float neg_step = static_cast<float>(-sc.step_size);
  for (std::size_t i = 0; i < params.size(); ++i) {
    float p = params[i];
    float g = grads[i];
    if (wd != 0.0f) {
      if (decoupled)
        p = p * decay;
      else
        g = g + wd * p;
    }
    const float m = lerp(state.m[i], g, w1);
    const float v = state.v[i] * b2 + w2 * g * g;
    state.m[i] = m;
    state.v[i] = v;
    const float denom = std::sqrt(v) / bc2_sqrt + eps;
    params[i] = p + neg_step * (m / denom);
  }
  ++state.step;
}

} // namespace atelier::nn
