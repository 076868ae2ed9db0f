// Display mapping: how float or 16-bit data becomes screen colours, applied
// at draw time so the viewer always holds the original values. A linear
// window lo..hi (from robust percentiles by default), a gamma, and a
// colormap (gray, inverted gray, viridis, magma).
#pragma once

#include "core/metrics/plane.h"

#include <array>
#include <cstdint>
#include <string>

namespace atelier::display {

enum class Colormap { gray, inverted, viridis, magma, diverging };
// "gray", "inverted", "viridis", "magma", "diverging" (blue-white-red, for
// signed differences); Error otherwise.
Colormap parse_colormap(const std::string& name);

struct DisplayMapping {
  double lo = 0.0, hi = 1.0; // values at the ends of the colormap
  double gamma = 1.0;        // t^(1/gamma) after windowing
  Colormap colormap = Colormap::gray;
};

// lo/hi at the given percentiles of the finite values (sampled above
// kPercentileSamples values); a constant plane gets lo = hi - 1.
DisplayMapping auto_contrast(metrics::PlaneView plane, double low_percentile = 0.5,
                             double high_percentile = 99.5);

// The 256-entry colour table of a colormap as 0xAARRGGBB (opaque).
// viridis and magma are interpolated from nine of matplotlib's anchors:
// within a couple of levels of the originals, perceptually the same ramp.
const std::array<std::uint32_t, 256>& colormap_table(Colormap colormap);

// Maps every value to 0xAARRGGBB into out (plane.size() entries). NaN is
// transparent (0), +Inf the top colour, -Inf the bottom one.
void map_to_argb(metrics::PlaneView plane, const DisplayMapping& mapping, std::uint32_t* out);

// The same with the gamma curve and colour table prepared once, for callers
// that map many short runs (tiles of a large image, row by row).
class ArgbMapper {
public:
  explicit ArgbMapper(const DisplayMapping& mapping);
  void map(const float* values, std::size_t n, std::uint32_t* out) const;

private:
  const std::array<std::uint32_t, 256>* table_;
  std::array<std::uint8_t, 4096> curve_;
  double lo_, scale_;
};

// A window lo..hi of one band of a colour composite.
struct Window {
  double lo = 0.0, hi = 1.0;
};
// Window/level by mouse, as radiology viewers do it: a drag of dx pixels to
// the right widens the window (twice as wide per kWindowDragDoubling
// pixels, so it never turns empty or negative), dy pixels down raises its
// centre (the image darkens) by a whole width per kWindowDragShift pixels.
// A move is undone by the opposite move, up to rounding. A non-finite or
// empty window is taken as one unit wide.
inline constexpr double kWindowDragDoubling = 150.0;
inline constexpr double kWindowDragShift = 200.0;
Window dragged_window(Window window, double dx, double dy);
// Three bands as red, green and blue, each stretched through its own window,
// all through one gamma, into opaque 0xAARRGGBB; a pixel NaN in any band
// (nodata) is transparent (0). Throws Error when the bands differ in size.
void map_rgb_to_argb(const std::array<metrics::PlaneView, 3>& planes,
                     const std::array<Window, 3>& windows, double gamma, std::uint32_t* out);
// The same prepared once, for many short runs.
class RgbMapper {
public:
  RgbMapper(const std::array<Window, 3>& windows, double gamma);
  void map(const float* r, const float* g, const float* b, std::size_t n, std::uint32_t* out) const;

private:
  std::array<std::uint8_t, 4096> curve_;
  double lo_[3], scale_[3];
};

} // namespace atelier::display
