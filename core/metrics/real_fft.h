// RealFft2d: FFTW's single precision r2c transform of square real tiles.
// Plans are shared per size (see fftw_plans.h); buffers are per thread (kept
// between transforms of one size), so threads transform at once. Destroy a
// RealFft2d on the thread that made it.
#pragma once

#include "core/metrics/fftw_plans.h"

#include <complex>
#include <cstddef>
#include <optional>

namespace atelier::metrics {

class RealFft2d {
public:
  // n: tile side, even and at least 2. Throws Error when FFTW cannot plan.
  explicit RealFft2d(int n);
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

private:
  int n_;
  float* input_ = nullptr;
  std::complex<float>* output_ = nullptr; // n * (n / 2 + 1), as fftwf_complex
  void* plan_ = nullptr;                  // shared, never destroyed
  std::optional<FftBuffers> buffers_;     // input_ and output_
};

// RealFftPlane: both directions of the real 2D transform of one width x
// height plane (any size, width even), for correlation maps and Fourier
// shifts. Plans are shared as RealFft2d's are; buffers are its own.
class RealFftPlane {
public:
  // Throws Error for an odd width, a height under 1, or when FFTW cannot plan.
  RealFftPlane(int width, int height);
  RealFftPlane(const RealFftPlane&) = delete;
  RealFftPlane& operator=(const RealFftPlane&) = delete;

  int width() const { return width_; }
  int height() const { return height_; }
  // height rows of width real values.
  float* real() { return real_; }
  // height rows of width / 2 + 1 coefficients (kx = 0 .. width / 2).
  std::complex<float>* spectrum() { return spectrum_; }
  std::size_t spectrum_size() const {
    return static_cast<std::size_t>(height_) * static_cast<std::size_t>(width_ / 2 + 1);
  }
  // real() -> spectrum(), unnormalised; real() may be overwritten.
  void forward();
  // spectrum() -> real(), unnormalised (width x height times the inverse
  // DFT); spectrum() is overwritten.
  void inverse();

private:
  int width_, height_;
  float* real_ = nullptr;
  std::complex<float>* spectrum_ = nullptr; // as fftwf_complex
  void* forward_ = nullptr;                 // shared plans, never destroyed
  void* inverse_ = nullptr;
  std::optional<FftBuffers> buffers_; // real_ and spectrum_
};

} // namespace atelier::metrics
