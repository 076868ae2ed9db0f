// Direct convolution (see conv2d_direct.h): per image, a zero-padded copy of
// the input; per block of eight output channels and eight output columns,
// eight accumulators summed over channels and taps.
#include "core/nn/conv2d_direct.h"

#include "core/base/error.h"
#include "core/nn/cpu_pool.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <utility>

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
// Image xn (c x h x w) into the zero-padded buffer, over the pool.
void pad_image(const Conv2dShape& sh, const Layout& l, const float* xn, float* padded) {
  const std::size_t in_plane = std::size_t(sh.h) * std::size_t(sh.w);
  const int parts = cpu_pool_parts(l.padded, std::size_t(sh.c));
  auto copy = [&](int part) {
    for (int c = sh.c * part / parts; c < sh.c * (part + 1) / parts; ++c) {
      float* pc = padded + std::size_t(c) * l.ph * l.pw;
      std::fill(pc, pc + std::size_t(l.ph) * l.pw, 0.0f);
      for (int iy = 0; iy < sh.h; ++iy)
        std::memcpy(pc + std::size_t(iy + sh.pad_h) * l.pw + sh.pad_w,
                    xn + std::size_t(c) * in_plane + std::size_t(iy) * sh.w,
                    std::size_t(sh.w) * sizeof(float));
    }
  };
  cpu_parallel_parts(parts, copy);
}

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

// ------------------------------------------------------------ filter gradient
//
// dw[k][c][i][j] = sum over images, rows y and columns x of
// dy[k][y][x] * padded[c][y + i][x + j]. A task owns one input channel, a
// block of up to four output channels and a fixed share of the output rows
// (so that small layers still have enough tasks); it keeps, per tap and
// output channel, eight lane-wise partial sums across the images. They are
// summed at the end in a fixed order, so the result depends on the shape
// only, never on the thread count or on which thread ran which task.

constexpr int kFilterBlockK = 4; // output channels per task, at most
// Kernel columns per register tile: 4 x 3 or 2 x 6 accumulators (of 16 registers).
constexpr int filter_tile_taps(int kb) {
  return kb > 2 ? 3 : 6;
}
constexpr int kFilterMinTasks = 32;     // row shares split small layers to this
constexpr int kFilterBandPixels = 1024; // output pixels per band (dy rows stay in L1)

struct FilterPlan {
  Layout l;
  int k_blocks = 0; // ceil(k / 4); the last holds k mod 4 when that is not 0
  int shares = 0;   // row shares per (block, channel)
  std::size_t tasks = 0;
  std::size_t task_floats = 0; // r * s * kFilterBlockK * 8 partial sums
};

FilterPlan filter_plan_of(const Conv2dShape& sh) {
  FilterPlan p;
  p.l = layout_of(sh);
  p.k_blocks = (sh.k + kFilterBlockK - 1) / kFilterBlockK;
  const std::size_t pairs = std::size_t(p.k_blocks) * std::size_t(sh.c);
  p.shares = int(
      std::clamp<std::size_t>((kFilterMinTasks + pairs - 1) / pairs, 1, std::size_t(p.l.out_h)));
  p.tasks = pairs * std::size_t(p.shares);
  p.task_floats = std::size_t(sh.r) * std::size_t(sh.s) * kFilterBlockK * kLanes;
  return p;
}

