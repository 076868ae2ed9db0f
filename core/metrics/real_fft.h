// RealFft2d: the power |F|^2 of square real tiles through FFTW's single
// precision r2c transform. Plans are made once per size per process
// (FFTW_MEASURE, under a lock: FFTW's planner is not thread-safe) and shared;
// each RealFft2d owns its own aligned buffers, so threads transform at once.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace atelier::metrics {

class RealFft2d {
public:
  // n: tile side, even and at least 2. Throws Error when FFTW cannot plan.
  explicit RealFft2d(int n);
  ~RealFft2d();
  RealFft2d(const RealFft2d&) = delete;
  RealFft2d& operator=(const RealFft2d&) = delete;

  int n() const { return n_; }
  // The n x n row-major input tile to fill before add_power.
  float* input() { return input_; }
  // Transforms input() (which FFTW may overwrite) and adds |F(ky, kx)|^2 to
  // power, laid out n x (n / 2 + 1) (kx = 0 .. n / 2: the other half is the
  // mirror image of this one for real input).
  void add_power(std::vector<float>& power);

private:
  int n_;
  float* input_ = nullptr;
  void* output_ = nullptr; // fftwf_complex[n * (n / 2 + 1)]
  void* plan_ = nullptr;   // shared, never destroyed
};

} // namespace atelier::metrics
