// CPU reference of 2x2 stride-2 max pooling and its backward, f32 and f64,
// NCHW or NHWC. Odd extents are floored like PyTorch's default (the last row
// or column is dropped and gets zero gradient). The window's argmax is kept
// per output as 0..3 (dy * 2 + dx) for the backward; ties go to the first
// element in row-major window order and a NaN wins (PyTorch's rules).
#pragma once

#include "core/nn/conv2d_reference.h"
#include "core/nn/tensor_layout.h"

#include <cstdint>
#include <span>

namespace atelier::nn {

// Output extent for input extent s: {n, c, h / 2, w / 2}.
Nchw max_pool2x2_output(const Nchw& s);

// y = max over each 2x2 window of x (x has extent s, y max_pool2x2_output(s),
// same layout). argmax (one per output) is written unless empty.
void max_pool2x2_forward(const Nchw& s, Layout layout, std::span<const float> x, std::span<float> y,
                         std::span<std::uint8_t> argmax);
void max_pool2x2_forward(const Nchw& s, Layout layout, std::span<const double> x,
                         std::span<double> y, std::span<std::uint8_t> argmax);

// dx (extent s, overwritten) gets dy at each window's argmax, 0 elsewhere.
void max_pool2x2_backward(const Nchw& s, Layout layout, std::span<const std::uint8_t> argmax,
                          std::span<const float> dy, std::span<float> dx);
void max_pool2x2_backward(const Nchw& s, Layout layout, std::span<const std::uint8_t> argmax,
                          std::span<const double> dy, std::span<double> dx);

} // namespace atelier::nn