#if ATELIER_DIRECT_AVX2
// Adds, for kernel columns j0 .. j0 + SB - 1 of one kernel row, KB output
// channels' dy rows times the padded input rows they meet, over `rows` rows:
// acc[jj][kk][lane] += sum over x = lane (mod 8) of dy[kk][y][x] * xr[y][x + jj].
template <int KB, int SB>
[[gnu::target("avx2,fma")]] void filter_tile(const float* dy, std::size_t dy_plane, int out_w,
                                             const float* xr, std::size_t pw, int rows,
                                             float* acc) {
  __m256 a[KB][SB];
#pragma GCC unroll 8
  for (int jj = 0; jj < SB; ++jj)
#pragma GCC unroll 8
    for (int kk = 0; kk < KB; ++kk)
      a[kk][jj] = _mm256_loadu_ps(acc + (jj * KB + kk) * kLanes);
  const int full = out_w / kLanes * kLanes;
  const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32(out_w - full),
                                          _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  for (int y = 0; y < rows; ++y) {
    const float* d = dy + std::size_t(y) * out_w;
    const float* xy = xr + std::size_t(y) * pw;
    for (int o = 0; o < full; o += kLanes) {
      __m256 dv[KB];
#pragma GCC unroll 8
      for (int kk = 0; kk < KB; ++kk)
        dv[kk] = _mm256_loadu_ps(d + kk * dy_plane + o);
#pragma GCC unroll 8
      for (int jj = 0; jj < SB; ++jj) {
        const __m256 xv = _mm256_loadu_ps(xy + o + jj);
#pragma GCC unroll 8
        for (int kk = 0; kk < KB; ++kk)
          a[kk][jj] = _mm256_fmadd_ps(dv[kk], xv, a[kk][jj]);
      }
    }
    if (full < out_w) {
      // Both operands masked: the input past the row may be any finite or
      // non-finite value, and 0 * inf would poison the sums.
      __m256 dv[KB];
#pragma GCC unroll 8
      for (int kk = 0; kk < KB; ++kk)
        dv[kk] = _mm256_maskload_ps(d + kk * dy_plane + full, tail);
#pragma GCC unroll 8
      for (int jj = 0; jj < SB; ++jj) {
        const __m256 xv = _mm256_maskload_ps(xy + full + jj, tail);
#pragma GCC unroll 8
        for (int kk = 0; kk < KB; ++kk)
          a[kk][jj] = _mm256_fmadd_ps(dv[kk], xv, a[kk][jj]);
      }
    }
  }
#pragma GCC unroll 8
  for (int jj = 0; jj < SB; ++jj)
#pragma GCC unroll 8
    for (int kk = 0; kk < KB; ++kk)
      _mm256_storeu_ps(acc + (jj * KB + kk) * kLanes, a[kk][jj]);
}

using FilterTile = void (*)(const float*, std::size_t, int, const float*, std::size_t, int, float*);

template <int KB, std::size_t... SB>
constexpr std::array<FilterTile, sizeof...(SB)> filter_tiles(std::index_sequence<SB...>) {
  return {&filter_tile<KB, int(SB) + 1>...};
}

FilterTile filter_tile_for(int kb, int sb) {
  static constexpr auto one = filter_tiles<1>(std::make_index_sequence<filter_tile_taps(1)>());
  static constexpr auto two = filter_tiles<2>(std::make_index_sequence<filter_tile_taps(2)>());
  static constexpr auto three = filter_tiles<3>(std::make_index_sequence<filter_tile_taps(3)>());
  static constexpr auto four = filter_tiles<4>(std::make_index_sequence<filter_tile_taps(4)>());
  const std::size_t at = std::size_t(sb - 1);
  return kb == 1 ? one[at] : kb == 2 ? two[at] : kb == 3 ? three[at] : four[at];
}

