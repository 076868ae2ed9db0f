// One channel of an NHWC tensor on the GPU (any storage): y[p] = x[p * channels + channel] for
// pixels p. The CUDA backend runs a one-channel output layer as an 8-channel one (zero filters, on
// tensor cores) and keeps channel 0 with this.
#pragma once

#include "kernels/gpu_stream.h"
#include "kernels/storage.h"

#include <cstddef>

namespace atelier::kernels {

// x is pixels x channels, y pixels, in storage s; 0 <= channel < channels
// (std::invalid_argument otherwise). Asynchronous.
void pick_channel(Storage s, const void* x, void* y, std::size_t pixels, int channels, int channel,
                  gpu_stream stream);

} // namespace atelier::kernels
