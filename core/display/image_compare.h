// Comparing two images of the same size (raw vs denoised, odd vs even): the
// difference A - B and the symmetric diverging mapping that shows it, with
// 0 in the middle of the colormap.
#pragma once

#include "core/display/display_mapping.h"
#include "core/metrics/plane.h"

namespace atelier::display {

// A - B per pixel; Error when the sizes differ. NaN where either is NaN.
metrics::FloatPlane difference(metrics::PlaneView a, metrics::PlaneView b);

// Diverging colormap from -m to +m, m the given percentile (default 99.5)
// of |d| over the finite values (1 when all are 0).
DisplayMapping difference_mapping(metrics::PlaneView d, double percentile = 99.5);

} // namespace atelier::display
