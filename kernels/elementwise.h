// Elementwise helpers of the engine on the GPU: gradient accumulation
// (acc += x) for values read by two layers (U-Net skips). Any storage, math
// in f32.
#pragma once

#include "kernels/gpu_stream.h"
#include "kernels/storage.h"

#include <cstddef>

namespace atelier::kernels {

// acc[i] += x[i], both in storage s. Asynchronous on stream.
void add_inplace(Storage s, void* acc, const void* x, std::size_t count, gpu_stream stream);

} // namespace atelier::kernels
