// Generic per-item metrics (see generic_metrics.h for the estimators).
#include "core/metrics/generic_metrics.h"

#include "core/base/error.h"
#include "core/base/float4.h"
#include "core/data/stats.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <type_traits>

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

// What the value metrics need: one streaming pass plus a selection on a
// subsample.
struct ValueSummary {
  std::uint64_t count = 0; // finite values
  double min = 0, max = 0, mean = 0, std = 0;
  std::size_t total = 0;
  std::uint64_t nans = 0, infs = 0, saturated = 0;
  std::vector<double> pct; // p01, p50, p99
};

template <typename T>
std::uint64_t count_nans(const T* v, std::size_t n) {
  std::uint64_t c = 0;
  for (std::size_t i = 0; i < n; ++i)
    c += std::isnan(v[i]);
  return c;
}

// Integers: values at the dtype's maximum. Floats: values at the finite
// maximum, when more than 0.1% of all values sit there.
std::uint64_t saturated_count(DType dtype, double max, std::uint64_t at_max, std::size_t total) {
  if (!dtype_is_float(dtype)) return max == integer_max(dtype) ? at_max : 0;
  return static_cast<double>(at_max) > 0.001 * static_cast<double>(total) ? at_max : 0;
}

// Values of one float plane, read in place: finite_stats in one vectorised
// pass, which also takes the sample for the percentiles.
ValueSummary plane_summary(PlaneView plane, DType dtype) {
  std::vector<float> sample;
  const FiniteStats st = finite_stats(plane, sample);
  ValueSummary s;
  s.total = plane.size();
  s.count = st.count;
  if (st.count) {
    s.min = st.min, s.max = st.max, s.mean = st.mean;
    s.std = std::sqrt(st.m2 / static_cast<double>(st.count));
    s.saturated = saturated_count(dtype, st.max, st.at_max, s.total);
  }
  if (st.nonfinite) {
    s.nans = count_nans(plane.data, plane.size());
    s.infs = st.nonfinite - s.nans;
  }
  s.pct = percentiles(sample, {1.0, 50.0, 99.0});
  return s;
}

// Values held as double (wide integer types, f64, or all bands together).
ValueSummary double_summary(std::vector<double> values, DType dtype) {
  RunningStats rs;
  rs.add(values.data(), DType::f64, values.size());
  ValueSummary s;
  s.total = values.size();
  s.count = rs.count();
  if (s.count) {
    s.min = rs.min(), s.max = rs.max(), s.mean = rs.mean(), s.std = rs.std();
    const auto at_max = static_cast<std::uint64_t>(std::count(values.begin(), values.end(), s.max));
    s.saturated = saturated_count(dtype, s.max, at_max, s.total);
  }
  if (rs.non_finite()) {
    s.nans = count_nans(values.data(), values.size());
    s.infs = rs.non_finite() - s.nans;
  }
  s.pct = sampled_percentiles(values, {1.0, 50.0, 99.0});
  return s;
}

void push_value_metrics(const ValueSummary& s, const std::string& suffix,
                        std::vector<Metric>& out) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const bool any = s.count > 0;
  out.push_back({"min" + suffix, any ? s.min : nan});
  out.push_back({"max" + suffix, any ? s.max : nan});
  out.push_back({"mean" + suffix, any ? s.mean : nan});
  out.push_back({"std" + suffix, any ? s.std : nan});
  out.push_back({"p01" + suffix, s.pct[0]});
  out.push_back({"p50" + suffix, s.pct[1]});
  out.push_back({"p99" + suffix, s.pct[2]});
  out.push_back({"nan_count" + suffix, static_cast<double>(s.nans)});
  out.push_back({"inf_count" + suffix, static_cast<double>(s.infs)});
  out.push_back({"saturation_fraction" + suffix,
                 s.total ? static_cast<double>(s.saturated) / static_cast<double>(s.total) : 0.0});
}

// float holds every value of the 8- and 16-bit types and f16 exactly.
bool float_is_exact(DType t) {
  return t != DType::f64 && t != DType::u32 && t != DType::i32;
}

void band_metrics(const Image& image, std::int64_t band, const std::string& suffix,
                  std::vector<Metric>& out) {
  if (float_is_exact(image.dtype())) {
    FloatPlane storage;
    push_value_metrics(plane_summary(band_view(image, band, storage), image.dtype()), suffix, out);
    return;
  }
  const std::vector<double> all = all_values(image);
  std::vector<double> v(image.pixel_count());
  const auto c = static_cast<std::size_t>(image.channels());
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = all[i * c + static_cast<std::size_t>(band)];
  push_value_metrics(double_summary(std::move(v), image.dtype()), suffix, out);
}

} // namespace

