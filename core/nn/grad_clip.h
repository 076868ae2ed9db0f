// Global-norm gradient clipping over several gradient buffers, as
// torch.nn.utils.clip_grad_norm_ (norm_type 2, foreach or not).
#pragma once

#include <span>

namespace atelier::nn {

// sqrt(sum over every buffer and element of g^2), accumulated in double.
double global_grad_norm(std::span<const std::span<const float>> grads);
double global_grad_norm(std::span<const std::span<float>> grads);

// total = global_grad_norm(grads); coef = max_norm / (total + eps);
// if coef < 1 every gradient is multiplied by float(coef). Returns total (the
// norm before clipping). After clipping the norm is max_norm * total /
// (total + eps), a hair under max_norm, as in PyTorch.
// One difference from PyTorch: a non-finite total leaves the gradients
// untouched (PyTorch would turn them into NaN); the caller should skip the
// step. Throws atelier::Error for a negative or NaN max_norm.
double clip_grad_norm(std::span<const std::span<float>> grads, double max_norm, double eps = 1e-6);

} // namespace atelier::nn
