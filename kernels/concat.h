// Channel concatenation of two NHWC tensors on the GPU (the U-Net's skip
// connection) and its backward, the split; f32 or bf16 storage (bf16 as
// std::uint16_t bits; both are plain copies, exact). CPU reference:
// core/nn/concat_reference.h.
#pragma once

#include "kernels/gpu_stream.h"

#include <cstddef>
#include <cstdint>

namespace atelier::kernels {

// a is pixels x c1, b pixels x c2, y pixels x (c1 + c2) (pixels = n h w),
// or pixels x c_out when c_out > 0: the channels past c1 + c2 are written as
// zeros (padding to a tensor-core friendly count, e.g. 97 -> 104) and
// ignored by the backward. Asynchronous on stream.
void concat_channels_forward_f32(const float* a, const float* b, float* y, std::size_t pixels,
                                 int c1, int c2, gpu_stream stream, int c_out = 0);
void concat_channels_forward_bf16(const std::uint16_t* a, const std::uint16_t* b, std::uint16_t* y,
                                  std::size_t pixels, int c1, int c2, gpu_stream stream,
                                  int c_out = 0);

// da = dy[..., :c1], db = dy[..., c1:].
void concat_channels_backward_f32(const float* dy, float* da, float* db, std::size_t pixels, int c1,
                                  int c2, gpu_stream stream, int c_out = 0);
void concat_channels_backward_bf16(const std::uint16_t* dy, std::uint16_t* da, std::uint16_t* db,
                                   std::size_t pixels, int c1, int c2, gpu_stream stream,
                                   int c_out = 0);

} // namespace atelier::kernels
