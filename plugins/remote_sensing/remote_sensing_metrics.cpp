// Nodata and cloud fractions of multiband rasters (see the header).
#include "plugins/remote_sensing/remote_sensing_metrics.h"

#include "core/metrics/plane.h"

#include <algorithm>
#include <cmath>

namespace atelier::plugins {
namespace {

std::vector<metrics::FloatPlane> bands_of(const Image& image, std::int64_t count) {
  std::vector<metrics::FloatPlane> out;
  for (std::int64_t b = 0; b < count; ++b)
    out.push_back(metrics::band_plane(image, b));
  return out;
}

bool pixel_is_nodata(const std::vector<metrics::FloatPlane>& bands, std::size_t i,
                     std::optional<double> nodata) {
  bool all_nodata = nodata.has_value();
  for (const auto& b : bands) {
    const float v = b.data[i];
    if (std::isnan(v)) return true;
    all_nodata = all_nodata && v == static_cast<float>(*nodata);
  }
  return all_nodata;
}

double full_reflectance(DType t) {
  switch (t) {
  case DType::u8:
  case DType::i8: return 255.0;
  case DType::f32:
  case DType::f64:
  case DType::f16: return 1.0;
  default: return 10000.0;
  }
}

} // namespace

double nodata_fraction(const Image& image, std::optional<double> nodata) {
  const auto bands = bands_of(image, image.channels());
  const std::size_t n = image.pixel_count();
  if (n == 0) return 0.0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i)
    count += pixel_is_nodata(bands, i, nodata);
  return static_cast<double>(count) / static_cast<double>(n);
}

std::optional<double> cloud_fraction(const Image& image, std::optional<double> nodata) {
  if (image.channels() != 3 && image.channels() != 4) return std::nullopt;
  const auto all = bands_of(image, image.channels());
  const std::vector<metrics::FloatPlane> visible(all.begin(), all.begin() + 3);
  const double bright = 0.3 * full_reflectance(image.dtype());
  std::size_t valid = 0, cloudy = 0;
  for (std::size_t i = 0; i < image.pixel_count(); ++i) {
    if (pixel_is_nodata(all, i, nodata)) continue;
    ++valid;
    const double r = visible[0].data[i], g = visible[1].data[i], b = visible[2].data[i];
    const double lo = std::min({r, g, b}), hi = std::max({r, g, b});
    const double mean = (r + g + b) / 3.0;
    if (lo > bright && mean > 0 && (hi - lo) / mean < 0.2) ++cloudy;
  }
  if (valid == 0) return 0.0;
  return static_cast<double>(cloudy) / static_cast<double>(valid);
}

std::vector<metrics::Metric> remote_sensing_metrics(const Image& image,
                                                    std::optional<double> nodata) {
  std::vector<metrics::Metric> out{{"nodata_fraction", nodata_fraction(image, nodata)}};
  if (const auto c = cloud_fraction(image, nodata)) out.push_back({"cloud_fraction", *c});
  return out;
}

} // namespace atelier::plugins
