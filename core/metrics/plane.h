// FloatPlane: one band of an Image widened to float32, the common input of
// the metric, spectrum and thumbnail code; plus exact percentiles.
#pragma once

#include "core/data/image.h"

#include <cstdint>
#include <vector>

namespace atelier::metrics {

struct FloatPlane {
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::vector<float> data; // row-major, width * height

  float at(std::int64_t x, std::int64_t y) const {
    return data[static_cast<std::size_t>(y * width + x)];
  }
};

// Band `band` (0-based) of image as float; NaN and Inf are kept.
// Throws Error when band is out of range or the image is empty.
FloatPlane band_plane(const Image& image, std::int64_t band);
// Mean over all bands per pixel (band 0 alone for single-band images).
FloatPlane mean_plane(const Image& image);
// Every value of the image (all bands) as double, NaN and Inf kept.
std::vector<double> all_values(const Image& image);

// Exact percentiles (p in [0, 100]) of the finite values, with numpy's default
// linear interpolation between order statistics. values is reordered.
// Returns NaN for each p when there is no finite value.
std::vector<double> percentiles(std::vector<double>& values, const std::vector<double>& ps);
std::vector<double> percentiles(std::vector<float>& values, const std::vector<double>& ps);

// Above this many finite values, sampled_percentiles works on a regular
// subsample of this size (the import's per-item budget is a few ms; the
// rank error of 2^18 samples is about 0.2% of the ranks at worst, far below
// what p01/p99 of a micrograph need).
inline constexpr std::size_t kPercentileSamples = std::size_t{1} << 18;
// Exact below kPercentileSamples finite values, else the percentiles of every
// (n / kPercentileSamples)-th finite value. values is reordered.
std::vector<double> sampled_percentiles(std::vector<double>& values, const std::vector<double>& ps);
std::vector<double> sampled_percentiles(std::vector<float>& values, const std::vector<double>& ps);

} // namespace atelier::metrics
