// float4: four floats as one GCC/Clang vector value (one SSE2 register), for
// the few hot loops (statistics, Laplacian, thumbnails, spectra) whose
// reductions and NaN-aware selects the compiler will not vectorise on its
// own without -ffast-math.
#pragma once

#include <cstdint>
#include <cstring>

// ATELIER_HOT_LOOP before a function definition compiles it twice, for
// baseline x86-64 and for x86-64-v3 (AVX2, FMA), and picks one at load time
// (an ifunc): the same four-lane code runs 1.3-1.5x faster with VEX
// encoding and blend instructions, and no machine gets an instruction it
// lacks. Elsewhere it is empty.
#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__)) &&      \
    !defined(__SANITIZE_ADDRESS__) && !defined(ATELIER_NO_CLONES)
#define ATELIER_HOT_LOOP __attribute__((target_clones("default", "arch=x86-64-v3")))
#else
#define ATELIER_HOT_LOOP
#endif

namespace atelier {

using float4 = float __attribute__((vector_size(16)));
using mask4 = std::int32_t __attribute__((vector_size(16))); // per lane: -1 true, 0 false

inline float4 load4(const float* p) {
  float4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store4(float* p, float4 v) {
  std::memcpy(p, &v, sizeof v);
}
inline float4 splat4(float x) {
  return float4{x, x, x, x};
}
// -1 where the lane is finite (x - x is 0 only for finite x), else 0.
inline mask4 finite_mask(float4 v) {
  return (v - v) == splat4(0.0f);
}
inline float4 select4(mask4 mask, float4 a, float4 b) {
  return mask ? a : b;
}
inline double sum4(float4 v) {
  return double(v[0]) + v[1] + v[2] + v[3];
}
inline std::int64_t sum4(mask4 v) {
  return std::int64_t{v[0]} + v[1] + v[2] + v[3];
}

} // namespace atelier
