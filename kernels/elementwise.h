// Elementwise helpers of the engine on the GPU: gradient accumulation
// (acc += x) for values read by two layers (U-Net skips). f32 or bf16 storage
// (bf16 as std::uint16_t bits, math in f32).
#pragma once

#include "kernels/gpu_stream.h"

#include <cstddef>
#include <cstdint>

namespace atelier::kernels {

void add_inplace_f32(float* acc, const float* x, std::size_t count, gpu_stream stream);
void add_inplace_bf16(std::uint16_t* acc, const std::uint16_t* x, std::size_t count,
                      gpu_stream stream);

} // namespace atelier::kernels
