// One channel of an NHWC tensor on the GPU (f32 or bf16 storage as
// std::uint16_t bits): y[p] = x[p * channels + channel] for pixels p. The
// CUDA backend runs a one-channel output layer as an 8-channel one (zero
// filters, on tensor cores) and keeps channel 0 with this.
#pragma once

#include "kernels/gpu_stream.h"

#include <cstddef>
#include <cstdint>

namespace atelier::kernels {

// 0 <= channel < channels (std::invalid_argument otherwise). Asynchronous.
void pick_channel_f32(const float* x, float* y, std::size_t pixels, int channels, int channel,
                      gpu_stream stream);
void pick_channel_bf16(const std::uint16_t* x, std::uint16_t* y, std::size_t pixels, int channels,
                       int channel, gpu_stream stream);

} // namespace atelier::kernels
