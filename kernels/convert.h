// f32 <-> bf16 conversion of device arrays. bf16 values travel as their bit
// patterns in std::uint16_t so this header needs no CUDA types.
#pragma once

#include "kernels/gpu_stream.h"

#include <cstddef>
#include <cstdint>

namespace atelier::kernels {

// dst[i] = bf16(src[i]), round to nearest even (NaN stays NaN). Asynchronous
// on stream; src and dst are device pointers.
void f32_to_bf16(const float* src, std::uint16_t* dst, std::size_t count, gpu_stream stream);
// dst[i] = float(src[i]) (exact). Asynchronous on stream.
void bf16_to_f32(const std::uint16_t* src, float* dst, std::size_t count, gpu_stream stream);

} // namespace atelier::kernels
