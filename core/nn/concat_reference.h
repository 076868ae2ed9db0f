// CPU reference of the U-Net skip connection's channel concatenation and its
// backward (the split), f32 and f64, NCHW or NHWC: y = [a, b] along C, where
// a has extent {n, c1, h, w} and b {n, c2, h, w}.
#pragma once

#include "core/nn/conv2d_reference.h"
#include "core/nn/tensor_layout.h"

#include <span>

namespace atelier::nn {

// a_shape is a's extent; b has c2 channels and the same n, h, w.
void concat_channels_forward(const Nchw& a_shape, int c2, Layout layout, std::span<const float> a,
                             std::span<const float> b, std::span<float> y);
void concat_channels_forward(const Nchw& a_shape, int c2, Layout layout, std::span<const double> a,
                             std::span<const double> b, std::span<double> y);

// da = dy[:, :c1], db = dy[:, c1:] (both overwritten).
void concat_channels_backward(const Nchw& a_shape, int c2, Layout layout, std::span<const float> dy,
                              std::span<float> da, std::span<float> db);
void concat_channels_backward(const Nchw& a_shape, int c2, Layout layout,
                              std::span<const double> dy, std::span<double> da,
                              std::span<double> db);

} // namespace atelier::nn
