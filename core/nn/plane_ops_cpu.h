// The CPU backend's 2x2 max pooling, nearest 2x upsampling and channel
// concatenation on NCHW float32: plane by plane, spread over the CPU pool
// (cpu_pool.h), with the reference ops' results bit for bit (the same
// window order and NaN rule for pooling, the same summation order for the
// upsampling's gradient). Shapes as in pool_reference.h, upsample_reference.h
// and concat_reference.h; the caller sizes the buffers.
#pragma once

#include "core/nn/conv2d_reference.h"

#include <cstdint>

namespace atelier::nn {

// y and argmax have extent max_pool2x2_output(s). Error when s is smaller
// than the window or not positive.
void max_pool2x2_forward_cpu(const Nchw& s, const float* x, float* y, std::uint8_t* argmax);
// dx (extent s) gets dy at each window's argmax and 0 elsewhere. Error for an
// argmax above 3.
void max_pool2x2_backward_cpu(const Nchw& s, const std::uint8_t* argmax, const float* dy,
                              float* dx);

// y has extent upsample_nearest2x_output(s).
void upsample_nearest2x_forward_cpu(const Nchw& s, const float* x, float* y);
// dx (extent s) sums each 2x2 block of dy.
void upsample_nearest2x_backward_cpu(const Nchw& s, const float* dy, float* dx);

// y = [a, b] along channels (a: a_shape, b: c2 channels of the same size).
void concat_channels_forward_cpu(const Nchw& a_shape, int c2, const float* a, const float* b,
                                 float* y);
void concat_channels_backward_cpu(const Nchw& a_shape, int c2, const float* dy, float* da,
                                  float* db);

} // namespace atelier::nn
