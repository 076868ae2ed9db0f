// CPU reference of reflection padding (PyTorch's ReflectionPad2d /
// F.pad(mode='reflect')): each side gains `pad` rows or columns mirrored
// about the edge without repeating it (..., 2, 1 | 0, 1, 2, ...), so a conv
// with reflect padding is this op followed by a pad-0 conv. f32 and f64,
// NCHW or NHWC. The pad must be smaller than the height and the width.
#pragma once

#include "core/nn/conv2d_reference.h"
#include "core/nn/tensor_layout.h"

#include <span>

namespace atelier::nn {

// Index of the input row/column that padded position i (in [-pad, n + pad))
// reads; n > pad required.
inline int reflect_index(int i, int n) {
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

Nchw reflect_pad_output(const Nchw& s, int pad);

// y = pad(x). Throws Error when pad < 0, pad >= h or pad >= w, or sizes differ.
void reflect_pad_forward(const Nchw& s, int pad, Layout layout, std::span<const float> x,
                         std::span<float> y);
void reflect_pad_forward(const Nchw& s, int pad, Layout layout, std::span<const double> x,
                         std::span<double> y);

// dx[i] = sum of dy over the padded positions that read i (overwrites dx).
void reflect_pad_backward(const Nchw& s, int pad, Layout layout, std::span<const float> dy,
                          std::span<float> dx);
void reflect_pad_backward(const Nchw& s, int pad, Layout layout, std::span<const double> dy,
                          std::span<double> dx);

} // namespace atelier::nn
