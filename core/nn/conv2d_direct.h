// Direct convolution for the CPU backend's narrow layers (few channels, as in
// the CPU U-Net): stride 1, dilation 1, any kernel, vectorised over eight
// output columns with eight output channels in registers (AVX2 and FMA,
// chosen at run time). Each image's input is first copied into a
// zero-padded buffer, so the inner loop has no bounds checks; this avoids
// both the im2col matrix and the SGEMM's packing, which dominate such layers.
#pragma once

#include "core/nn/conv2d_reference.h"

#include <cstddef>

namespace atelier::nn {

// Whether conv2d_forward_cpu takes this path (and the stride-1 data gradient
// for its transposed shape): the machine has AVX2 and FMA, stride 1,
// dilation 1, at most kDirectMaxChannels channels in and out.
bool conv2d_direct_applies(const Conv2dShape& shape);
inline constexpr int kDirectMaxChannels = 24;

// Floats of scratch: one image's zero-padded input and the repacked filters.
std::size_t conv2d_direct_workspace_floats(const Conv2dShape& shape);

// y = conv(x, w). Error unless the shape has stride 1 and dilation 1 and
// the machine AVX2 and FMA.
void conv2d_direct_forward(const Conv2dShape& shape, const float* x, const float* w, float* y,
                           float* workspace);

// The filter gradient for the same shapes, without an im2col matrix: each
// task multiplies one input channel's padded rows by up to four output
// channels' dy rows, eight columns at a time, kept as lane-wise partial sums
// and summed in a fixed order at the end (the same result whatever the thread
// count). dw = the gradient, or dw + the gradient when accumulate. Error
// unless the shape has stride 1 and dilation 1 and the machine AVX2 and FMA.
std::size_t conv2d_direct_filter_workspace_floats(const Conv2dShape& shape);
void conv2d_direct_backward_filter(const Conv2dShape& shape, const float* x, const float* dy,
                                   float* dw, float* workspace, bool accumulate);

namespace testing {
// 0: the default rule; 1: every stride-1, undilated shape whatever its
// channels (on AVX2 machines); -1: never.
void set_conv2d_direct_mode(int mode);
} // namespace testing

} // namespace atelier::nn
