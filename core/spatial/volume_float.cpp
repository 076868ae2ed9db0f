// Widening to float32 with finite statistics and non-finite replacement.
#include "core/spatial/volume_float.h"

#include "core/base/error.h"
#include "core/base/half.h"
#include "core/metrics/plane.h"

#include <algorithm>
#include <cmath>

namespace atelier {
namespace {

// Converts, then measures with the vectorised metrics pass and replaces
// non-finite voxels by the finite minimum.
template <typename T, typename Convert>
VolumeStats widen(const T* src, std::size_t n, float* out, Convert convert,
                  const ValueScale& scale) {
  if (scale.identity())
    for (std::size_t i = 0; i < n; ++i)
      out[i] = convert(src[i]);
  else
    for (std::size_t i = 0; i < n; ++i)
      out[i] = static_cast<float>(scale.apply(static_cast<double>(convert(src[i]))));
  const VolumeStats s = float_stats(out, n);
  if (s.finite == 0) {
    std::fill(out, out + n, 0.0f);
    return s;
  }
  if (s.nonfinite > 0)
    for (std::size_t i = 0; i < n; ++i)
      if (!std::isfinite(out[i])) out[i] = static_cast<float>(s.min);
  return s;
}

template <typename T>
VolumeStats widen_cast(const std::uint8_t* src, std::size_t n, float* out,
                       const ValueScale& scale) {
  return widen(
      reinterpret_cast<const T*>(src), n, out, [](T v) { return static_cast<float>(v); }, scale);
}

} // namespace

VolumeStats float_stats(const float* v, std::size_t n) {
  const metrics::FiniteStats f = metrics::finite_stats(v, n);
  VolumeStats s;
  s.finite = f.count;
  s.nonfinite = f.nonfinite;
  if (f.count == 0) return s;
  s.min = f.min;
  s.max = f.max;
  s.mean = f.mean;
  s.stddev = f.count > 1 ? std::sqrt(f.m2 / static_cast<double>(f.count)) : 0.0;
  return s;
}

VolumeStats widen_to_float(const std::uint8_t* src, DType dtype, std::size_t n, float* out,
                           const ValueScale& scale) {
  switch (dtype) {
  case DType::u8: return widen_cast<std::uint8_t>(src, n, out, scale);
  case DType::i8: return widen_cast<std::int8_t>(src, n, out, scale);
  case DType::u16: return widen_cast<std::uint16_t>(src, n, out, scale);
  case DType::i16: return widen_cast<std::int16_t>(src, n, out, scale);
  case DType::u32: return widen_cast<std::uint32_t>(src, n, out, scale);
  case DType::i32: return widen_cast<std::int32_t>(src, n, out, scale);
  case DType::f32: return widen_cast<float>(src, n, out, scale);
  case DType::f64: return widen_cast<double>(src, n, out, scale);
  case DType::f16:
    return widen(reinterpret_cast<const std::uint16_t*>(src), n, out, half_to_float, scale);
  }
  throw Error("widen_to_float: unknown element type");
}

std::vector<std::uint64_t> value_histogram(const float* v, std::size_t n, double lo, double hi,
                                           int bins) {
  if (bins <= 0) throw Error("a histogram needs at least one bin");
  std::vector<std::uint64_t> counts(static_cast<std::size_t>(bins), 0);
  if (!(hi > lo)) return counts;
  const double scale = bins / (hi - lo);
  for (std::size_t i = 0; i < n; ++i) {
    const double x = v[i];
    if (!(x >= lo && x <= hi)) continue; // also drops NaN
    const auto b = std::min<std::size_t>(static_cast<std::size_t>((x - lo) * scale),
                                         static_cast<std::size_t>(bins - 1));
    ++counts[b];
  }
  return counts;
}

VolumeStats widen_volume_frame(const Volume& volume, std::int64_t t, float* out) {
  if (t < 0 || t >= volume.nt())
    throw Error("volume " + std::to_string(t) + " out of range (the series has " +
                std::to_string(volume.nt()) + ")");
  const std::size_t n = static_cast<std::size_t>(volume.nx() * volume.ny() * volume.nz());
  const std::size_t offset = n * dtype_size(volume.dtype()) * static_cast<std::size_t>(t);
  return widen_to_float(volume.bytes() + offset, volume.dtype(), n, out, volume.value_scale);
}

} // namespace atelier
