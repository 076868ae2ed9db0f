// FFTW plans shared per size, buffers per transform object.
#include "core/metrics/real_fft.h"

#include "core/base/error.h"

#include <fftw3.h>

#include <map>
#include <mutex>
#include <string>

namespace atelier::metrics {
namespace {

std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

// One plan per size for the life of the process. Planning with
// FFTW_MEASURE times a few algorithms on scratch arrays (a fraction of a
// second per size, once); executing on other arrays of the same alignment
// is allowed (fftw_execute_dft_r2c), and fftwf_malloc gives that alignment.
fftwf_plan plan_for(int n) {
  std::lock_guard lock(planner_mutex());
  static std::map<int, fftwf_plan> plans;
  if (auto it = plans.find(n); it != plans.end()) return it->second;
  const auto count = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
  float* in = fftwf_alloc_real(count);
  fftwf_complex* out = fftwf_alloc_complex(static_cast<std::size_t>(n) * (n / 2 + 1));
  fftwf_plan plan =
      in && out ? fftwf_plan_dft_r2c_2d(n, n, in, out, FFTW_MEASURE | FFTW_DESTROY_INPUT) : nullptr;
  fftwf_free(in);
  fftwf_free(out);
  if (!plan)
    throw Error("FFTW: cannot plan a " + std::to_string(n) + " x " + std::to_string(n) +
                " real transform");
  plans.emplace(n, plan);
  return plan;
}

} // namespace

RealFft2d::RealFft2d(int n) : n_(n) {
  if (n < 2 || n % 2 != 0)
    throw Error("RealFft2d: tile side must be even, got " + std::to_string(n));
  plan_ = plan_for(n);
  const auto count = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
  input_ = fftwf_alloc_real(count);
  output_ = fftwf_alloc_complex(static_cast<std::size_t>(n) * (n / 2 + 1));
  if (!input_ || !output_) {
    fftwf_free(input_);
    fftwf_free(output_);
    throw Error("RealFft2d: out of memory for a " + std::to_string(n) + " x " + std::to_string(n) +
                " tile");
  }
}

RealFft2d::~RealFft2d() {
  fftwf_free(input_);
  fftwf_free(output_);
}

void RealFft2d::add_power(std::vector<float>& power) {
  const std::size_t half = static_cast<std::size_t>(n_ / 2 + 1);
  const std::size_t count = static_cast<std::size_t>(n_) * half;
  if (power.size() != count) power.assign(count, 0.0f);
  auto* out = static_cast<fftwf_complex*>(output_);
  fftwf_execute_dft_r2c(static_cast<fftwf_plan>(plan_), input_, out);
  float* acc = power.data();
  for (std::size_t i = 0; i < count; ++i)
    acc[i] += out[i][0] * out[i][0] + out[i][1] * out[i][1];
}

} // namespace atelier::metrics