ATELIER_HOT_LOOP
double laplacian_variance(PlaneView plane) {
  const std::int64_t w = plane.width, h = plane.height;
  if (w < 3 || h < 3) return 0.0;
  // Plain sums suffice: the Laplacian's mean is near 0, so sum of squares
  // does not cancel catastrophically. Row sums in double, per-pixel maths in
  // float (the inputs are float).
  double sum = 0, sum2 = 0;
  std::uint64_t n = 0;
  for (std::int64_t y = 1; y + 1 < h; ++y) {
    const float* up = plane.row(y - 1);
    const float* row = plane.row(y);
    const float* down = plane.row(y + 1);
    // Four float lanes per row (vectorised), summed in double per row.
    float4 ls = splat4(0.0f), ls2 = splat4(0.0f);
    mask4 lc = {};
    std::int64_t x = 1;
    for (; x + 5 <= w; x += 4) {
      const float4 l = (load4(row + x - 1) + load4(row + x + 1)) +
                       (load4(up + x) + load4(down + x)) - splat4(4.0f) * load4(row + x);
      const mask4 finite = finite_mask(l);
      const float4 lf = select4(finite, l, splat4(0.0f));
      ls += lf;
      ls2 += lf * lf;
      lc -= finite;
    }
    double rs = sum4(ls), rs2 = sum4(ls2);
    std::int64_t rn = sum4(lc);
    for (; x + 1 < w; ++x) {
      const float l = (row[x - 1] + row[x + 1]) + (up[x] + down[x]) - 4.0f * row[x];
      if (l - l == 0.0f) rs += l, rs2 += double(l) * l, ++rn;
    }
    sum += rs, sum2 += rs2, n += static_cast<std::uint64_t>(rn);
  }
  if (n == 0) return 0.0;
  const double mean = sum / static_cast<double>(n);
  return std::max(0.0, sum2 / static_cast<double>(n) - mean * mean);
}

double noise_sigma(PlaneView plane) {
  const std::int64_t w = plane.width;
  if (w < 2 || plane.height < 1) return 0.0;
  // Pair index i stands for (x, y) = (i % (w - 1), i / (w - 1)); above the
  // sample budget, a raster stride coprime with w - 1 visits every column.
  const auto pw = static_cast<std::size_t>(w - 1);
  const std::size_t pairs = pw * static_cast<std::size_t>(plane.height);
  // 2^15 differences put the MAD within about 0.7% (one standard error) of
  // the full image's, far inside what a noise estimate needs, at half the
  // cost of the two selections.
  const std::size_t stride = sample_stride(pairs, pw, kPercentileSamples / 2);
  std::vector<float> d;
  d.reserve(pairs / stride + 1);
  // Walk (x, y) alongside i instead of dividing per sample.
  std::size_t x = 0, y = 0;
  for (std::size_t i = 0; i < pairs; i += stride) {
    const float* p = plane.row(static_cast<std::int64_t>(y)) + x;
    const float v = p[1] - p[0];
    if (v - v == 0.0f) d.push_back(v);
    x += stride;
    while (x >= pw)
      x -= pw, ++y;
  }
  if (d.empty()) return 0.0;
  const double med = percentiles(d, {50.0})[0];
  for (float& v : d)
    v = static_cast<float>(std::abs(v - med));
  const double mad = percentiles(d, {50.0})[0];
  return 1.4826 * mad / std::sqrt(2.0);
}

double saturation_fraction(const Image& image, std::int64_t band) {
  std::vector<Metric> m;
  band_metrics(image, band, "", m);
  return *find_metric(m, "saturation_fraction");
}

std::vector<Metric> generic_metrics(const Image& image) {
  std::vector<Metric> out;
  FloatPlane mean_storage;
  const PlaneView mean = mean_view(image, mean_storage);
  if (image.channels() == 1 && float_is_exact(image.dtype())) {
    push_value_metrics(plane_summary(mean, image.dtype()), "", out); // widened once, above
  } else if (image.channels() == 1) {
    band_metrics(image, 0, "", out);
  } else {
    push_value_metrics(double_summary(all_values(image), image.dtype()), "", out);
  }
  out.push_back({"sharpness", laplacian_variance(mean)});
  out.push_back({"noise_sigma", noise_sigma(mean)});
  if (image.channels() > 1) {
    for (std::int64_t b = 0; b < image.channels(); ++b) {
      const std::string suffix = "_b" + std::to_string(b + 1);
      band_metrics(image, b, suffix, out);
      FloatPlane storage;
      const PlaneView p = band_view(image, b, storage);
      out.push_back({"sharpness" + suffix, laplacian_variance(p)});
      out.push_back({"noise_sigma" + suffix, noise_sigma(p)});
    }
  }
  return out;
}

std::uint64_t perceptual_hash(const Image& image) {
  FloatPlane storage;
  return perceptual_hash(mean_view(image, storage));
}

std::uint64_t perceptual_hash(PlaneView p) {
  // Area average onto a 9 x 8 grid: every pixel falls into the cell holding
  // its centre; non-finite pixels are left out of their cell's mean. A cell's
  // columns are one run of each row (the mapping is monotonic), summed at
  // once.
  double sum[8][9] = {}, count[8][9] = {};
  std::int64_t first[10];
  for (int c = 0; c <= 9; ++c) {
    // The first x with (2x + 1) * 9 / (2 w) >= c, i.e. 18x >= 2cw - 9.
    const std::int64_t num = 2 * c * p.width - 9;
    first[c] = c == 9 ? p.width : std::max<std::int64_t>(0, (num + 17) / 18);
  }
  for (std::int64_t y = 0; y < p.height; ++y) {
    const auto cy = static_cast<int>((2 * y + 1) * 8 / (2 * p.height));
    const float* row = p.row(y);
    for (int c = 0; c < 9; ++c) {
      double s = 0;
      std::uint64_t n = 0;
      add_finite(row + first[c], static_cast<std::size_t>(first[c + 1] - first[c]), s, n);
      sum[cy][c] += s;
      count[cy][c] += static_cast<double>(n);
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
