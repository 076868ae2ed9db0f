// Slice extraction by element size: one memcpy per row for XY and XZ planes,
// a strided gather for YZ; XZ and YZ rows are taken from the top z down.
#include "core/spatial/volume_slice.h"

#include "core/base/error.h"
#include "core/base/half.h"

#include <cstring>
#include <utility>

namespace atelier {
namespace {

template <typename T>
double load(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return static_cast<double>(v);
}

// One element as a double: exact for every integer type (labels near 1e9
// included), NaN kept.
double element_value(const std::uint8_t* p, DType dtype) {
  switch (dtype) {
  case DType::u8: return load<std::uint8_t>(p);
  case DType::i8: return load<std::int8_t>(p);
  case DType::u16: return load<std::uint16_t>(p);
  case DType::i16: return load<std::int16_t>(p);
  case DType::u32: return load<std::uint32_t>(p);
  case DType::i32: return load<std::int32_t>(p);
  case DType::f32: return load<float>(p);
  case DType::f64: return load<double>(p);
  case DType::f16: {
    std::uint16_t h;
    std::memcpy(&h, p, sizeof h);
    return static_cast<double>(half_to_float(h));
  }
  }
  throw Error("unknown element type");
}

} // namespace

Image volume_slice(const Volume& v, int axis, std::int64_t index, std::int64_t t, bool physical) {
  const std::int64_t n[3] = {v.nx(), v.ny(), v.nz()};
  if (axis < 0 || axis > 2) throw Error("slice axis must be 0, 1 or 2");
  if (index < 0 || index >= n[axis])
    throw Error("slice " + std::to_string(index) + " out of range (0.." +
                std::to_string(n[axis] - 1) + ")");
  if (t < 0 || t >= v.nt()) throw Error("volume " + std::to_string(t) + " out of range");
  const std::size_t e = dtype_size(v.dtype());
  const std::int64_t w = axis == 0 ? n[1] : n[0];
  const std::int64_t h = axis == 2 ? n[1] : n[2];
  Image out(w, h, 1, v.dtype());
  const std::uint8_t* base = v.bytes() + std::size_t(t) * std::size_t(n[0] * n[1] * n[2]) * e;
  std::uint8_t* dst = out.bytes();
  const auto at = [&](std::int64_t x, std::int64_t y, std::int64_t z) {
    return base + std::size_t((z * n[1] + y) * n[0] + x) * e;
  };
  for (std::int64_t row = 0; row < h; ++row) {
    std::uint8_t* d = dst + std::size_t(row * w) * e;
    const std::int64_t z = n[2] - 1 - row; // XZ and YZ: z upward
    if (axis == 2)
      std::memcpy(d, at(0, row, index), std::size_t(w) * e);
    else if (axis == 1)
      std::memcpy(d, at(0, index, z), std::size_t(w) * e);
    else
      for (std::int64_t y = 0; y < w; ++y)
        std::memcpy(d + std::size_t(y) * e, at(index, y, z), e);
  }
  if (physical && !v.value_scale.identity()) { // shown and read out in physical units
    Image scaled(w, h, 1, DType::f32);
    float* f = scaled.values<float>().data();
    const std::uint8_t* src = out.bytes();
    for (std::int64_t k = 0; k < w * h; ++k, src += e) // NaN stays NaN
      f[k] = static_cast<float>(v.value_scale.apply(element_value(src, v.dtype())));
    out = std::move(scaled);
  }
  const auto& s = v.spacing.xyz;
  out.spacing = v.spacing;
  out.spacing.xyz = axis == 0 ? std::array<double, 3>{s[1], s[2], 0}
                              : (axis == 1 ? std::array<double, 3>{s[0], s[2], 0}
                                           : std::array<double, 3>{s[0], s[1], 0});
  return out;
}

std::array<std::int64_t, 3> slice_voxel(const Volume& volume, int axis, std::int64_t index,
                                        std::int64_t u, std::int64_t v) {
  // Axis 2 (XY): (u, v) = (x, y); 1 (XZ): (x, top z - v); 0 (YZ): (y, top z - v).
  if (axis < 0 || axis > 2) throw Error("slice axis must be 0, 1 or 2");
  std::array<std::int64_t, 3> p{};
  p[static_cast<std::size_t>(axis)] = index;
  p[axis == 0 ? 1 : 0] = u;
  if (axis == 2)
    p[1] = v;
  else
    p[2] = volume.nz() - 1 - v;
  return p;
}

std::array<std::int64_t, 2> slice_pixel(const Volume& volume, int axis,
                                        const std::array<std::int64_t, 3>& p) {
  if (axis < 0 || axis > 2) throw Error("slice axis must be 0, 1 or 2");
  if (axis == 2) return {p[0], p[1]};
  return {axis == 1 ? p[0] : p[1], volume.nz() - 1 - p[2]};
}

double voxel_value(const Volume& v, const std::array<std::int64_t, 3>& p, std::int64_t t,
                   bool physical) {
  if (p[0] < 0 || p[1] < 0 || p[2] < 0 || p[0] >= v.nx() || p[1] >= v.ny() || p[2] >= v.nz() ||
      t < 0 || t >= v.nt())
    throw Error("voxel (" + std::to_string(p[0]) + ", " + std::to_string(p[1]) + ", " +
                std::to_string(p[2]) + ") out of range");
  const std::size_t i =
      static_cast<std::size_t>(((t * v.nz() + p[2]) * v.ny() + p[1]) * v.nx() + p[0]);
  const double stored = element_value(v.bytes() + i * dtype_size(v.dtype()), v.dtype());
  return physical ? v.value_scale.apply(stored) : stored;
}

} // namespace atelier
