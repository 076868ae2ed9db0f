// float4: four floats as one GCC/Clang vector value (one SSE2 register), for
// the few hot loops (statistics, Laplacian, thumbnails, spectra) whose
// reductions and NaN-aware selects the compiler will not vectorise on its
// own without -ffast-math.
#pragma once

#include <cstdint>
#include <cstring>

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
