// 2x2 stride-2 max pooling on the GPU, NHWC, any storage. Odd extents are floored (PyTorch's
// default). The forward stores each window's argmax (uint8, 0..3 = dy * 2 + dx, ties to the first
// in row-major order, NaN wins) for the backward rather than recomputing it: 1 byte per output
// against re-reading 4 inputs. CPU reference: core/nn/pool_reference.h.
#pragma once

#include "kernels/gpu_stream.h"
#include "kernels/storage.h"

#include <cstddef>
#include <cstdint>

namespace atelier::kernels {

// x is n x h x w x c; y and argmax are n x (h / 2) x (w / 2) x c. h, w >= 2.
// x and y in storage s. Asynchronous on stream.
void max_pool2x2_forward(Storage s, const void* x, void* y, std::uint8_t* argmax, int n, int h,
                         int w, int c, gpu_stream stream);

// dx (n x h x w x c, every element written) gets dy at each argmax, 0
// elsewhere (including a dropped odd last row or column).
void max_pool2x2_backward(Storage s, const std::uint8_t* argmax, const void* dy, void* dx, int n,
                          int h, int w, int c, gpu_stream stream);

} // namespace atelier::kernels
