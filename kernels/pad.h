// Reflection padding of NHWC tensors on the GPU (a conv with reflect padding
// is this op then a pad-0 conv), any storage. The backward gathers (no atomics), so it is
// deterministic. CPU reference: core/nn/pad_reference.h.
#pragma once

#include "kernels/gpu_stream.h"
#include "kernels/storage.h"

namespace atelier::kernels {

// x is n x h x w x c, y is n x (h + 2 pad) x (w + 2 pad) x c, in storage s;
// pad < h and pad < w (std::invalid_argument otherwise). Asynchronous on
// stream.
void reflect_pad_forward(Storage s, const void* x, void* y, int n, int h, int w, int c, int pad,
                         gpu_stream stream);
// dx = the sum of dy over the padded positions that read each input.
void reflect_pad_backward(Storage s, const void* dy, void* dx, int n, int h, int w, int c, int pad,
                          gpu_stream stream);

} // namespace atelier::kernels
