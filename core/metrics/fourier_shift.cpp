// Phase ramps and shifted accumulation (see fourier_shift.h).
#include "core/metrics/fourier_shift.h"

#include "core/base/float4.h"

#include <cmath>
#include <cstddef>
#include <numbers>

namespace atelier::metrics {

double signed_frequency(int k, int n) {
  return (k <= n / 2 ? k : k - n) / static_cast<double>(n);
}

std::vector<std::complex<float>> shift_back_phases(int count, int n, double s) {
  std::vector<std::complex<float>> p(static_cast<std::size_t>(count));
  for (int k = 0; k < count; ++k) {
    const double a = 2.0 * std::numbers::pi * signed_frequency(k, n) * s;
    const bool nyquist = n % 2 == 0 && k == n / 2;
    p[static_cast<std::size_t>(k)] = {static_cast<float>(std::cos(a)),
                                      nyquist ? 0.0f : static_cast<float>(std::sin(a))};
  }
  return p;
}

// Complex products written out by hand: std::complex's operator* checks
// every product for NaN and does not vectorise.
ATELIER_HOT_LOOP
void add_shifted(std::complex<float>* acc, const std::complex<float>* spectrum, int width,
                 int height, const ShiftPhases& p, const float* weight) {
  const int half = width / 2 + 1;
  for (int y = 0; y < height; ++y) {
    const std::size_t row = static_cast<std::size_t>(y) * static_cast<std::size_t>(half);
    const auto* f = reinterpret_cast<const float*>(spectrum + row);
    auto* a = reinterpret_cast<float*>(acc + row);
    const float* w = weight ? weight + row : nullptr;
    const float yr = p.y[static_cast<std::size_t>(y)].real(),
                yi = p.y[static_cast<std::size_t>(y)].imag();
    for (int x = 0; x < half; ++x) {
      const float xr = p.x[static_cast<std::size_t>(x)].real(),
                  xi = p.x[static_cast<std::size_t>(x)].imag();
      float pr = xr * yr - xi * yi, pi = xr * yi + xi * yr;
      if (w) pr *= w[x], pi *= w[x];
      const float fr = f[2 * x], fi = f[2 * x + 1];
      a[2 * x] += fr * pr - fi * pi;
      a[2 * x + 1] += fr * pi + fi * pr;
    }
  }
}

} // namespace atelier::metrics
