// Two real tiles' power spectra from one complex FFT (see tile_pair_fft.h).
#include "core/metrics/tile_pair_fft.h"

#include "core/base/error.h"
#include "core/base/float4.h"
#include "core/metrics/fftw_plans.h"

#include <fftw3.h>

#include <string>

namespace atelier::metrics {
namespace {

// A second TilePairFft alive on the same thread, or a side above kKeptSide,
// gets buffers of its own.
thread_local KeptBuffers pair_tile_buffers;
constexpr int kKeptSide = 1024;

} // namespace

TilePairFft::TilePairFft(int n, PlanEffort effort) : n_(n) {
  if (n < 2 || n % 2 != 0)
    throw Error("TilePairFft: tile side must be even, got " + std::to_string(n));
  plan_ = shared_fftw_plan(FftKind::complex_forward, n, n, effort);
  const std::size_t bytes = sizeof(std::complex<float>) * static_cast<std::size_t>(n) * n;
  buffers_.emplace(n <= kKeptSide ? &pair_tile_buffers : nullptr, bytes, bytes, "TilePairFft");
  input_ = static_cast<std::complex<float>*>(buffers_->first());
  output_ = static_cast<std::complex<float>*>(buffers_->second());
}

void TilePairFft::transform() {
  // std::complex<float> and fftwf_complex share their layout (FFTW manual,
  // "Complex numbers").
  fftwf_execute_dft(static_cast<fftwf_plan>(plan_), reinterpret_cast<fftwf_complex*>(input_),
                    reinterpret_cast<fftwf_complex*>(output_));
}

ATELIER_HOT_LOOP
void TilePairFft::add_power(std::vector<float>& power) const {
  const auto n = static_cast<std::size_t>(n_);
  const std::size_t half = n / 2 + 1;
  if (power.size() != n * half) power.assign(n * half, 0.0f);
  const auto* z = reinterpret_cast<const float*>(output_);
  for (std::size_t ky = 0; ky < n; ++ky) {
    const float* row = z + 2 * ky * n;
    const float* mirror = z + 2 * ((n - ky) % n) * n; // the row of -ky
    float* acc = power.data() + ky * half;
    acc[0] +=
        0.5f * (row[0] * row[0] + row[1] * row[1] + mirror[0] * mirror[0] + mirror[1] * mirror[1]);
    for (std::size_t kx = 1; kx < half; ++kx) {
      const float* a = row + 2 * kx;
      const float* b = mirror + 2 * (n - kx);
      acc[kx] += 0.5f * ((a[0] * a[0] + a[1] * a[1]) + (b[0] * b[0] + b[1] * b[1]));
    }
  }
}

} // namespace atelier::metrics
