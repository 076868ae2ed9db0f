// Nearest-neighbour x2 upsampling on the GPU, NHWC, any storage:
// y[2i + a, 2j + b] = x[i, j]; the backward sums each
// 2x2 block of dy in row-major order in f32 (the CPU reference's order, so f32
// matches exactly). CPU reference: core/nn/upsample_reference.h.
#pragma once

#include "kernels/gpu_stream.h"
#include "kernels/storage.h"

#include <cstddef>

namespace atelier::kernels {

// x is n x h x w x c, y n x 2h x 2w x c, in storage s. Asynchronous on
// stream.
void upsample_nearest2x_forward(Storage s, const void* x, void* y, int n, int h, int w, int c,
                                gpu_stream stream);

// dy is n x 2h x 2w x c, dx n x h x w x c (overwritten).
void upsample_nearest2x_backward(Storage s, const void* dy, void* dx, int n, int h, int w, int c,
                                 gpu_stream stream);

} // namespace atelier::kernels
