// Nice scale-bar lengths (see scale_bar.h).
#include "core/display/scale_bar.h"

#include <cmath>
#include <initializer_list>

namespace atelier::display {

double nice_length_at_least(double target) {
  if (!(target > 0) || !std::isfinite(target)) return 0.0;
  const double p = std::pow(10.0, std::floor(std::log10(target)));
  for (const double m : {1.0, 2.0, 5.0})
    if (m * p >= target) return m * p;
  return 10.0 * p;
}

double nice_length_at_most(double limit) {
  if (!(limit > 0) || !std::isfinite(limit)) return 0.0;
  const double p = std::pow(10.0, std::floor(std::log10(limit)));
  for (const double m : {5.0, 2.0, 1.0})
    if (m * p <= limit) return m * p;
  return p; // rounding put p just above limit
}

} // namespace atelier::display
