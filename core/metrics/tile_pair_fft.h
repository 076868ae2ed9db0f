// TilePairFft: the summed power spectra of two real n x n tiles from one
// complex transform. With tile a in the real parts and tile b in the
// imaginary parts of z, and Z = DFT(z): A(k) = (Z(k) + conj Z(-k)) / 2 and
// B(k) = (Z(k) - conj Z(-k)) / 2i, so |A(k)|^2 + |B(k)|^2 = (|Z(k)|^2 +
// |Z(-k)|^2) / 2. The complex transform runs FFTW's AVX codelets, where the
// real one's half-spectrum step has only SSE2 ones: with a patient plan a
// pair costs about 25% less than two real transforms.
// The plan is shared (see fftw_plans.h); the buffers are the thread's.
// Destroy a TilePairFft on the thread that made it.
#pragma once

#include "core/metrics/fftw_plans.h"

#include <complex>
#include <optional>
#include <vector>

namespace atelier::metrics {

class TilePairFft {
public:
  // n: tile side, even and at least 2. Throws Error when FFTW cannot plan.
  explicit TilePairFft(int n, PlanEffort effort = PlanEffort::patient);
  TilePairFft(const TilePairFft&) = delete;
  TilePairFft& operator=(const TilePairFft&) = delete;

  int n() const { return n_; }
  // n x n row-major: tile a's values as real parts, tile b's as imaginary
  // parts (0 when there is no second tile). transform() may overwrite it.
  std::complex<float>* input() { return input_; }
  void transform();
  // n x n unnormalised coefficients of input(), row-major by ky then kx.
  std::complex<float>* output() { return output_; }
  // Adds |A(k)|^2 + |B(k)|^2 to power, as n rows of n / 2 + 1 (kx = 0 ..
  // n / 2; the other half mirrors it for real tiles). Resized and zeroed on
  // first use.
  void add_power(std::vector<float>& power) const;

private:
  int n_;
  std::complex<float>* input_ = nullptr;
  std::complex<float>* output_ = nullptr;
  void* plan_ = nullptr; // shared, never destroyed
  std::optional<FftBuffers> buffers_;
};

} // namespace atelier::metrics
