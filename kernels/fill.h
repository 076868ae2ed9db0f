// Repeatable pseudo-random fills of device arrays, for trial runs of
// engines on data that is not all zero, and for tests: element i of a fill
// with seed s is hashed_uniform(s, i, scale), the same value on the host.
#pragma once

#include "kernels/gpu_stream.h"
#include "kernels/storage.h"

#include <cstddef>
#include <cstdint>

#if defined(__CUDACC__)
#define ATELIER_HOST_DEVICE __host__ __device__
#else
#define ATELIER_HOST_DEVICE
#endif

namespace atelier::kernels {

// A value in [-scale, scale) from splitmix64 of (seed, i), 24 bits of it,
// so it is exact in f32 and the same wherever it is computed.
ATELIER_HOST_DEVICE inline float hashed_uniform(std::uint32_t seed, std::uint64_t i, float scale) {
  std::uint64_t z = (i + (std::uint64_t(seed) << 40)) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return scale * (float(std::uint32_t(z >> 40)) * (2.0f / 16777216.0f) - 1.0f);
}

// dst[i] = hashed_uniform(seed, i, scale), rounded to storage s.
// Asynchronous on stream.
void fill_uniform(Storage s, void* dst, std::size_t count, std::uint32_t seed, float scale,
                  gpu_stream stream);

} // namespace atelier::kernels
