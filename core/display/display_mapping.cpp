// Windowing, gamma and colormaps for display (see display_mapping.h).
#include "core/display/display_mapping.h"

#include "core/base/error.h"

#include <algorithm>
#include <cmath>

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

void map_to_argb(metrics::PlaneView plane, const DisplayMapping& mapping, std::uint32_t* out) {
  const auto& table = colormap_table(mapping.colormap);
  const auto curve = gamma_curve(mapping.gamma);
  const double scale = mapping.hi > mapping.lo ? 4095.0 / (mapping.hi - mapping.lo) : 0.0;
  const std::size_t n = plane.size();
  for (std::size_t i = 0; i < n; ++i) {
    const float v = plane.data[i];
    out[i] = std::isnan(v) ? 0u : table[curve[curve_index(v, mapping.lo, scale)]];
  }
}

void map_rgb_to_argb(const std::array<metrics::PlaneView, 3>& planes,
                     const std::array<Window, 3>& windows, double gamma, std::uint32_t* out) {
  const std::size_t n = planes[0].size();
  for (const auto& p : planes)
    if (p.size() != n) throw Error("RGB composite: the bands differ in size");
  const auto curve = gamma_curve(gamma);
  double scale[3];
  for (int c = 0; c < 3; ++c)
    scale[c] = windows[c].hi > windows[c].lo ? 4095.0 / (windows[c].hi - windows[c].lo) : 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const float r = planes[0].data[i], g = planes[1].data[i], b = planes[2].data[i];
    if (std::isnan(r) || std::isnan(g) || std::isnan(b)) {
      out[i] = 0;
      continue;
    }
    out[i] = 0xff000000u | std::uint32_t{curve[curve_index(r, windows[0].lo, scale[0])]} << 16 |
             std::uint32_t{curve[curve_index(g, windows[1].lo, scale[1])]} << 8 |
             std::uint32_t{curve[curve_index(b, windows[2].lo, scale[2])]};
  }
}

} // namespace atelier::display
