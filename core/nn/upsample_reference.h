// CPU reference of nearest-neighbour x2 upsampling and its backward, f32 and
// f64, NCHW or NHWC: y[2i + a, 2j + b] = x[i, j]; dx[i, j] is the sum of the
// 2x2 block of dy, added in row-major order in T (the GPU adds in the same
// order, so f32 results match exactly).
#pragma once

#include "core/nn/conv2d_reference.h"
#include "core/nn/tensor_layout.h"

#include <span>

namespace atelier::nn {

// Output extent for input extent s: {n, c, 2 h, 2 w}.
Nchw upsample_nearest2x_output(const Nchw& s);

void upsample_nearest2x_forward(const Nchw& s, Layout layout, std::span<const float> x,
                                std::span<float> y);
void upsample_nearest2x_forward(const Nchw& s, Layout layout, std::span<const double> x,
                                std::span<double> y);

// dx has extent s (overwritten), dy upsample_nearest2x_output(s).
void upsample_nearest2x_backward(const Nchw& s, Layout layout, std::span<const float> dy,
                                 std::span<float> dx);
void upsample_nearest2x_backward(const Nchw& s, Layout layout, std::span<const double> dy,
                                 std::span<double> dx);

} // namespace atelier::nn
