// A small in-place 2D complex FFT for square power-of-two grids, on split
// real / imaginary float planes (row-major, n x n). The simulator's only FFT:
// core builds on machines without FFTW. Columns are transformed a strip of
// columns at a time so every butterfly runs over contiguous, cache-resident
// rows (and vectorises); rows are gathered a strip at a time into the same
// column layout.
#pragma once

#include <cstddef>
#include <vector>

namespace atelier::simulate {

class Fft2d {
public:
  // n must be a power of two, 1 <= n <= 2^14; throws Error otherwise.
  explicit Fft2d(int n);
  int size() const { return n_; }
  // X(k) = sum_x x(x) exp(-2 pi i k.x / n), unnormalised.
  void forward(float* re, float* im) const { transform(re, im, false); }
  // The inverse, including the 1 / n^2 factor.
  void inverse(float* re, float* im) const;
  // Signed frequency index of bin k: k for k < n/2, k - n above (n/2 is Nyquist).
  int frequency(int k) const { return k < n_ / 2 ? k : k - n_; }

private:
  void transform(float* re, float* im, bool inverse) const;
  // One 1D pass over all columns (rows = false) or all rows.
  void pass(float* re, float* im, bool inverse, bool rows) const;
  template <int W>
  void butterflies(float* bre, float* bim, std::size_t n, std::size_t w, float sign) const;

  int n_ = 1;
  std::vector<float> cos_, sin_; // cos / sin (2 pi j / n), j < n / 2
  std::vector<int> bitrev_;
};

} // namespace atelier::simulate
