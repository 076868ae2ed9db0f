// A 3D (or 4D: a series of 3D volumes) scalar grid, x fastest, then y, z, t,
// in its original element type. Voxel spacing may be anisotropic.
#pragma once

#include "core/base/dtype.h"
#include "core/data/metadata.h"
#include "core/data/pixel_size.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace atelier {

// Stored values map to physical ones as v * slope + offset (NIfTI's
// scl_slope and scl_inter: CT in Hounsfield units, PET in Bq/ml).
struct ValueScale {
  double slope = 1.0, offset = 0.0;
  bool identity() const { return slope == 1.0 && offset == 0.0; }
  double apply(double stored) const { return stored * slope + offset; }
};

// Mean and standard deviation of the finite voxels of the full-resolution
// volume a binned copy was made from: contour levels set in sigma refer to
// the map itself, not to its less noisy binned copy.
struct SourceMoments {
  double mean = 0.0, stddev = 0.0;
};

class Volume {
public:
  Volume() = default;
  // Allocates zeroed voxels; throws Error on non-positive or overflowing sizes.
  Volume(std::int64_t nx, std::int64_t ny, std::int64_t nz, DType dtype, std::int64_t nt = 1);

  std::int64_t nx() const { return nx_; }
  std::int64_t ny() const { return ny_; }
  std::int64_t nz() const { return nz_; }
  std::int64_t nt() const { return nt_; }
  DType dtype() const { return dtype_; }
  std::size_t voxel_count() const { return static_cast<std::size_t>(nx_ * ny_ * nz_ * nt_); }
  std::size_t byte_size() const { return bytes_.size(); }

  std::uint8_t* bytes() { return bytes_.data(); }
  const std::uint8_t* bytes() const { return bytes_.data(); }
  template <typename T>
  std::span<T> values() {
    return {reinterpret_cast<T*>(bytes_.data()), bytes_.size() / sizeof(T)};
  }
  template <typename T>
  std::span<const T> values() const {
    return {reinterpret_cast<const T*>(bytes_.data()), bytes_.size() / sizeof(T)};
  }

  Spacing spacing;        // voxel size per axis
  ValueScale value_scale; // applied where values are shown (float widening, slices)
  std::optional<SourceMoments> full_resolution; // set on binned copies (first volume)
  Metadata metadata;

private:
  std::int64_t nx_ = 0, ny_ = 0, nz_ = 0, nt_ = 0;
  DType dtype_ = DType::u8;
  std::vector<std::uint8_t> bytes_;
};

} // namespace atelier
