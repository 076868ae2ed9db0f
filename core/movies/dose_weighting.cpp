// Exposure-dependent frame weights (see dose_weighting.h).
#include "core/movies/dose_weighting.h"

#include "core/base/error.h"
#include "core/metrics/fourier_shift.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace atelier::movies {

double critical_exposure(double k_per_A, double voltage_kV) {
  if (!(k_per_A > 0)) return std::numeric_limits<double>::infinity();
  const double at_300 = 0.245 * std::pow(k_per_A, -1.665) + 2.81;
  // Slower electrons damage more: at 200 kV the critical exposure is 0.8 of
  // the 300 kV one (Grant & Grigorieff's scaling, as unblur applies it);
  // linear in voltage through those two, clamped.
  const double factor = std::clamp(0.8 + (voltage_kV - 200.0) * 0.2 / 100.0, 0.5, 1.2);
  return at_300 * factor;
}

std::string describe(const DoseSchedule& s) {
  char text[96];
  std::snprintf(text, sizeof text, "exposure-weighted: %g e/A2 per frame after %g e/A2, %g kV",
                s.dose_per_frame_e_per_A2, s.pre_exposure_e_per_A2, s.voltage_kV);
  return text;
}

DoseWeighter::DoseWeighter(int width, int height, double pixel_size_A,
                           const DoseSchedule& schedule) {
  if (!(pixel_size_A > 0)) throw Error("dose weighting needs the pixel size");
  if (!(schedule.dose_per_frame_e_per_A2 > 0))
    throw Error("dose weighting needs a positive dose per frame");
  const int half = width / 2 + 1;
  const std::size_t count = static_cast<std::size_t>(height) * static_cast<std::size_t>(half);
  weight_.resize(count);
  step_.resize(count);
  squares_.assign(count, 0.0f);
  const double d = schedule.dose_per_frame_e_per_A2;
  // The first frame's weight is taken at its middle: pre + d / 2.
  const double first = schedule.pre_exposure_e_per_A2 + 0.5 * d;
  for (int y = 0; y < height; ++y) {
    const double fy = metrics::signed_frequency(y, height) / pixel_size_A;
    for (int x = 0; x < half; ++x) {
      const double fx = metrics::signed_frequency(x, width) / pixel_size_A;
      const double ne = critical_exposure(std::hypot(fx, fy), schedule.voltage_kV);
      const std::size_t i = static_cast<std::size_t>(y) * static_cast<std::size_t>(half) +
                            static_cast<std::size_t>(x);
      // The first weight is applied by next_frame's first multiply.
      weight_[i] = static_cast<float>(std::exp(-(first - d) / (2.0 * ne)));
      step_[i] = static_cast<float>(std::exp(-d / (2.0 * ne)));
    }
  }
}

const std::vector<float>& DoseWeighter::next_frame() {
  for (std::size_t i = 0; i < weight_.size(); ++i) {
    weight_[i] *= step_[i];
    squares_[i] += weight_[i] * weight_[i];
  }
  ++frames_;
  return weight_;
}

void DoseWeighter::normalise(std::vector<std::complex<float>>& weighted_sum) const {
  const std::size_t n = std::min(weighted_sum.size(), squares_.size());
  for (std::size_t i = 0; i < n; ++i)
    weighted_sum[i] *=
        squares_[i] > 0 ? std::sqrt(static_cast<float>(frames_) / squares_[i]) : 0.0f;
}

} // namespace atelier::movies
