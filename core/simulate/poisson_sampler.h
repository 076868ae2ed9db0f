// Poisson sampling from a splitmix64 stream: inversion below mean 12,
// Hormann's PTRS transformed rejection above, and a table sampler for the
// millions of similar means of a movie frame. Uses no std:: distribution, so results are the
// same on every platform, and no lgamma (it writes the global signgam).
#pragma once

#include "core/recipes/denoise/counter_rng.h"

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace atelier::simulate {

// log(k!) : exact table below 16, Stirling series above.
inline double log_factorial(double k) {
  static constexpr double table[16] = {0.0,
                                       0.0,
                                       0.69314718055994531,
                                       1.79175946922805500,
                                       3.17805383034794562,
                                       4.78749174278204599,
                                       6.57925121201010100,
                                       8.52516136106541430,
                                       10.60460290274525023,
                                       12.80182748008146961,
                                       15.10441257307551530,
                                       17.50230784587388584,
                                       19.98721449566188615,
                                       22.55216385312342289,
                                       25.19122118273868150,
                                       27.89927138384089157};
  if (k < 16.0) return table[static_cast<int>(k)];
  const double x = k + 1.0, inv = 1.0 / x, inv2 = inv * inv;
  return (x - 0.5) * std::log(x) - x + 0.91893853320467274 +
         inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 / 1260.0));
}

// exp(x) for -700 < x <= 0 without a libm call (the sampler's hot path):
// x = (64 m + j) ln2 / 64 + r with |r| <= ln2 / 128, so
// e^x = 2^m 2^(j/64) e^r with e^r from five Taylor terms (relative error
// about 1e-15) and 2^m put into the exponent bits.
inline double exp_nonpositive(double x) {
  static const std::array<double, 64> pow2_frac = [] {
    std::array<double, 64> t{};
    for (int j = 0; j < 64; ++j)
      t[static_cast<std::size_t>(j)] = std::exp2(j / 64.0);
    return t;
  }();
  constexpr double k = 64.0 * 1.4426950408889634; // 64 / ln2
  constexpr double step_hi = 0.6931471803691238 / 64.0, step_lo = 1.9082149292705877e-10 / 64.0;
  const int n = static_cast<int>(x * k - 0.5); // x <= 0: rounds to nearest
  const double r = (x - n * step_hi) - n * step_lo;
  const double p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r / 120.0))));
  const int j = n & 63, m = (n - j) / 64; // floor division for negative n
  const std::uint64_t bits = static_cast<std::uint64_t>(m + 1023) << 52;
  double scale = 0.0;
  static_assert(sizeof scale == sizeof bits);
  __builtin_memcpy(&scale, &bits, sizeof scale);
  return p * pow2_frac[static_cast<std::size_t>(j)] * scale;
}

inline std::uint32_t poisson_sample(denoise::SplitMix64& rng, double lambda) {
  if (!(lambda > 0.0)) return 0;
  if (lambda < 12.0) {
    const double u = rng.uniform();
    // 1 / k; the walk stops at 64, where the tail below mean 12 is < 1e-20.
    static constexpr auto inv = [] {
      std::array<double, 65> t{};
      for (int k = 1; k <= 64; ++k)
        t[k] = 1.0 / k;
      return t;
    }();
    double p = exp_nonpositive(-lambda), cdf = p;
    std::uint32_t k = 0;
    while (u > cdf && k < 64) {
      ++k;
      p *= lambda * inv[k];
      cdf += p;
    }
    return k;
  }
  const double slam = std::sqrt(lambda), loglam = std::log(lambda);
  const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double u = rng.uniform() - 0.5, v = rng.uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<std::uint32_t>(k);
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <=
        -lambda + k * loglam - log_factorial(k))
      return static_cast<std::uint32_t>(k);
  }
}

// Fast Poisson sampling for many means up to max_mean (a frame's pixels):
// CDF tables with 256-bucket guide tables at the means j * step, j <= 512.
// A mean between two levels picks the upper level with probability equal to
// its fractional position, so the sample's mean is exactly lambda and its
// variance lambda + at most step^2 / 4. Means above the table (or all means
// when max_mean is above 64) go to poisson_sample.
class PoissonTable {
public:
  explicit PoissonTable(double max_mean) {
    if (!(max_mean > 0.0) || max_mean > 64.0) return;
    step_ = max_mean / kLevels;
    inv_step_ = 1.0 / step_;
    offset_.resize(kLevels + 2);
    guide_.resize((kLevels + 1) * kBuckets);
    for (int j = 0; j <= kLevels; ++j) {
      const double lam = j * step_;
      const std::size_t start = cdf_.size();
      offset_[static_cast<std::size_t>(j)] = start;
      double p = std::exp(-lam), c = p;
      for (int k = 0;; ++k) {
        if (1.0 - c < 1e-16 || k >= 400) {
          cdf_.push_back(2.0); // sentinel: every u < 1 stops here
          break;
        }
        cdf_.push_back(c);
        p *= lam / (k + 1);
        c += p;
      }
      std::size_t k = 0;
      for (int g = 0; g < kBuckets; ++g) {
        const double lo = static_cast<double>(g) / kBuckets;
        while (cdf_[start + k] < lo)
          ++k;
        guide_[static_cast<std::size_t>(j) * kBuckets + static_cast<std::size_t>(g)] =
            static_cast<std::uint16_t>(k);
      }
    }
    offset_[kLevels + 1] = cdf_.size();
  }

  std::uint32_t sample(denoise::SplitMix64& rng, double lambda) const {
    if (!(lambda > 0.0)) return 0;
    const double t = lambda * inv_step_;
    if (step_ == 0.0 || !(t < kLevels)) return poisson_sample(rng, lambda);
    auto j = static_cast<std::size_t>(t);
    if (rng.uniform() < t - static_cast<double>(j)) ++j;
    const double u = rng.uniform();
    const double* cdf = cdf_.data() + offset_[j];
    std::uint32_t k = guide_[j * kBuckets + static_cast<std::size_t>(u * kBuckets)];
    while (u > cdf[k])
      ++k;
    return k;
  }

private:
  static constexpr int kLevels = 512, kBuckets = 256;
  double step_ = 0.0, inv_step_ = 0.0; // inv_step_ 0: every mean goes to poisson_sample
  std::vector<double> cdf_;
  std::vector<std::size_t> offset_;
  std::vector<std::uint16_t> guide_;
};

} // namespace atelier::simulate
