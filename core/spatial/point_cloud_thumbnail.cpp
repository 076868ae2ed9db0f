// Point-cloud thumbnails by z-buffered orthographic splatting (see
// point_cloud_thumbnail.h).
#include "core/spatial/point_cloud_thumbnail.h"

#include "core/display/display_mapping.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace atelier {

namespace {

// The finite points' bounding box.
struct Box {
  std::array<double, 3> lo{}, hi{};
  bool any = false;
};

Box bounds(const PointCloud& cloud, std::size_t stride) {
  Box b;
  b.lo.fill(std::numeric_limits<double>::infinity());
  b.hi.fill(-std::numeric_limits<double>::infinity());
  for (std::size_t i = 0; i < cloud.size(); i += stride) {
    const auto& p = cloud.xyz[i];
    if (!std::isfinite(p[0]) || !std::isfinite(p[1]) || !std::isfinite(p[2])) continue;
    for (int a = 0; a < 3; ++a) {
      b.lo[a] = std::min(b.lo[a], p[a]);
      b.hi[a] = std::max(b.hi[a], p[a]);
    }
    b.any = true;
  }
  return b;
}

} // namespace

Image point_cloud_thumbnail(const PointCloud& cloud, int long_side, std::size_t max_points) {
  const std::size_t stride =
      std::max<std::size_t>(1, (cloud.size() + std::max<std::size_t>(1, max_points) - 1) /
                                   std::max<std::size_t>(1, max_points));
  const Box box = bounds(cloud, stride);
  if (!box.any) return {};
  // View along the thinnest extent; the image's x and y are the other two
  // (the longer across), y pointing up.
  std::array<int, 3> axes{0, 1, 2};
  std::sort(axes.begin(), axes.end(),
            [&](int a, int b) { return box.hi[a] - box.lo[a] > box.hi[b] - box.lo[b]; });
  const int ax = axes[0], ay = axes[1], az = axes[2];
  const double ex = box.hi[ax] - box.lo[ax], ey = box.hi[ay] - box.lo[ay];
  const double ez = std::max(box.hi[az] - box.lo[az], 1e-300);
  long_side = std::max(16, long_side);
  int w = long_side, h = long_side;
  if (ex > 0 && ey < ex) h = std::max(16, static_cast<int>(std::lround(long_side * ey / ex)));
  const double scale = ex > 0 ? (w - 1) / ex : 0.0;
  const double scale_y = ey > 0 ? (h - 1) / ey : 0.0;
  const double s = std::min(scale > 0 ? scale : scale_y, scale_y > 0 ? scale_y : scale);

  const auto pixels = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
  std::vector<float> depth(pixels, -std::numeric_limits<float>::infinity());
  std::vector<std::uint32_t> colour(pixels, 0);
  const auto& table = display::colormap_table(display::Colormap::viridis);
  const bool rgb = cloud.has_rgb();
  // Each point covers a square of side 2r + 1, r from the pixels per
  // point (at most 3): a sparse cloud still makes a shape, not a dust.
  std::size_t finite = 0;
  for (std::size_t i = 0; i < cloud.size(); i += stride) {
    const auto& p = cloud.xyz[i];
    finite += std::isfinite(p[0]) && std::isfinite(p[1]) && std::isfinite(p[2]);
  }
  const int r = std::clamp(
      static_cast<int>(std::lround(0.5 * std::sqrt(double(pixels) / double(finite)))), 0, 3);
  for (std::size_t i = 0; i < cloud.size(); i += stride) {
    const auto& p = cloud.xyz[i];
    if (!std::isfinite(p[0]) || !std::isfinite(p[1]) || !std::isfinite(p[2])) continue;
    const auto x = static_cast<int>(std::lround((p[ax] - box.lo[ax]) * s));
    const auto y = h - 1 - static_cast<int>(std::lround((p[ay] - box.lo[ay]) * s));
    if (x < 0 || x >= w || y < 0 || y >= h) continue;
    const auto t = static_cast<float>((p[az] - box.lo[az]) / ez); // 1: nearest the viewer
    std::uint32_t c = 0;
    if (rgb) {
      const auto& v = cloud.rgb[i];
      c = (std::uint32_t{v[0]} << 16) | (std::uint32_t{v[1]} << 8) | v[2];
    } else {
      c = table[static_cast<std::size_t>(std::clamp(t, 0.0f, 1.0f) * 255.0f)];
    }
    for (int yy = std::max(0, y - r); yy <= std::min(h - 1, y + r); ++yy)
      for (int xx = std::max(0, x - r); xx <= std::min(w - 1, x + r); ++xx) {
        const std::size_t k = static_cast<std::size_t>(yy) * static_cast<std::size_t>(w) +
                              static_cast<std::size_t>(xx);
        if (t > depth[k]) {
          depth[k] = t;
          colour[k] = c;
        }
      }
  }
  Image out(w, h, 3, DType::u8);
  std::uint8_t* dst = out.bytes();
  for (std::size_t k = 0; k < pixels; ++k) {
    // Depth shading: far points darker (60% .. 100%).
    const float shade = std::isfinite(depth[k]) ? 0.6f + 0.4f * depth[k] : 0.0f;
    for (int c = 0; c < 3; ++c) {
      const auto v = static_cast<float>((colour[k] >> (16 - 8 * c)) & 0xff);
      dst[3 * k + static_cast<std::size_t>(c)] =
          static_cast<std::uint8_t>(std::clamp(v * shade + 0.5f, 0.0f, 255.0f));
    }
  }
  return out;
}

} // namespace atelier
