// FFTW real transforms: tiles (buffers kept per thread) and planes.
#include "core/metrics/real_fft.h"

#include "core/base/error.h"
#include "core/metrics/fftw_plans.h"

#include <fftw3.h>

#include <string>

namespace atelier::metrics {
namespace {

// A second RealFft2d alive on the same thread, or a side above kKeptSide,
// gets buffers of its own.
thread_local KeptBuffers real_tile_buffers;
constexpr int kKeptSide = 1024;

} // namespace

RealFft2d::RealFft2d(int n) : n_(n) {
  if (n < 2 || n % 2 != 0)
    throw Error("RealFft2d: tile side must be even, got " + std::to_string(n));
  plan_ = shared_fftw_plan(FftKind::real_forward, n, n);
  const std::size_t in_bytes = sizeof(float) * static_cast<std::size_t>(n) * n;
  const std::size_t out_bytes = sizeof(std::complex<float>) * static_cast<std::size_t>(n) *
                                static_cast<std::size_t>(n / 2 + 1);
  buffers_.emplace(n <= kKeptSide ? &real_tile_buffers : nullptr, in_bytes, out_bytes, "RealFft2d");
  input_ = static_cast<float*>(buffers_->first());
  output_ = static_cast<std::complex<float>*>(buffers_->second());
}

void RealFft2d::transform() {
  // std::complex<float> and fftwf_complex share their layout (FFTW manual,
  // "Complex numbers").
  fftwf_execute_dft_r2c(static_cast<fftwf_plan>(plan_), input_,
                        reinterpret_cast<fftwf_complex*>(output_));
}

RealFftPlane::RealFftPlane(int width, int height) : width_(width), height_(height) {
  if (width < 2 || width % 2 != 0 || height < 1)
    throw Error("RealFftPlane: width must be even and height positive, got " +
                std::to_string(width) + " x " + std::to_string(height));
  forward_ = shared_fftw_plan(FftKind::real_forward, width, height);
  inverse_ = shared_fftw_plan(FftKind::real_inverse, width, height);
  buffers_.emplace(nullptr, sizeof(float) * static_cast<std::size_t>(width) * height,
                   sizeof(std::complex<float>) * spectrum_size(), "RealFftPlane");
  real_ = static_cast<float*>(buffers_->first());
  spectrum_ = static_cast<std::complex<float>*>(buffers_->second());
}

void RealFftPlane::forward() {
  fftwf_execute_dft_r2c(static_cast<fftwf_plan>(forward_), real_,
                        reinterpret_cast<fftwf_complex*>(spectrum_));
}

void RealFftPlane::inverse() {
  fftwf_execute_dft_c2r(static_cast<fftwf_plan>(inverse_),
                        reinterpret_cast<fftwf_complex*>(spectrum_), real_);
}

} // namespace atelier::metrics
