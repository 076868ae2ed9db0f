// Direct convolution for the CPU backend's layers with few output channels
// (all of the CPU U-Net's, and the full U-Net's stem, narrow levels and
// head): stride 1, dilation 1, any kernel, vectorised over output columns
// with register tiles of up to four output channels by three vectors of
// eight columns (AVX2 and FMA, chosen at run time). The input rows a band of
// output rows reads are first copied into a zero-padded buffer of at most
// 4 MiB (or one output row's rows when those are more), so the inner loop
// has no bounds checks and the scratch stays bounded whatever the image
// size; this avoids both the im2col matrix and the SGEMM's packing, which
// dominate such layers (an SGEMM with few rows cannot amortise its packing).
#pragma once

#include "core/nn/conv2d_reference.h"

#include <cstddef>

namespace atelier::nn {

// Whether conv2d_forward_cpu takes this path when Winograd does not (and the
// stride-1 data gradient for its transposed shape): the machine has AVX2 and
// FMA, stride 1, dilation 1, at most kDirectMaxOutputs output channels.
// Above that, im2col's SGEMM was measured 1.1-1.15x faster (144 -> 96 and
// 96 -> 96 3x3 at 32x32); at 64 and below the direct kernel was 1.0-1.5x
// faster, and 5-7x on layers with one output channel.
bool conv2d_direct_applies(const Conv2dShape& shape);
inline constexpr int kDirectMaxOutputs = 64;

// Whether conv2d_backward_filter_cpu takes this path: as above, with at most
// kDirectFilterMaxOutputs output channels (from 64 up, im2col's SGEMM was
// 1.1-1.2x faster: 97 -> 64 5x5, 96 -> 96 3x3), and above
// kDirectFilterSmallOutputs only with kDirectFilterMinPixels output pixels
// or more (on 32 and 48 channels at 4x4 to 16x16, im2col was 1.2-4x faster:
// the per-task partial sums cost more than the few products they hold).
bool conv2d_direct_filter_applies(const Conv2dShape& shape);
inline constexpr int kDirectFilterMaxOutputs = 48;
inline constexpr int kDirectFilterSmallOutputs = 16;
inline constexpr int kDirectFilterMinPixels = 1024;

// Floats of scratch: one band's zero-padded input rows and the repacked
// filters.
std::size_t conv2d_direct_workspace_floats(const Conv2dShape& shape);

// y = conv(x, w). Error unless the shape has stride 1 and dilation 1 and
// the machine AVX2 and FMA.
void conv2d_direct_forward(const Conv2dShape& shape, const float* x, const float* w, float* y,
                           float* workspace);

// The filter gradient for stride-1 shapes, without an im2col matrix: each
// task multiplies one input channel's padded rows by up to four output
// channels' dy rows, eight columns at a time, kept as lane-wise partial sums
// and summed in a fixed order at the end (the same result whatever the thread
// count or the bands). Scratch: one band's padded rows and the partial sums.
// dw = the gradient, or dw + the gradient when accumulate. Error
// unless the shape has stride 1 and dilation 1 and the machine AVX2 and FMA.
std::size_t conv2d_direct_filter_workspace_floats(const Conv2dShape& shape);
void conv2d_direct_backward_filter(const Conv2dShape& shape, const float* x, const float* dy,
                                   float* dw, float* workspace, bool accumulate);

namespace testing {
// 0: the default rules; 1: every stride-1, undilated shape whatever its
// channels (on AVX2 machines; Winograd still comes first); -1: never.
void set_conv2d_direct_mode(int mode);
// Padded floats per band (0: the default 4 MiB); 1 gives one-row bands.
void set_conv2d_direct_band_limit(std::size_t floats);
} // namespace testing

} // namespace atelier::nn
