// Windowing, gamma and colormaps for display (see display_mapping.h).
#include "core/display/display_mapping.h"

#include "core/base/error.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace atelier::display {
namespace {

std::array<std::uint32_t, 256> interpolate(const std::array<std::uint32_t, 9>& anchors) {
  std::array<std::uint32_t, 256> out{};
  for (int i = 0; i < 256; ++i) {
    const double t = i / 255.0 * 8.0;
    const int a = std::min(7, static_cast<int>(t));
    const double f = t - a;
    std::uint32_t c = 0xff000000u;
    for (int shift : {16, 8, 0}) {
      const double x =
          ((anchors[a] >> shift) & 0xff) * (1 - f) + ((anchors[a + 1] >> shift) & 0xff) * f;
      c |= static_cast<std::uint32_t>(std::lround(x)) << shift;
    }
    out[static_cast<std::size_t>(i)] = c;
  }
  return out;
}

} // namespace

Colormap parse_colormap(const std::string& name) {
  if (name == "gray") return Colormap::gray;
  if (name == "inverted") return Colormap::inverted;
  if (name == "viridis") return Colormap::viridis;
  if (name == "magma") return Colormap::magma;
  if (name == "diverging") return Colormap::diverging;
  throw Error("unknown colormap '" + name + "' (gray, inverted, viridis, magma or diverging)");
}

const std::array<std::uint32_t, 256>& colormap_table(Colormap colormap) {
  static const auto gray = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i)
      t[i] = 0xff000000u | (i << 16) | (i << 8) | i;
    return t;
  }();
  static const auto inverted = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i)
      t[i] = gray[255 - i];
    return t;
  }();
  static const auto viridis =
      interpolate({0xff440154, 0xff472c7a, 0xff3b518b, 0xff2c718e, 0xff21908d, 0xff27ad81,
                   0xff5cc863, 0xffaadc32, 0xfffde725});
  static const auto magma = interpolate({0xff000004, 0xff1c1044, 0xff4f127b, 0xff812581, 0xffb5367a,
                                         0xffe55064, 0xfffb8761, 0xfffec287, 0xfffcfdbf});
  // Blue - white - red (ColorBrewer RdBu, reversed), for signed differences.
  static const auto diverging =
      interpolate({0xff2166ac, 0xff4393c3, 0xff92c5de, 0xffd1e5f0, 0xfff7f7f7, 0xfffddbc7,
                   0xfff4a582, 0xffd6604d, 0xffb2182b});
  switch (colormap) {
  case Colormap::diverging: return diverging;
  case Colormap::gray: return gray;
  case Colormap::inverted: return inverted;
  case Colormap::viridis: return viridis;
  case Colormap::magma: return magma;
  }
  return gray;
}

DisplayMapping auto_contrast(metrics::PlaneView plane, double low_percentile,
                             double high_percentile) {
  std::vector<float> sample = metrics::sample_values(plane);
  const auto p = metrics::percentiles(sample, {low_percentile, high_percentile});
  DisplayMapping m;
  m.lo = std::isfinite(p[0]) ? p[0] : 0.0;
  m.hi = std::isfinite(p[1]) ? p[1] : 1.0;
  if (!(m.hi > m.lo)) m.hi = m.lo + 1.0;
  return m;
}

namespace {

// A 4096-step lookup of the gamma curve keeps the per-pixel work to a
// multiply and two table reads.
std::array<std::uint8_t, 4096> gamma_curve(double gamma) {
  std::array<std::uint8_t, 4096> curve{};
  const double inv_gamma = gamma > 0 ? 1.0 / gamma : 1.0;
  for (int i = 0; i < 4096; ++i)
    curve[static_cast<std::size_t>(i)] =
        static_cast<std::uint8_t>(std::lround(255.0 * std::pow(i / 4095.0, inv_gamma)));
  return curve;
}

// 0 .. 4095 for v in the window; -Inf (and Inf * 0) low, +Inf high.
inline std::size_t curve_index(float v, double lo, double scale) {
  const double t = (v - lo) * scale;
  return static_cast<std::size_t>(t > 0.0 ? (t < 4095.0 ? t : 4095.0) : 0.0);
}

} // namespace

ArgbMapper::ArgbMapper(const DisplayMapping& mapping)
    : table_(&colormap_table(mapping.colormap)), curve_(gamma_curve(mapping.gamma)),
      lo_(mapping.lo), scale_(mapping.hi > mapping.lo ? 4095.0 / (mapping.hi - mapping.lo) : 0.0) {}

void ArgbMapper::map(const float* values, std::size_t n, std::uint32_t* out) const {
  const auto& table = *table_;
  for (std::size_t i = 0; i < n; ++i) {
    const float v = values[i];
    out[i] = std::isnan(v) ? 0u : table[curve_[curve_index(v, lo_, scale_)]];
  }
}

void map_to_argb(metrics::PlaneView plane, const DisplayMapping& mapping, std::uint32_t* out) {
  ArgbMapper(mapping).map(plane.data, plane.size(), out);
}

RgbMapper::RgbMapper(const std::array<Window, 3>& windows, double gamma)
    : curve_(gamma_curve(gamma)) {
  for (int c = 0; c < 3; ++c) {
    lo_[c] = windows[c].lo;
    scale_[c] = windows[c].hi > windows[c].lo ? 4095.0 / (windows[c].hi - windows[c].lo) : 0.0;
  }
}

void RgbMapper::map(const float* r, const float* g, const float* b, std::size_t n,
                    std::uint32_t* out) const {
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(r[i]) || std::isnan(g[i]) || std::isnan(b[i])) {
      out[i] = 0;
      continue;
    }
    out[i] = 0xff000000u | std::uint32_t{curve_[curve_index(r[i], lo_[0], scale_[0])]} << 16 |
             std::uint32_t{curve_[curve_index(g[i], lo_[1], scale_[1])]} << 8 |
             std::uint32_t{curve_[curve_index(b[i], lo_[2], scale_[2])]};
  }
}

Window dragged_window(Window window, double dx, double dy) {
  double centre = 0.5 * (window.lo + window.hi), width = window.hi - window.lo;
  if (!std::isfinite(centre)) centre = 0.0;
  if (!(width > 0) || !std::isfinite(width)) width = 1.0;
  double scaled = width;
  if (std::isfinite(dx)) scaled *= std::exp2(std::clamp(dx, -4096.0, 4096.0) / kWindowDragDoubling);
  // Far below the centre's own precision the window would collapse.
  scaled = std::clamp(scaled, std::max(1e-30, std::abs(centre) * 1e-12),
                      0.25 * std::numeric_limits<double>::max());
  // The shift goes by the geometric mean of the widths before and after, so
  // the opposite move undoes a move exactly.
  if (std::isfinite(dy) && dy != 0) {
    const double moved = centre + dy / kWindowDragShift * std::sqrt(width) * std::sqrt(scaled);
    if (std::isfinite(moved)) centre = moved;
  }
  width = scaled;
  return {centre - 0.5 * width, centre + 0.5 * width};
}

void map_rgb_to_argb(const std::array<metrics::PlaneView, 3>& planes,
                     const std::array<Window, 3>& windows, double gamma, std::uint32_t* out) {
  const std::size_t n = planes[0].size();
  for (const auto& p : planes)
    if (p.size() != n) throw Error("RGB composite: the bands differ in size");
  RgbMapper(windows, gamma).map(planes[0].data, planes[1].data, planes[2].data, n, out);
}

} // namespace atelier::display
