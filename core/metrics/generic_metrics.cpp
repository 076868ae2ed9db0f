// Generic per-item metrics (see generic_metrics.h for the estimators).
#include "core/metrics/generic_metrics.h"

#include "core/base/error.h"
#include "core/data/stats.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace atelier::metrics {

std::optional<double> find_metric(const std::vector<Metric>& metrics, std::string_view name) {
  for (const auto& m : metrics)
    if (m.name == name) return m.value;
  return std::nullopt;
}

namespace {

double integer_max(DType t) {
  switch (t) {
  case DType::u8: return 255.0;
  case DType::i8: return 127.0;
  case DType::u16: return 65535.0;
  case DType::i16: return 32767.0;
  case DType::u32: return 4294967295.0;
  case DType::i32: return 2147483647.0;
  default: return std::numeric_limits<double>::quiet_NaN();
  }
}

// Stats of one set of values (a band, or all values); `values` is consumed.
template <typename T>
void value_metrics(std::vector<T> values, DType dtype, const std::string& suffix,
                   std::vector<Metric>& out) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  RunningStats stats;
  std::uint64_t nans = 0, infs = 0, at_dtype_max = 0;
  const double dmax = integer_max(dtype);
  for (const T t : values) {
    const double v = t;
    if (std::isnan(v))
      ++nans;
    else if (std::isinf(v))
      ++infs;
    else {
      stats.add_value(v);
      if (v == dmax) ++at_dtype_max;
    }
  }
  const bool any = stats.count() > 0;
  double saturation = 0.0;
  if (!values.empty()) {
    if (!dtype_is_float(dtype)) {
      saturation = static_cast<double>(at_dtype_max) / static_cast<double>(values.size());
    } else if (any) {
      const double hi = stats.max();
      const auto at_max = std::count(values.begin(), values.end(), static_cast<T>(hi));
      const double f = static_cast<double>(at_max) / static_cast<double>(values.size());
      saturation = f > 0.001 ? f : 0.0;
    }
  }
  const auto p = sampled_percentiles(values, {1.0, 50.0, 99.0});
  out.push_back({"min" + suffix, any ? stats.min() : nan});
  out.push_back({"max" + suffix, any ? stats.max() : nan});
  out.push_back({"mean" + suffix, any ? stats.mean() : nan});
  out.push_back({"std" + suffix, any ? stats.std() : nan});
  out.push_back({"p01" + suffix, p[0]});
  out.push_back({"p50" + suffix, p[1]});
  out.push_back({"p99" + suffix, p[2]});
  out.push_back({"nan_count" + suffix, static_cast<double>(nans)});
  out.push_back({"inf_count" + suffix, static_cast<double>(infs)});
  out.push_back({"saturation_fraction" + suffix, saturation});
}

// float holds every value of the 8- and 16-bit types and f16 exactly.
bool float_is_exact(DType t) {
  return t != DType::f64 && t != DType::u32 && t != DType::i32;
}

void band_metrics(const Image& image, std::int64_t band, const std::string& suffix,
                  std::vector<Metric>& out) {
  if (float_is_exact(image.dtype())) {
    value_metrics(std::move(band_plane(image, band).data), image.dtype(), suffix, out);
    return;
  }
  const std::vector<double> all = all_values(image);
  std::vector<double> v(image.pixel_count());
  const auto c = static_cast<std::size_t>(image.channels());
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = all[i * c + static_cast<std::size_t>(band)];
  value_metrics(std::move(v), image.dtype(), suffix, out);
}

} // namespace

