// FloatPlane: one band of an Image widened to float32, the common input of
// the metric, spectrum and thumbnail code; PlaneView, a borrowed plane
// (a float32 single-band Image is viewed in place, never copied); and exact
// or subsampled percentiles.
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

// A plane someone else owns; valid while the owner lives.
struct PlaneView {
  std::int64_t width = 0;
  std::int64_t height = 0;
  const float* data = nullptr; // row-major, width * height

  PlaneView() = default;
  PlaneView(std::int64_t w, std::int64_t h, const float* d) : width(w), height(h), data(d) {}
  PlaneView(const FloatPlane& p) : width(p.width), height(p.height), data(p.data.data()) {}

  std::size_t size() const { return static_cast<std::size_t>(width * height); }
  float at(std::int64_t x, std::int64_t y) const {
    return data[static_cast<std::size_t>(y * width + x)];
  }
  const float* row(std::int64_t y) const { return data + static_cast<std::size_t>(y * width); }
};

// Adds the finite values of p[0, n) to sum and their number to count.
// Four float lanes (vectorised; the sum is rounded to float per
// lane, which suffices for means of rows and tiles, not for long runs).
void add_finite(const float* p, std::size_t n, double& sum, std::uint64_t& count);

// One pass over p[0, n): the finite values' count, min, max, how many equal
// the max, mean and sum of squared deviations (m2); NaN and +-Inf are only
// counted. min/max/mean are meaningless when count is 0.
struct FiniteStats {
  std::uint64_t count = 0, nonfinite = 0, at_max = 0;
  double min = 0, max = 0, mean = 0, m2 = 0;
};
FiniteStats finite_stats(const float* p, std::size_t n);

// Band `band` of image as a view: in place for float32 single-band images,
// else widened into storage (which must outlive the view).
PlaneView band_view(const Image& image, std::int64_t band, FloatPlane& storage);
// The band mean as a view: in place for float32 single-band images.
PlaneView mean_view(const Image& image, FloatPlane& storage);

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
// subsample of this size. The import's per-item budget is a few ms; the
// standard error of a sampled quantile's rank is sqrt(p (1 - p) / 2^16),
// 0.04 percentile points at p01 (0.015 sigma of Gaussian data) and 0.2 at
// p50: far below what curating by p01/p99 or a display stretch can see.
inline constexpr std::size_t kPercentileSamples = std::size_t{1} << 16;
// Exact below kPercentileSamples finite values, else the percentiles of every
// (n / kPercentileSamples)-th finite value. values is reordered.
std::vector<double> sampled_percentiles(std::vector<double>& values, const std::vector<double>& ps);
std::vector<double> sampled_percentiles(std::vector<float>& values, const std::vector<double>& ps);

// The values sampled_percentiles would use, taken straight from a plane
// without copying it: every finite value when there are at most max_samples
// pixels, else the finite values at a regular raster stride chosen coprime
// with the width (so every column is visited, whatever the detector pattern).
std::vector<float> sample_values(PlaneView plane, std::size_t max_samples = kPercentileSamples);
// finite_stats of the plane, which also fills sample with what sample_values
// would return, in the same pass.
FiniteStats finite_stats(PlaneView plane, std::vector<float>& sample,
                         std::size_t max_samples = kPercentileSamples);

// The raster stride that takes at most max_samples of n values laid out in
// rows of `width`: 1 when n fits, else the smallest step above n/max_samples
// that is coprime with width (so the samples visit every column).
std::size_t sample_stride(std::size_t n, std::size_t width, std::size_t max_samples);

} // namespace atelier::metrics
