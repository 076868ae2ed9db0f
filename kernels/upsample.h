// Nearest-neighbour x2 upsampling on the GPU, NHWC, f32 or bf16 storage (bf16
// as std::uint16_t bits): y[2i + a, 2j + b] = x[i, j]; the backward sums each
// 2x2 block of dy in row-major order in f32 (the CPU reference's order, so f32
// matches exactly). CPU reference: core/nn/upsample_reference.h.
#pragma once

#include "kernels/gpu_stream.h"

#include <cstddef>
#include <cstdint>

namespace atelier::kernels {

// x is n x h x w x c, y n x 2h x 2w x c. Asynchronous on stream.
void upsample_nearest2x_forward_f32(const float* x, float* y, int n, int h, int w, int c,
                                    gpu_stream stream);
void upsample_nearest2x_forward_bf16(const std::uint16_t* x, std::uint16_t* y, int n, int h, int w,
                                     int c, gpu_stream stream);

// dy is n x 2h x 2w x c, dx n x h x w x c (overwritten).
void upsample_nearest2x_backward_f32(const float* dy, float* dx, int n, int h, int w, int c,
                                     gpu_stream stream);
void upsample_nearest2x_backward_bf16(const std::uint16_t* dy, std::uint16_t* dx, int n, int h,
                                      int w, int c, gpu_stream stream);

} // namespace atelier::kernels
