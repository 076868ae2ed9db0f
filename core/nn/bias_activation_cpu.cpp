// Bias + activation for the CPU backend (see bias_activation_cpu.h).
#include "core/nn/bias_activation_cpu.h"

#include "core/base/float4.h"
#include "core/nn/cpu_pool.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace atelier::nn {
namespace {

// Below this many elements a single thread is faster.
constexpr std::size_t kMinParallelElements = std::size_t{1} << 15;

// Four double lanes; only ever a local (no function takes or returns one,
// whose ABI would differ between the baseline and the AVX clone).
using double4 = double __attribute__((vector_size(32)));

// z > 0 ? z : neg * z (identity: neg = 1, leaky ReLU: its slope), or
// z > 0 ? z : +0 for ReLU (zero_below: as the reference, +0 also for
// negative and -inf z, where neg * z would give -0 or NaN; NaN stays NaN),
// in double as the reference computes it, four lanes at a time.
ATELIER_HOT_LOOP
void forward_plane(const float* x, float* y, std::size_t n, double b, double neg, bool zero_below) {
  const double4 vb = double4{} + b, vneg = double4{} + neg, zero = {};
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const double4 z = double4{x[i], x[i + 1], x[i + 2], x[i + 3]} + vb;
    const double4 v = z > 0.0 || z != z ? z : (zero_below ? zero : vneg * z);
    for (int j = 0; j < 4; ++j)
      y[i + j] = static_cast<float>(v[j]);
  }
  for (; i < n; ++i) {
    const double z = double(x[i]) + b;
    y[i] = static_cast<float>(z > 0.0 || z != z ? z : (zero_below ? 0.0 : neg * z));
  }
}

// dx = dy * (z > 0 ? 1 : neg), z = x + b; returns the sum of dx in double,
// kept in four lanes (a fixed order, so the same sum every run).
ATELIER_HOT_LOOP
double backward_plane(const float* x, const float* dy, float* dx, std::size_t n, double b,
                      double neg) {
  const double4 vb = double4{} + b, one = double4{} + 1.0, vneg = double4{} + neg;
  double4 acc = {};
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const double4 z = double4{x[i], x[i + 1], x[i + 2], x[i + 3]} + vb;
    const double4 g = double4{dy[i], dy[i + 1], dy[i + 2], dy[i + 3]} * (z > 0.0 ? one : vneg);
    for (int j = 0; j < 4; ++j)
      dx[i + j] = static_cast<float>(g[j]);
    acc += g;
  }
  double sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  for (; i < n; ++i) {
    const double g = double(dy[i]) * (double(x[i]) + b > 0.0 ? 1.0 : neg);
    dx[i] = static_cast<float>(g);
    sum += g;
  }
  return sum;
}

// The slope for z <= 0, or false for activations without one (GELU).
bool negative_slope(Activation act, float slope, double& neg) {
  switch (act) {
  case Activation::identity: neg = 1.0; return true;
  case Activation::relu: neg = 0.0; return true;
  case Activation::leaky_relu: neg = double(slope); return true;
  case Activation::gelu_tanh: return false;
  }
  return false;
}

// Runs plane(p) for the n * c planes over the pool.
template <typename F>
void for_planes(const Nchw& s, const F& plane) {
  const std::int64_t planes = std::int64_t{s.n} * s.c;
  const int parts =
      s.count() < kMinParallelElements ? 1 : int(std::min<std::int64_t>(planes, cpu_pool_size()));
  auto part = [&](int p) {
    const std::int64_t p0 = planes * p / parts, p1 = planes * (p + 1) / parts;
    for (std::int64_t i = p0; i < p1; ++i)
      plane(i);
  };
  cpu_parallel_parts(parts, part);
}

} // namespace

void bias_activation_forward_cpu(const Nchw& s, std::span<const float> x,
                                 std::span<const float> bias, std::span<float> y, Activation act,
                                 float slope) {
  double neg = 0.0;
  if (!negative_slope(act, slope, neg))
    return bias_activation_forward(s, Layout::nchw, x, bias, y, act, slope);
  detail::check_bias_activation_forward(s, x.size(), bias.size(), y.size());
  const std::size_t hw = std::size_t(s.h) * std::size_t(s.w);
  for_planes(s, [&](std::int64_t p) {
    const double b = bias.empty() ? 0.0 : double(bias[std::size_t(p % s.c)]);
    forward_plane(x.data() + std::size_t(p) * hw, y.data() + std::size_t(p) * hw, hw, b, neg,
                  act == Activation::relu);
  });
}

void bias_activation_backward_cpu(const Nchw& s, std::span<const float> x,
                                  std::span<const float> bias, std::span<const float> dy,
                                  std::span<float> dx, std::span<float> db, Activation act,
                                  float slope) {
  double neg = 0.0;
  if (!negative_slope(act, slope, neg))
    return bias_activation_backward(s, Layout::nchw, x, bias, dy, dx, db, act, slope);
  detail::check_bias_activation_backward(s, x.size(), bias.size(), dy.size(), dx.size(), db.size());
  const std::size_t hw = std::size_t(s.h) * std::size_t(s.w);
  // Per-plane sums, kept between calls (the engine allocates nothing per
  // step once the largest layer has been seen).
  // The pool's threads write through this pointer (a thread_local named
  // inside the lambda would be each thread's own).
  thread_local std::vector<double> kept;
  kept.resize(std::size_t(s.n) * std::size_t(s.c));
  double* const sums = kept.data();
  for_planes(s, [&](std::int64_t p) {
    const double b = bias.empty() ? 0.0 : double(bias[std::size_t(p % s.c)]);
    const std::size_t at = std::size_t(p) * hw;
    sums[p] = backward_plane(x.data() + at, dy.data() + at, dx.data() + at, hw, b, neg);
  });
  for (int c = 0; c < int(db.size()); ++c) {
    double total = 0.0;
    for (int n = 0; n < s.n; ++n)
      total += sums[std::size_t(n) * std::size_t(s.c) + std::size_t(c)];
    db[std::size_t(c)] = static_cast<float>(total);
  }
}

} // namespace atelier::nn