double laplacian_variance(const FloatPlane& plane) {
  const std::int64_t w = plane.width, h = plane.height;
  if (w < 3 || h < 3) return 0.0;
  // Plain sums suffice: the Laplacian's mean is near 0, so sum of squares
  // does not cancel catastrophically.
  double sum = 0, sum2 = 0;
  std::uint64_t n = 0;
  for (std::int64_t y = 1; y + 1 < h; ++y) {
    const float* up = &plane.data[static_cast<std::size_t>((y - 1) * w)];
    const float* row = up + w;
    const float* down = row + w;
    for (std::int64_t x = 1; x + 1 < w; ++x) {
      const double l = double(row[x - 1]) + row[x + 1] + up[x] + down[x] - 4.0 * row[x];
      if (std::isfinite(l)) sum += l, sum2 += l * l, ++n;
    }
  }
  if (n == 0) return 0.0;
  const double mean = sum / static_cast<double>(n);
  return std::max(0.0, sum2 / static_cast<double>(n) - mean * mean);
}

double noise_sigma(const FloatPlane& plane) {
  std::vector<float> d;
  d.reserve(static_cast<std::size_t>(std::max<std::int64_t>(plane.width - 1, 0) * plane.height));
  for (std::int64_t y = 0; y < plane.height; ++y)
    for (std::int64_t x = 0; x + 1 < plane.width; ++x) {
      const float v = plane.at(x + 1, y) - plane.at(x, y);
      if (std::isfinite(v)) d.push_back(v);
    }
  if (d.empty()) return 0.0;
  const double med = sampled_percentiles(d, {50.0})[0];
  for (float& v : d)
    v = static_cast<float>(std::abs(v - med));
  const double mad = sampled_percentiles(d, {50.0})[0];
  return 1.4826 * mad / std::sqrt(2.0);
}

double saturation_fraction(const Image& image, std::int64_t band) {
  std::vector<Metric> m;
  band_metrics(image, band, "", m);
  return *find_metric(m, "saturation_fraction");
}

std::vector<Metric> generic_metrics(const Image& image) {
  std::vector<Metric> out;
  const FloatPlane mean = mean_plane(image);
  if (image.channels() == 1) {
    band_metrics(image, 0, "", out);
  } else {
    value_metrics(all_values(image), image.dtype(), "", out);
  }
  out.push_back({"sharpness", laplacian_variance(mean)});
  out.push_back({"noise_sigma", noise_sigma(mean)});
  if (image.channels() > 1) {
    for (std::int64_t b = 0; b < image.channels(); ++b) {
      const std::string suffix = "_b" + std::to_string(b + 1);
      band_metrics(image, b, suffix, out);
      const FloatPlane p = band_plane(image, b);
      out.push_back({"sharpness" + suffix, laplacian_variance(p)});
      out.push_back({"noise_sigma" + suffix, noise_sigma(p)});
    }
  }
  return out;
}

std::uint64_t perceptual_hash(const Image& image) {
  const FloatPlane p = mean_plane(image);
  // Area average onto a 9 x 8 grid: every pixel falls into the cell holding
  // its centre; non-finite pixels are left out of their cell's mean.
  double sum[8][9] = {}, count[8][9] = {};
  std::vector<int> column(static_cast<std::size_t>(p.width));
  for (std::int64_t x = 0; x < p.width; ++x)
    column[static_cast<std::size_t>(x)] = static_cast<int>((2 * x + 1) * 9 / (2 * p.width));
  for (std::int64_t y = 0; y < p.height; ++y) {
    const auto cy = static_cast<int>((2 * y + 1) * 8 / (2 * p.height));
    const float* row = &p.data[static_cast<std::size_t>(y * p.width)];
    for (std::int64_t x = 0; x < p.width; ++x)
      if (std::isfinite(row[x])) {
        const int cx = column[static_cast<std::size_t>(x)];
        sum[cy][cx] += row[x];
        count[cy][cx] += 1;
      }
  }
  double cell[8][9];
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 9; ++x)
      cell[y][x] = count[y][x] > 0 ? sum[y][x] / count[y][x] : 0.0;
  std::uint64_t hash = 0;
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x)
      if (cell[y][x] > cell[y][x + 1]) hash |= std::uint64_t{1} << (y * 8 + x);
  return hash;
}

int hamming_distance(std::uint64_t a, std::uint64_t b) {
  return std::popcount(a ^ b);
}

} // namespace atelier::metrics
