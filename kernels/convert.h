// Conversions of device arrays between f32 and a storage type (kernels/
// storage.h): activations on their way in and out, the 16-bit weight copy
// the convolutions read, and 16-bit weight gradients into the f32 ones the
// optimizer reads.
#pragma once

#include "kernels/gpu_stream.h"
#include "kernels/storage.h"

#include <cstddef>

namespace atelier::kernels {

// dst[i] = src[i] rounded to storage s, to nearest even (NaN stays NaN; past
// f16's range, +-inf); f32 copies. Asynchronous on stream; device pointers.
void convert_from_f32(const float* src, Storage s, void* dst, std::size_t count, gpu_stream stream);
// dst[i] = float(src[i]) (exact), times *scale when scale is not null: one
// device float, read when the kernel runs (a captured graph sees its current
// value). Asynchronous on stream.
void convert_to_f32(Storage s, const void* src, float* dst, std::size_t count, gpu_stream stream,
                    const float* scale = nullptr);

} // namespace atelier::kernels
