// One time point of a volume widened to float32, as viewers and renderers
// need it: NaN and +-Inf voxels are replaced by the finite minimum (so
// transfer functions and isosurfaces never see them), and the finite
// statistics come with it (contour levels are set in sigma above the mean).
#pragma once

#include "core/data/volume.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace atelier {

struct VolumeStats {
  std::uint64_t finite = 0, nonfinite = 0;
  double min = 0, max = 0, mean = 0, stddev = 0;
};

// The finite statistics of n floats, without copying them (a float32
// volume with no non-finite voxel can be shown as it is).
VolumeStats float_stats(const float* v, std::size_t n);

// Widens count values of dtype at src into out, NaN and +-Inf replaced as
// above; returns their finite statistics.
// A scale other than the identity is applied (stored value * slope + offset).
VolumeStats widen_to_float(const std::uint8_t* src, DType dtype, std::size_t count, float* out,
                           const ValueScale& scale = {});

// Writes volume time point t (nx * ny * nz floats, x fastest, its value
// scale applied) to out.
// Throws Error when t is out of range.
VolumeStats widen_volume_frame(const Volume& volume, std::int64_t t, float* out);

// Counts of v[0, n) in `bins` equal bins over [lo, hi] (values outside and
// non-finite ones are not counted), for transfer-function editors.
std::vector<std::uint64_t> value_histogram(const float* v, std::size_t n, double lo, double hi,
                                           int bins);

// The level `sigma` standard deviations above the mean.
inline double sigma_level(const VolumeStats& s, double sigma) {
  return s.mean + sigma * s.stddev;
}

} // namespace atelier
