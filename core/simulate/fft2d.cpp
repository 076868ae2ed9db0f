// Radix-2 decimation-in-time FFT over strips of columns; see fft2d.h.
#include "core/simulate/fft2d.h"

#include "core/base/error.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace atelier::simulate {
namespace {

constexpr std::size_t kStrip = 32; // columns per strip: 2 planes x 32 floats x n rows stay in L2

} // namespace

// All radix-2 stages over the strip buffer. W > 0 fixes the lane count at
// compile time so the lane loop vectorises at -O2.
template <int W>
void Fft2d::butterflies(float* bre, float* bim, std::size_t n, std::size_t w, float sign) const {
  if constexpr (W > 0) w = W;
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const std::size_t half = len / 2, step = n / len;
    for (std::size_t i = 0; i < n; i += len) {
      for (std::size_t j = 0; j < half; ++j) {
        const float wr = cos_[j * step], wi = sign * sin_[j * step];
        float* __restrict ar = bre + (i + j) * w;
        float* __restrict ai = bim + (i + j) * w;
        float* __restrict br = bre + (i + j + half) * w;
        float* __restrict bi = bim + (i + j + half) * w;
        for (std::size_t x = 0; x < w; ++x) {
          const float tr = wr * br[x] - wi * bi[x];
          const float ti = wr * bi[x] + wi * br[x];
          br[x] = ar[x] - tr;
          bi[x] = ai[x] - ti;
          ar[x] += tr;
          ai[x] += ti;
        }
      }
    }
  }
}

Fft2d::Fft2d(int n) : n_(n) {
  if (n < 1 || n > (1 << 14) || (n & (n - 1)) != 0)
    throw Error("Fft2d: size " + std::to_string(n) + " is not a power of two in [1, 16384]");
  int bits = 0;
  while ((1 << bits) < n)
    ++bits;
  bitrev_.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    int r = 0;
    for (int b = 0; b < bits; ++b)
      if (i & (1 << b)) r |= 1 << (bits - 1 - b);
    bitrev_[static_cast<std::size_t>(i)] = r;
  }
  const auto half = static_cast<std::size_t>(std::max(1, n / 2));
  cos_.resize(half);
  sin_.resize(half);
  for (std::size_t j = 0; j < half; ++j) {
    const double a = 2.0 * 3.14159265358979323846 * static_cast<double>(j) / n;
    cos_[j] = static_cast<float>(std::cos(a));
    sin_[j] = static_cast<float>(std::sin(a));
  }
}

void Fft2d::inverse(float* re, float* im) const {
  transform(re, im, true);
  const float scale = 1.0f / (static_cast<float>(n_) * static_cast<float>(n_));
  const std::size_t count = static_cast<std::size_t>(n_) * static_cast<std::size_t>(n_);
  for (std::size_t i = 0; i < count; ++i) {
    re[i] *= scale;
    im[i] *= scale;
  }
}

void Fft2d::transform(float* re, float* im, bool inverse) const {
  if (n_ == 1) return;
  pass(re, im, inverse, false);
  pass(re, im, inverse, true);
}

void Fft2d::pass(float* re, float* im, bool inverse, bool rows) const {
  const std::size_t n = static_cast<std::size_t>(n_);
  const std::size_t w = std::min<std::size_t>(kStrip, n);
  // The strip buffer holds n lines of w lanes; each lane is one 1D transform.
  std::vector<float> bre(n * w), bim(n * w);
  const float sign = inverse ? 1.0f : -1.0f;
  for (std::size_t s0 = 0; s0 < n; s0 += w) {
    // Gather in bit-reversed order. Rows are read along the row (contiguous)
    // and written across lanes: no large power-of-two strides.
    if (rows) {
      for (std::size_t r = 0; r < w; ++r) {
        const float* sr = re + (s0 + r) * n;
        const float* si = im + (s0 + r) * n;
        for (std::size_t x = 0; x < n; ++x) {
          bre[x * w + r] = sr[bitrev_[x]];
          bim[x * w + r] = si[bitrev_[x]];
        }
      }
    } else {
      for (std::size_t y = 0; y < n; ++y) {
        const std::size_t src = static_cast<std::size_t>(bitrev_[y]) * n + s0;
        std::copy_n(re + src, w, bre.data() + y * w);
        std::copy_n(im + src, w, bim.data() + y * w);
      }
    }
    if (w == kStrip)
      butterflies<kStrip>(bre.data(), bim.data(), n, w, sign);
    else
      butterflies<0>(bre.data(), bim.data(), n, w, sign);
    if (rows) {
      for (std::size_t r = 0; r < w; ++r) {
        float* dr = re + (s0 + r) * n;
        float* di = im + (s0 + r) * n;
        for (std::size_t x = 0; x < n; ++x) {
          dr[x] = bre[x * w + r];
          di[x] = bim[x * w + r];
        }
      }
    } else {
      for (std::size_t y = 0; y < n; ++y) {
        std::copy_n(bre.data() + y * w, w, re + y * n + s0);
        std::copy_n(bim.data() + y * w, w, im + y * n + s0);
      }
    }
  }
}

} // namespace atelier::simulate
