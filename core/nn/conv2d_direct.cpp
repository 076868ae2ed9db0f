// Direct convolution (see conv2d_direct.h): per image, a zero-padded copy of
// the input; per block of eight output channels and eight output columns,
// eight accumulators summed over channels and taps.
#include "core/nn/conv2d_direct.h"

#include "core/base/error.h"
#include "core/nn/cpu_pool.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define ATELIER_DIRECT_AVX2 1
#else
#define ATELIER_DIRECT_AVX2 0
#endif

namespace atelier::nn {
namespace {

constexpr int kLanes = 8;  // output columns per register
constexpr int kBlockK = 8; // output channels per block

std::atomic<int> g_mode{0};

bool have_avx2() {
#if ATELIER_DIRECT_AVX2
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
#else
  return false;
#endif
}

bool fits(const Conv2dShape& sh) {
  return sh.stride_h == 1 && sh.stride_w == 1 && sh.dilation_h == 1 && sh.dilation_w == 1;
}

struct Layout {
  int ph = 0, pw = 0; // padded rows, padded row length (with slack)
  int out_h = 0, out_w = 0;
  int k_blocks = 0;
  std::size_t padded = 0; // c * ph * pw
  std::size_t packed = 0; // k_blocks * c * r * s * 8
};

Layout layout_of(const Conv2dShape& sh) {
  Layout l;
  l.out_h = sh.out_h();
  l.out_w = sh.out_w();
  l.ph = sh.h + 2 * sh.pad_h;
  // Whole vectors over the output row, plus the kernel's reach beyond it.
  const int vectors = (l.out_w + kLanes - 1) / kLanes;
  l.pw = std::max(sh.w + 2 * sh.pad_w, vectors * kLanes + sh.s - 1);
  l.k_blocks = (sh.k + kBlockK - 1) / kBlockK;
  l.padded = std::size_t(sh.c) * std::size_t(l.ph) * std::size_t(l.pw);
  l.packed =
      std::size_t(l.k_blocks) * std::size_t(sh.c) * std::size_t(sh.r) * std::size_t(sh.s) * kBlockK;
  return l;
}

#if ATELIER_DIRECT_AVX2
// wp[block][c][i][j][lane] = w[block * 8 + lane][c][i][j], zero past k.
void pack_filters(const Conv2dShape& sh, const Layout& l, const float* w, float* wp) {
  const std::size_t taps = std::size_t(sh.r) * std::size_t(sh.s);
  for (int b = 0; b < l.k_blocks; ++b)
    for (int c = 0; c < sh.c; ++c)
      for (std::size_t t = 0; t < taps; ++t)
        for (int lane = 0; lane < kBlockK; ++lane) {
          const int k = b * kBlockK + lane;
          wp[((std::size_t(b) * sh.c + c) * taps + t) * kBlockK + lane] =
              k < sh.k ? w[(std::size_t(k) * sh.c + c) * taps + t] : 0.0f;
        }
}

// Output rows [y0, y1) of one block of eight output channels.
[[gnu::target("avx2,fma")]] void block_rows(const Conv2dShape& sh, const Layout& l,
                                            const float* padded, const float* wp, int block, int y0,
                                            int y1, float* yn) {
  const std::size_t taps = std::size_t(sh.r) * std::size_t(sh.s);
  const std::size_t plane = std::size_t(l.out_h) * std::size_t(l.out_w);
  const float* wb = wp + std::size_t(block) * sh.c * taps * kBlockK;
  const int k_here = std::min(kBlockK, sh.k - block * kBlockK);
  for (int oy = y0; oy < y1; ++oy)
    for (int ox = 0; ox < l.out_w; ox += kLanes) {
      __m256 acc[kBlockK];
#pragma GCC unroll 8
      for (int kk = 0; kk < kBlockK; ++kk)
        acc[kk] = _mm256_setzero_ps();
      for (int c = 0; c < sh.c; ++c) {
        const float* pc = padded + std::size_t(c) * l.ph * l.pw;
        const float* wc = wb + std::size_t(c) * taps * kBlockK;
        for (int i = 0; i < sh.r; ++i) {
          const float* row = pc + std::size_t(oy + i) * l.pw + ox;
          const float* wi = wc + std::size_t(i) * sh.s * kBlockK;
          for (int j = 0; j < sh.s; ++j) {
            const __m256 xv = _mm256_loadu_ps(row + j);
            const float* wj = wi + std::size_t(j) * kBlockK;
#pragma GCC unroll 8
            for (int kk = 0; kk < kBlockK; ++kk)
              acc[kk] = _mm256_fmadd_ps(_mm256_broadcast_ss(wj + kk), xv, acc[kk]);
          }
        }
      }
      const int lanes = std::min(kLanes, l.out_w - ox);
#pragma GCC unroll 8
      for (int kk = 0; kk < k_here; ++kk) {
        float* out =
            yn + std::size_t(block * kBlockK + kk) * plane + std::size_t(oy) * l.out_w + ox;
        if (lanes == kLanes) {
          _mm256_storeu_ps(out, acc[kk]);
        } else {
          alignas(32) float tmp[kLanes];
          _mm256_store_ps(tmp, acc[kk]);
          std::memcpy(out, tmp, std::size_t(lanes) * sizeof(float));
        }
      }
    }
}
#endif

} // namespace

bool conv2d_direct_applies(const Conv2dShape& sh) {
  const int mode = g_mode.load(std::memory_order_relaxed);
  if (mode < 0 || !have_avx2() || !fits(sh)) return false;
  return mode > 0 || (sh.c <= kDirectMaxChannels && sh.k <= kDirectMaxChannels);
}

std::size_t conv2d_direct_workspace_floats(const Conv2dShape& shape) {
  const Layout l = layout_of(shape);
  return l.padded + l.packed;
}

void conv2d_direct_forward(const Conv2dShape& sh, const float* x, const float* w, float* y,
                           float* workspace) {
  if (!fits(sh) || !have_avx2())
    throw Error("conv2d_direct_forward: needs stride 1, dilation 1 and an AVX2 machine");
#if ATELIER_DIRECT_AVX2
  const Layout l = layout_of(sh);
  float* padded = workspace;
  float* wp = workspace + l.padded;
  pack_filters(sh, l, w, wp);
  const std::size_t in_plane = std::size_t(sh.h) * std::size_t(sh.w);
  const std::size_t out_image = std::size_t(sh.k) * std::size_t(l.out_h) * std::size_t(l.out_w);
  for (int n = 0; n < sh.n; ++n) {
    const float* xn = x + std::size_t(n) * sh.c * in_plane;
    const int copy_parts = cpu_pool_parts(l.padded, std::size_t(sh.c));
    auto copy = [&](int part) {
      for (int c = sh.c * part / copy_parts; c < sh.c * (part + 1) / copy_parts; ++c) {
        float* pc = padded + std::size_t(c) * l.ph * l.pw;
        std::fill(pc, pc + std::size_t(l.ph) * l.pw, 0.0f);
        for (int iy = 0; iy < sh.h; ++iy)
          std::memcpy(pc + std::size_t(iy + sh.pad_h) * l.pw + sh.pad_w,
                      xn + std::size_t(c) * in_plane + std::size_t(iy) * sh.w,
                      std::size_t(sh.w) * sizeof(float));
      }
    };
    cpu_parallel_parts(copy_parts, copy);
    float* yn = y + std::size_t(n) * out_image;
    // Parts take whole rows of every channel block.
    const std::size_t units = std::size_t(l.k_blocks) * std::size_t(l.out_h);
    const int parts = cpu_pool_parts(out_image * std::size_t(sh.c) * sh.r * sh.s, units);
    auto rows = [&](int part) {
      const std::size_t u0 = units * part / parts, u1 = units * (part + 1) / parts;
      for (std::size_t u = u0; u < u1;) {
        const int block = int(u / l.out_h), oy = int(u % l.out_h);
        const int end = int(std::min<std::size_t>(u1 - u + oy, l.out_h));
        block_rows(sh, l, padded, wp, block, oy, end, yn);
        u += std::size_t(end - oy);
      }
    };
    cpu_parallel_parts(parts, rows);
  }
#else
  (void)x, (void)w, (void)y, (void)workspace;
#endif
}

namespace testing {
void set_conv2d_direct_mode(int mode) {
  g_mode.store(mode);
}
} // namespace testing

} // namespace atelier::nn
