// Widening Image bands to float planes, and exact percentiles.
#include "core/metrics/plane.h"

#include "core/base/error.h"
#include "core/base/half.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace atelier::metrics {

namespace {

template <typename T, typename Out>
void widen(const Image& image, std::int64_t band, std::vector<Out>& out) {
  const auto v = image.values<T>();
  const auto c = static_cast<std::size_t>(image.channels());
  const std::size_t n = image.pixel_count();
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<Out>(v[i * c + static_cast<std::size_t>(band)]);
}

template <typename Out>
void widen_band(const Image& image, std::int64_t band, std::vector<Out>& out) {
  switch (image.dtype()) {
  case DType::u8: return widen<std::uint8_t>(image, band, out);
  case DType::i8: return widen<std::int8_t>(image, band, out);
  case DType::u16: return widen<std::uint16_t>(image, band, out);
  case DType::i16: return widen<std::int16_t>(image, band, out);
  case DType::u32: return widen<std::uint32_t>(image, band, out);
  case DType::i32: return widen<std::int32_t>(image, band, out);
  case DType::f32: return widen<float>(image, band, out);
  case DType::f64: return widen<double>(image, band, out);
  case DType::f16: {
    const auto v = image.values<std::uint16_t>();
    const auto c = static_cast<std::size_t>(image.channels());
    out.resize(image.pixel_count());
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] = static_cast<Out>(half_to_float(v[i * c + static_cast<std::size_t>(band)]));
    return;
  }
  }
  throw Error("band_plane: unknown element type");
}

void check(const Image& image, std::int64_t band) {
  if (image.pixel_count() == 0 || image.channels() <= 0) throw Error("metrics: empty image");
  if (band < 0 || band >= image.channels())
    throw Error("metrics: band " + std::to_string(band) + " out of range");
}

} // namespace

FloatPlane band_plane(const Image& image, std::int64_t band) {
  check(image, band);
  FloatPlane p;
  p.width = image.width();
  p.height = image.height();
  widen_band(image, band, p.data);
  return p;
}

FloatPlane mean_plane(const Image& image) {
  FloatPlane p = band_plane(image, 0);
  if (image.channels() == 1) return p;
  std::vector<double> acc(p.data.begin(), p.data.end());
  std::vector<double> band;
  for (std::int64_t b = 1; b < image.channels(); ++b) {
    widen_band(image, b, band);
    for (std::size_t i = 0; i < acc.size(); ++i)
      acc[i] += band[i];
  }
  const double inv = 1.0 / static_cast<double>(image.channels());
  for (std::size_t i = 0; i < acc.size(); ++i)
    p.data[i] = static_cast<float>(acc[i] * inv);
  return p;
}

std::vector<double> all_values(const Image& image) {
  check(image, 0);
  std::vector<double> out(image.value_count());
  std::vector<double> band;
  const auto c = static_cast<std::size_t>(image.channels());
  for (std::int64_t b = 0; b < image.channels(); ++b) {
    widen_band(image, b, band);
    for (std::size_t i = 0; i < band.size(); ++i)
      out[i * c + static_cast<std::size_t>(b)] = band[i];
  }
  return out;
}

namespace {
template <typename T>
std::vector<double> percentiles_of(std::vector<T>& values, const std::vector<double>& ps) {
  const auto end =
      std::partition(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
  const auto n = static_cast<std::size_t>(end - values.begin());
  std::vector<double> out;
  for (double p : ps) {
    if (n == 0) {
      out.push_back(std::numeric_limits<double>::quiet_NaN());
      continue;
    }
    const double pos = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(n - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const double frac = pos - static_cast<double>(lo);
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(lo), end);
    const double a = static_cast<double>(values[lo]);
    double b = a;
    if (frac > 0.0 && lo + 1 < n)
      b = *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(lo) + 1, end);
    out.push_back(a + (b - a) * frac);
  }
  return out;
}
} // namespace

namespace {
template <typename T>
std::vector<double> sampled_of(std::vector<T>& values, const std::vector<double>& ps) {
  const auto end =
      std::partition(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
  const auto n = static_cast<std::size_t>(end - values.begin());
  if (n <= kPercentileSamples) return percentiles_of(values, ps);
  std::vector<T> sample(kPercentileSamples);
  const double stride = static_cast<double>(n) / static_cast<double>(kPercentileSamples);
  for (std::size_t i = 0; i < sample.size(); ++i)
    sample[i] = values[static_cast<std::size_t>(static_cast<double>(i) * stride)];
  return percentiles_of(sample, ps);
}
} // namespace

std::vector<double> sampled_percentiles(std::vector<double>& values,
                                        const std::vector<double>& ps) {
  return sampled_of(values, ps);
}
std::vector<double> sampled_percentiles(std::vector<float>& values, const std::vector<double>& ps) {
  return sampled_of(values, ps);
}

std::vector<double> percentiles(std::vector<double>& values, const std::vector<double>& ps) {
  return percentiles_of(values, ps);
}
std::vector<double> percentiles(std::vector<float>& values, const std::vector<double>& ps) {
  return percentiles_of(values, ps);
}

} // namespace atelier::metrics
