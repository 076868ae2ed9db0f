// CPU reference of the fused bias + activation epilogue, y = act(x + b[c]),
// and its backward (dx and the per-channel db), f32 and f64, NCHW or NHWC.
// GELU is the tanh approximation, PyTorch's gelu(approximate='tanh'):
// 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))).
#pragma once

#include "core/nn/conv2d_reference.h"
#include "core/nn/tensor_layout.h"

#include <span>

namespace atelier::nn {

enum class Activation { identity, relu, leaky_relu, gelu_tanh };

// act(z) and act'(z); slope is used by leaky_relu only (z > 0 ? z : slope z,
// and the derivative at exactly 0 is slope, as PyTorch's).
double activation_value(Activation act, double z, double slope);
double activation_derivative(Activation act, double z, double slope);

// y = act(x + bias[c]). bias may be empty (no bias). y may be x.
void bias_activation_forward(const Nchw& shape, Layout layout, std::span<const float> x,
                             std::span<const float> bias, std::span<float> y, Activation act,
                             float slope = 0.0f);
void bias_activation_forward(const Nchw& shape, Layout layout, std::span<const double> x,
                             std::span<const double> bias, std::span<double> y, Activation act,
                             double slope = 0.0);

// From the forward input x (before the bias): dx = dy * act'(x + bias[c])
// (dx may be dy) and, unless db is empty, db[c] = sum over n, h, w of dx
// (accumulated in double, overwritten).
void bias_activation_backward(const Nchw& shape, Layout layout, std::span<const float> x,
                              std::span<const float> bias, std::span<const float> dy,
                              std::span<float> dx, std::span<float> db, Activation act,
                              float slope = 0.0f);
void bias_activation_backward(const Nchw& shape, Layout layout, std::span<const double> x,
                              std::span<const double> bias, std::span<const double> dy,
                              std::span<double> dx, std::span<double> db, Activation act,
                              double slope = 0.0);

namespace detail {
// The argument checks of bias_activation_forward / _backward (sizes in
// elements; 0 for an empty bias or db), shared with the CPU backend's ops.
void check_bias_activation_forward(const Nchw& shape, std::size_t x, std::size_t bias,
                                   std::size_t y);
void check_bias_activation_backward(const Nchw& shape, std::size_t x, std::size_t bias,
                                    std::size_t dy, std::size_t dx, std::size_t db);
} // namespace detail

} // namespace atelier::nn
