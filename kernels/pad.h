// Reflection padding of NHWC tensors on the GPU (a conv with reflect padding
// is this op then a pad-0 conv), f32 or bf16 storage (bf16 as std::uint16_t
// bits). The backward gathers (no atomics), so it is deterministic. CPU
// reference: core/nn/pad_reference.h.
#pragma once

#include "kernels/gpu_stream.h"

#include <cstdint>

namespace atelier::kernels {

// x is n x h x w x c, y is n x (h + 2 pad) x (w + 2 pad) x c; pad < h and
// pad < w (std::invalid_argument otherwise). Asynchronous on stream.
void reflect_pad_forward_f32(const float* x, float* y, int n, int h, int w, int c, int pad,
                             gpu_stream stream);
void reflect_pad_forward_bf16(const std::uint16_t* x, std::uint16_t* y, int n, int h, int w, int c,
                              int pad, gpu_stream stream);
// dx = the sum of dy over the padded positions that read each input.
void reflect_pad_backward_f32(const float* dy, float* dx, int n, int h, int w, int c, int pad,
                              gpu_stream stream);
void reflect_pad_backward_bf16(const std::uint16_t* dy, std::uint16_t* dx, int n, int h, int w,
                               int c, int pad, gpu_stream stream);

} // namespace atelier::kernels
