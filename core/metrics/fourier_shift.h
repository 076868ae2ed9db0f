// Sub-pixel shifts of real 2D transforms (RealFft2d / RealFftPlane half
// spectra: height rows of width / 2 + 1 coefficients) by phase ramps, as
// movie drift measurement and correction use them.
#pragma once

#include <array>
#include <complex>
#include <vector>

namespace atelier::metrics {

// Signed frequency of index k of an n-point transform, in cycles per sample.
double signed_frequency(int k, int n);

// exp(+2 pi i f s) for k = 0 .. count - 1 (f = signed_frequency(k, n)):
// multiplying a transform by them moves its image by -s samples. At the
// Nyquist frequency the shift's sine has no real-valued counterpart; its
// cosine is kept, so a real image stays real.
std::vector<std::complex<float>> shift_back_phases(int count, int n, double s);

// The separable factors that move a width x height half spectrum by
// -shift (x, y).
struct ShiftPhases {
  std::vector<std::complex<float>> x, y; // width / 2 + 1 and height of them
  ShiftPhases(int width, int height, std::array<double, 2> shift)
      : x(shift_back_phases(width / 2 + 1, width, shift[0])),
        y(shift_back_phases(height, height, shift[1])) {}
};

// acc += spectrum moved by p (both width x height half spectra), each
// coefficient times weight[i] when weight is given (one per coefficient).
void add_shifted(std::complex<float>* acc, const std::complex<float>* spectrum, int width,
                 int height, const ShiftPhases& p, const float* weight = nullptr);

} // namespace atelier::metrics
