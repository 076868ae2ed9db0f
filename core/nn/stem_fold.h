// Column folding of a one-channel convolution (the U-Net's 11x11 stem): an
// R x S convolution of a 1-channel image equals an R x 1 convolution of the
// S horizontally shifted copies of the image stacked as channels,
//   X[n, j, y, x] = in[n, 0, y, x + j - pad_w]  (0 outside, and for j >= S),
//   W'[k, j, r, 0] = w[k, 0, r, j]               (0 for j >= S).
// On tensor cores one channel cannot be used and padding it to 8 computes 8
// times the products; the folded layer has S (rounded up to the channel
// alignment) in place of 8 S. Stride 1, no dilation. The CPU reference of
// the CUDA backend's stem (kernels/stem_fold.h builds X on the GPU).
#pragma once

#include "core/nn/conv2d_reference.h"
#include "core/nn/tensor_layout.h"

#include <span>

namespace atelier::nn {

// Whether a layer folds: 1 input channel, an odd kernel wider than 1 with
// "same" horizontal padding ((S - 1) / 2), stride 1, dilation 1.
bool stem_foldable(const Conv2dShape& s);

// The folded layer: channels = S rounded up to align, kernel R x 1, no
// horizontal padding. Error when s does not fold.
Conv2dShape stem_folded_shape(const Conv2dShape& s, int align);

// X from in (extents s.input()), in layout; folded holds
// stem_folded_shape(s, align).input_count() values.
void stem_fold_input(const Conv2dShape& s, int align, Layout layout, std::span<const float> in,
                     std::span<float> folded);

// W' from w (K x 1 x R x S, KCRS) as K x C' x R x 1 (KCRS), and back: the
// gradient of w from that of W' (the padding channels dropped).
void stem_fold_weights(const Conv2dShape& s, int align, std::span<const float> w,
                       std::span<float> folded);
void stem_unfold_weights(const Conv2dShape& s, int align, std::span<const float> folded,
                         std::span<float> w);

} // namespace atelier::nn