// One task's share of image n: its channel c, output channels [k0, k0 + kb)
// and output rows [y0, y1).
void filter_task(const Conv2dShape& sh, const FilterPlan& p, const float* padded, const float* dyn,
                 int c, int k0, int kb, int y0, int y1, float* acc) {
  const Layout& l = p.l;
  const std::size_t plane = std::size_t(l.out_h) * std::size_t(l.out_w);
  const int band = std::max(1, kFilterBandPixels / l.out_w);
  for (int b0 = y0; b0 < y1; b0 += band) {
    const int rows = std::min(band, y1 - b0);
    const float* dy = dyn + std::size_t(k0) * plane + std::size_t(b0) * l.out_w;
    for (int i = 0; i < sh.r; ++i) {
      const float* xr = padded + (std::size_t(c) * l.ph + std::size_t(b0 + i)) * l.pw;
      for (int j0 = 0; j0 < sh.s; j0 += filter_tile_taps(kb)) {
        const int sb = std::min(filter_tile_taps(kb), sh.s - j0);
        filter_tile_for(kb, sb)(dy, plane, l.out_w, xr + j0, l.pw, rows,
                                acc + std::size_t(i * sh.s + j0) * kb * kLanes);
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
    pad_image(sh, l, x + std::size_t(n) * sh.c * in_plane, padded);
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

std::size_t conv2d_direct_filter_workspace_floats(const Conv2dShape& shape) {
  const FilterPlan p = filter_plan_of(shape);
  return p.l.padded + p.tasks * p.task_floats;
}

void conv2d_direct_backward_filter(const Conv2dShape& sh, const float* x, const float* dy,
                                   float* dw, float* workspace, bool accumulate) {
  if (!fits(sh) || !have_avx2())
    throw Error("conv2d_direct_backward_filter: needs stride 1, dilation 1 and an AVX2 machine");
#if ATELIER_DIRECT_AVX2
  const FilterPlan p = filter_plan_of(sh);
  const Layout& l = p.l;
  float* padded = workspace;
  float* partial = workspace + l.padded;
  std::fill(partial, partial + p.tasks * p.task_floats, 0.0f);
  const std::size_t in_plane = std::size_t(sh.h) * std::size_t(sh.w);
  const std::size_t plane = std::size_t(l.out_h) * std::size_t(l.out_w);
  const std::size_t taps = std::size_t(sh.r) * std::size_t(sh.s);
  for (int n = 0; n < sh.n; ++n) {
    pad_image(sh, l, x + std::size_t(n) * sh.c * in_plane, padded);
    const float* dyn = dy + std::size_t(n) * sh.k * plane;
    // Tasks differ in cost (a one-channel block, ragged shares): taken from
    // a shared counter; each writes only its own partial sums.
    std::atomic<std::size_t> next{0};
    auto run = [&](int) {
      for (std::size_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < p.tasks;) {
        const int share = int(t % std::size_t(p.shares));
        const std::size_t pair = t / std::size_t(p.shares);
        const int c = int(pair % std::size_t(sh.c)), block = int(pair / std::size_t(sh.c));
        const int k0 = block * kFilterBlockK, kb = std::min(kFilterBlockK, sh.k - k0);
        filter_task(sh, p, padded, dyn, c, k0, kb, int(std::int64_t(l.out_h) * share / p.shares),
                    int(std::int64_t(l.out_h) * (share + 1) / p.shares),
                    partial + t * p.task_floats);
      }
    };
    cpu_parallel_parts(
        cpu_pool_parts(plane * std::size_t(sh.k) * std::size_t(sh.c) * taps, p.tasks), run);
  }
  // The shares' lanes, in order, in double.
  for (int k = 0; k < sh.k; ++k) {
    const int block = k / kFilterBlockK, k0 = block * kFilterBlockK;
    const int kb = std::min(kFilterBlockK, sh.k - k0), kk = k - k0;
    for (int c = 0; c < sh.c; ++c) {
      const float* first =
          partial + (std::size_t(block) * sh.c + c) * std::size_t(p.shares) * p.task_floats;
      float* out = dw + (std::size_t(k) * sh.c + c) * taps;
      for (std::size_t t = 0; t < taps; ++t) {
        double sum = accumulate ? double(out[t]) : 0.0;
        for (int share = 0; share < p.shares; ++share) {
          const float* lanes = first + std::size_t(share) * p.task_floats + (t * kb + kk) * kLanes;
          for (int lane = 0; lane < kLanes; ++lane)
            sum += double(lanes[lane]);
        }
        out[t] = float(sum);
      }
    }
  }
#else
  (void)x, (void)dy, (void)dw, (void)workspace, (void)accumulate;
#endif
}

namespace testing {
void set_conv2d_direct_mode(int mode) {
  g_mode.store(mode);
}
} // namespace testing

} // namespace atelier::nn
