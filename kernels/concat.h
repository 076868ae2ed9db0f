// Channel concatenation of two NHWC tensors on the GPU (the U-Net's skip
// connection) and its backward, the split; any storage (both are plain
// copies, exact). CPU reference:
// core/nn/concat_reference.h.
#pragma once

#include "kernels/gpu_stream.h"
#include "kernels/storage.h"

#include <cstddef>

namespace atelier::kernels {

// a is pixels x c1, b pixels x c2, y pixels x (c1 + c2) (pixels = n h w),
// or pixels x c_out when c_out > 0: the channels past c1 + c2 are written as
// zeros (padding to a tensor-core friendly count, e.g. 97 -> 104) and
// ignored by the backward. All in storage s. Asynchronous on stream.
void concat_channels_forward(Storage s, const void* a, const void* b, void* y, std::size_t pixels,
                             int c1, int c2, gpu_stream stream, int c_out = 0);

// da = dy[..., :c1], db = dy[..., c1:].
void concat_channels_backward(Storage s, const void* dy, void* da, void* db, std::size_t pixels,
                              int c1, int c2, gpu_stream stream, int c_out = 0);

} // namespace atelier::kernels
