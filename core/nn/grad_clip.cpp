// Gradient norm in double: squares of f32 values are exact in double, so the
// sum is accurate to ~1e-16 relative per addition whatever the order.
#include "core/nn/grad_clip.h"

#include "core/base/error.h"

#include <cmath>
#include <string>

namespace atelier::nn {
namespace {

template <typename Span>
double norm_impl(std::span<const Span> grads) {
  double sum = 0.0;
  for (const auto& g : grads)
    for (const float x : g)
      sum += static_cast<double>(x) * static_cast<double>(x);
  return std::sqrt(sum);
}

} // namespace

double global_grad_norm(std::span<const std::span<const float>> grads) {
  return norm_impl(grads);
}

double global_grad_norm(std::span<const std::span<float>> grads) {
  return norm_impl(grads);
}

double clip_grad_norm(std::span<const std::span<float>> grads, double max_norm, double eps) {
  if (!(max_norm >= 0.0))
    throw Error("clip_grad_norm: invalid max_norm " + std::to_string(max_norm));
  const double total = norm_impl(grads);
  if (!std::isfinite(total)) return total;
  const double coef = max_norm / (total + eps);
  if (coef < 1.0) {
    const float c = static_cast<float>(coef);
    for (const auto& g : grads)
      for (float& x : g)
        x *= c;
  }
  return total;
}

} // namespace atelier::nn
