// Bits used, body mask (Otsu), exposure proxy, windowed contrast and the
// collimation border of radiographs (see the header).
#include "plugins/radiography/radiography_metrics.h"

#include "core/metrics/plane.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace atelier::plugins {
namespace {

// Otsu's threshold over a 256-bin histogram of [lo, hi].
double otsu_threshold(const std::vector<float>& v, double lo, double hi) {
  std::array<double, 256> hist{};
  const double scale = hi > lo ? 255.0 / (hi - lo) : 0.0;
  for (float x : v)
    if (std::isfinite(x))
      hist[static_cast<std::size_t>(std::clamp((x - lo) * scale, 0.0, 255.0))] += 1;
  double total = 0, sum = 0;
  for (int i = 0; i < 256; ++i)
    total += hist[i], sum += i * hist[i];
  double w0 = 0, sum0 = 0, best = -1;
  int best_i = 0;
  for (int i = 0; i < 256; ++i) {
    w0 += hist[i];
    sum0 += i * hist[i];
    const double w1 = total - w0;
    if (w0 == 0 || w1 == 0) continue;
    const double m0 = sum0 / w0, m1 = (sum - sum0) / w1;
    const double between = w0 * w1 * (m0 - m1) * (m0 - m1);
    if (between > best) best = between, best_i = i;
  }
  return lo + (best_i + 1) / scale;
}

// Rows (or columns) peeled off one side while their value range stays
// at most `flat`.
template <typename RangeOf>
std::int64_t flat_run(std::int64_t count, RangeOf range_of, double flat) {
  std::int64_t k = 0;
  while (k < count && range_of(k) <= flat)
    ++k;
  return k;
}

} // namespace

std::vector<metrics::Metric> radiography_metrics(const Image& image, const RadiographFacts& facts) {
  const metrics::FloatPlane p = metrics::band_plane(image, 0);
  const std::int64_t w = p.width, h = p.height;
  std::vector<metrics::Metric> out;
  if (facts.bits_stored > 0) out.push_back({"bits_stored", double(facts.bits_stored)});

  double lo = INFINITY, hi = -INFINITY;
  for (float v : p.data)
    if (std::isfinite(v)) lo = std::min<double>(lo, v), hi = std::max<double>(hi, v);
  if (!(hi >= lo)) return out;
  out.push_back({"bits_used", std::ceil(std::log2(hi - lo + 1.0))});

  // Collimation border: uniform bands along the edges.
  const double flat = 0.01 * (hi - lo);
  auto row_range = [&](std::int64_t y) {
    float a = INFINITY, b = -INFINITY;
    for (std::int64_t x = 0; x < w; ++x)
      a = std::min(a, p.at(x, y)), b = std::max(b, p.at(x, y));
    return double(b) - a;
  };
  auto col_range = [&](std::int64_t x) {
    float a = INFINITY, b = -INFINITY;
    for (std::int64_t y = 0; y < h; ++y)
      a = std::min(a, p.at(x, y)), b = std::max(b, p.at(x, y));
    return double(b) - a;
  };
  const std::int64_t top = flat_run(h, row_range, flat);
  const std::int64_t bottom =
      top == h ? 0
               : flat_run(
                     h, [&](std::int64_t k) { return row_range(h - 1 - k); }, flat);
  const std::int64_t left = flat_run(w, col_range, flat);
  const std::int64_t right =
      left == w ? 0
                : flat_run(
                      w, [&](std::int64_t k) { return col_range(w - 1 - k); }, flat);
  const double inner = double(std::max<std::int64_t>(0, w - left - right)) *
                       double(std::max<std::int64_t>(0, h - top - bottom));
  out.push_back({"border_fraction", 1.0 - inner / (double(w) * double(h))});

  // Body: Otsu on the open field (inside the border); MONOCHROME1 stores
  // attenuation as low values, so its body is the darker class.
  std::vector<float> field;
  for (std::int64_t y = top; y < h - bottom; ++y)
    for (std::int64_t x = left; x < w - right; ++x)
      field.push_back(p.at(x, y));
  const double t = otsu_threshold(field, lo, hi);
  std::vector<float> body;
  for (float v : field)
    if (std::isfinite(v) && (facts.monochrome1 ? v < t : v >= t)) body.push_back(v);
  out.push_back({"body_fraction", double(body.size()) / (double(w) * double(h))});
  if (body.empty()) return out;
  double sum = 0, sum2 = 0;
  for (float v : body)
    sum += v, sum2 += double(v) * v;
  const double mean = sum / double(body.size());
  out.push_back({"body_mean", mean});
  out.push_back({"body_std", std::sqrt(std::max(0.0, sum2 / double(body.size()) - mean * mean))});
  std::vector<float> sorted = body;
  const auto window = metrics::percentiles(sorted, {1.0, 99.0});
  const double width = window[1] - window[0];
  double contrast = 0;
  if (width > 0) {
    double s = 0, s2 = 0;
    for (float v : body) {
      const double c = std::clamp<double>(v, window[0], window[1]);
      s += c, s2 += c * c;
    }
    const double m = s / double(body.size());
    contrast = std::sqrt(std::max(0.0, s2 / double(body.size()) - m * m)) / width;
  }
  out.push_back({"windowed_contrast", contrast});
  return out;
}

} // namespace atelier::plugins
