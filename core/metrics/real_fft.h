// RealFft2d: the power |F|^2 of square real tiles through FFTW's single
// precision r2c transform. Plans are made once per size per process
// (FFTW_MEASURE, under a lock: FFTW's planner is not thread-safe; its
// wisdom is cached in ~/.cache/atelier/fftw3f.wisdom, or ATELIER_FFTW_WISDOM)
// and shared; buffers are per thread (kept between transforms of one size),
// so threads transform at once. Destroy a RealFft2d on the thread that made it.
#pragma once

#include <complex>
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
  // Transforms input() (which FFTW may overwrite) into output(): n rows of
  // n / 2 + 1 coefficients, kx = 0 .. n / 2 (the other half mirrors this one
  // for real input), unnormalised (F(0, 0) is the sum of the input).
  void transform();
  std::complex<float>* output() { return output_; }
  // Adds |output()|^2 to power (resized and zeroed on first use).
  void add_power(std::vector<float>& power) const;

private:
  int n_;
  float* input_ = nullptr;
  std::complex<float>* output_ = nullptr; // n * (n / 2 + 1), as fftwf_complex
  void* plan_ = nullptr;                  // shared, never destroyed
  bool leased_ = false;                   // input_ and output_ are the thread's kept buffers
};

// RealIfft2d: the inverse of RealFft2d's transform (FFTW's c2r), for
// correlation maps. Plans are shared the same way; buffers are its own.
class RealIfft2d {
public:
  // n: tile side, even and at least 2. Throws Error when FFTW cannot plan.
  explicit RealIfft2d(int n);
  ~RealIfft2d();
  RealIfft2d(const RealIfft2d&) = delete;
  RealIfft2d& operator=(const RealIfft2d&) = delete;

  int n() const { return n_; }
  // n rows of n / 2 + 1 coefficients (RealFft2d::output()'s layout) to fill
  // before transform(), which overwrites them.
  std::complex<float>* input() { return input_; }
  // output() = the n x n real tile, unnormalised: n^2 times the inverse DFT.
  void transform();
  const float* output() const { return output_; }

private:
  int n_;
  std::complex<float>* input_ = nullptr; // as fftwf_complex
  float* output_ = nullptr;
  void* plan_ = nullptr; // shared, never destroyed
};

} // namespace atelier::metrics
