// Slice extraction by element size: one memcpy per row for XY and XZ planes,
// a strided gather for YZ.
#include "core/spatial/volume_slice.h"

#include "core/base/error.h"
#include "core/spatial/volume_float.h"

#include <cstring>
#include <utility>

namespace atelier {

Image volume_slice(const Volume& v, int axis, std::int64_t index, std::int64_t t) {
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
    if (axis == 2)
      std::memcpy(d, at(0, row, index), std::size_t(w) * e);
    else if (axis == 1)
      std::memcpy(d, at(0, index, row), std::size_t(w) * e);
    else
      for (std::int64_t y = 0; y < w; ++y)
        std::memcpy(d + std::size_t(y) * e, at(index, y, row), e);
  }
  if (!v.value_scale.identity()) { // shown and read out in physical units
    Image scaled(w, h, 1, DType::f32);
    widen_to_float(out.bytes(), out.dtype(), static_cast<std::size_t>(w * h),
                   scaled.values<float>().data(), v.value_scale);
    out = std::move(scaled);
  }
  const auto& s = v.spacing.xyz;
  out.spacing = v.spacing;
  out.spacing.xyz = axis == 0 ? std::array<double, 3>{s[1], s[2], 0}
                              : (axis == 1 ? std::array<double, 3>{s[0], s[2], 0}
                                           : std::array<double, 3>{s[0], s[1], 0});
  return out;
}

} // namespace atelier
