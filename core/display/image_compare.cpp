// Difference images for the compare view.
#include "core/display/image_compare.h"

#include "core/base/error.h"

#include <cmath>

namespace atelier::display {

metrics::FloatPlane difference(metrics::PlaneView a, metrics::PlaneView b) {
  if (a.width != b.width || a.height != b.height)
    throw Error("cannot compare a " + std::to_string(a.width) + "x" + std::to_string(a.height) +
                " image with a " + std::to_string(b.width) + "x" + std::to_string(b.height) +
                " one");
  metrics::FloatPlane d;
  d.width = a.width;
  d.height = a.height;
  d.data.resize(a.size());
  for (std::size_t i = 0; i < d.data.size(); ++i)
    d.data[i] = a.data[i] - b.data[i];
  return d;
}

DisplayMapping difference_mapping(metrics::PlaneView d, double percentile) {
  std::vector<float> magnitudes;
  magnitudes.reserve(d.size());
  for (std::size_t i = 0; i < d.size(); ++i)
    if (std::isfinite(d.data[i])) magnitudes.push_back(std::abs(d.data[i]));
  double m = 0;
  if (!magnitudes.empty()) m = metrics::sampled_percentiles(magnitudes, {percentile}).front();
  if (!(m > 0)) m = 1;
  DisplayMapping mapping;
  mapping.lo = -m;
  mapping.hi = m;
  mapping.colormap = Colormap::diverging;
  return mapping;
}

} // namespace atelier::display
