// The folded input of a one-channel convolution on the GPU (NHWC, any
// storage): y[n, y, x, j] = x[n, y, x + j - pad_w]
// for j < s and inside the image, else 0; y has `channels` (>= s) channels.
// An R x S convolution of x is then an R x 1 convolution of y with the
// weights folded likewise. CPU reference: core/nn/stem_fold.h.
#pragma once

#include "kernels/gpu_stream.h"
#include "kernels/storage.h"

namespace atelier::kernels {

// x is n x h x w (one channel), y n x h x w x channels, in storage st; s >=
// 1, channels >= s, pad_w >= 0 (std::invalid_argument otherwise).
// Asynchronous on stream.
void stem_fold(Storage st, const void* x, void* y, int n, int h, int w, int s, int pad_w,
               int channels, gpu_stream stream);

} // namespace atelier::kernels
