// Direct convolution (see conv2d_direct.h): per band of output rows, a
// zero-padded copy of the input rows it reads; per register tile of output
// channels and columns, accumulators summed over channels and taps.
#include "core/nn/conv2d_direct.h"

#include "core/base/error.h"
#include "core/nn/conv2d_cpu.h"
#include "core/nn/cpu_pool.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <optional>
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
constexpr int kBlockK = 4; // output channels per block (a register tile's rows)

// Register tiles: kb output channels by this many vectors of output columns
// (forward) or kernel columns (filter gradient), 4 x 3 or 2 x 6
// accumulators, leaving room for the operands in AVX2's 16 registers.
constexpr int tile_width(int kb) {
  return kb > 2 ? 3 : 6;
}

// Padded input rows per band: all channels' rows for a band of output rows
// fill at most this many floats (4 MiB), or one output row's when that is
// more.
constexpr std::size_t kDefaultBandFloats = kConv2dCpuBlockFloats;

std::atomic<int> g_mode{0};
std::atomic<std::size_t> g_band_floats{kDefaultBandFloats};

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
  int pw = 0; // padded row length (with slack)
  int out_h = 0, out_w = 0;
  int band = 0; // output rows per band
  int bh = 0;   // padded input rows a band reads: band + r - 1
  int k_blocks = 0;
  std::size_t padded = 0; // c * bh * pw
  std::size_t packed = 0; // k_blocks * c * r * s * kBlockK
};

Layout layout_of(const Conv2dShape& sh) {
  Layout l;
  l.out_h = sh.out_h();
  l.out_w = sh.out_w();
  // Whole vectors over the output row, plus the kernel's reach beyond it.
  const int vectors = (l.out_w + kLanes - 1) / kLanes;
  l.pw = std::max(sh.w + 2 * sh.pad_w, vectors * kLanes + sh.s - 1);
  std::size_t limit = g_band_floats.load(std::memory_order_relaxed);
  if (limit == 0) limit = kDefaultBandFloats;
  const std::size_t row_floats = std::size_t(sh.c) * std::size_t(l.pw);
  const std::size_t held = std::max<std::size_t>(limit / row_floats, 1); // padded rows
  l.band = int(std::clamp<std::size_t>(held > std::size_t(sh.r - 1) ? held - (sh.r - 1) : 1, 1,
                                       std::size_t(l.out_h)));
  l.bh = l.band + sh.r - 1;
  l.k_blocks = (sh.k + kBlockK - 1) / kBlockK;
  l.padded = row_floats * std::size_t(l.bh);
  l.packed =
      std::size_t(l.k_blocks) * std::size_t(sh.c) * std::size_t(sh.r) * std::size_t(sh.s) * kBlockK;
  return l;
}

#if ATELIER_DIRECT_AVX2
// The padded input rows that output rows [y0, y0 + rows) read, of every
// channel of image xn (c x h x w): padded[c][y - y0][...], over the pool.
void pad_band(const Conv2dShape& sh, const Layout& l, const float* xn, int y0, int rows,
              float* padded) {
  const std::size_t in_plane = std::size_t(sh.h) * std::size_t(sh.w);
  const int held = rows + sh.r - 1;
  const int parts = cpu_pool_parts(std::size_t(sh.c) * held * l.pw, std::size_t(sh.c));
  auto copy = [&](int part) {
    for (int c = sh.c * part / parts; c < sh.c * (part + 1) / parts; ++c)
      for (int py = 0; py < held; ++py) {
        float* row = padded + (std::size_t(c) * l.bh + std::size_t(py)) * l.pw;
        const int iy = y0 + py - sh.pad_h;
        if (iy < 0 || iy >= sh.h) {
          std::fill(row, row + l.pw, 0.0f);
          continue;
        }
        std::fill(row, row + sh.pad_w, 0.0f);
        std::memcpy(row + sh.pad_w, xn + std::size_t(c) * in_plane + std::size_t(iy) * sh.w,
                    std::size_t(sh.w) * sizeof(float));
        std::fill(row + sh.pad_w + sh.w, row + l.pw, 0.0f);
      }
  };
  cpu_parallel_parts(parts, copy);
}

// The tile template Tile<kb, width>::run for kb output channels (1..4) and
// a width of 1..tile_width(kb).
template <typename Fn, template <int, int> typename Tile, int KB, std::size_t... W>
constexpr std::array<Fn, sizeof...(W)> tile_row(std::index_sequence<W...>) {
  return {&Tile<KB, int(W) + 1>::run...};
}

template <typename Fn, template <int, int> typename Tile>
Fn tile_for(int kb, int width) {
  static constexpr auto one = tile_row<Fn, Tile, 1>(std::make_index_sequence<tile_width(1)>());
  static constexpr auto two = tile_row<Fn, Tile, 2>(std::make_index_sequence<tile_width(2)>());
  static constexpr auto three = tile_row<Fn, Tile, 3>(std::make_index_sequence<tile_width(3)>());
  static constexpr auto four = tile_row<Fn, Tile, 4>(std::make_index_sequence<tile_width(4)>());
  const std::size_t at = std::size_t(width - 1);
  return kb == 1 ? one[at] : kb == 2 ? two[at] : kb == 3 ? three[at] : four[at];
}

// wp[block][c][i][j][lane] = w[block * 4 + lane][c][i][j], zero past k.
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

// KB output channels by VB vectors of eight output pixels: `row` is the
// padded input at the tile's first output pixel, wb the block's packed
// filters. Vector v starts `step.in` floats after vector v - 1 in the input
// and `step.out` after it in each output plane: the next eight columns of a
// row, or (rows of at most eight) the next row. Vectors before the last
// hold step.lanes outputs, the last `step.last` (1..8).
struct TileStep {
  std::size_t in = kLanes, out = kLanes;
  int lanes = kLanes, last = kLanes;
};

template <int KB, int VB>
struct ForwardTile {
  [[gnu::target("avx2,fma")]] static void run(const Conv2dShape& sh, const Layout& l,
                                              const float* row, const float* wb,
                                              const TileStep& step, float* out, std::size_t plane) {
    __m256 acc[KB][VB];
#pragma GCC unroll 8
    for (int kk = 0; kk < KB; ++kk)
#pragma GCC unroll 8
      for (int v = 0; v < VB; ++v)
        acc[kk][v] = _mm256_setzero_ps();
    const std::size_t channel = std::size_t(l.bh) * std::size_t(l.pw);
    for (int c = 0; c < sh.c; ++c) {
      const float* rc = row + std::size_t(c) * channel;
      const float* wc = wb + std::size_t(c) * sh.r * sh.s * kBlockK;
      for (int i = 0; i < sh.r; ++i) {
        const float* ri = rc + std::size_t(i) * l.pw;
        const float* wi = wc + std::size_t(i) * sh.s * kBlockK;
        for (int j = 0; j < sh.s; ++j) {
          const float* wj = wi + std::size_t(j) * kBlockK;
          // Hold whichever operand set is smaller in registers.
          if constexpr (VB <= KB) {
            __m256 xv[VB];
#pragma GCC unroll 8
            for (int v = 0; v < VB; ++v)
              xv[v] = _mm256_loadu_ps(ri + j + v * step.in);
#pragma GCC unroll 8
            for (int kk = 0; kk < KB; ++kk) {
              const __m256 wv = _mm256_broadcast_ss(wj + kk);
#pragma GCC unroll 8
              for (int v = 0; v < VB; ++v)
                acc[kk][v] = _mm256_fmadd_ps(wv, xv[v], acc[kk][v]);
            }
          } else {
            __m256 wv[KB];
#pragma GCC unroll 8
            for (int kk = 0; kk < KB; ++kk)
              wv[kk] = _mm256_broadcast_ss(wj + kk);
#pragma GCC unroll 8
            for (int v = 0; v < VB; ++v) {
              const __m256 xv = _mm256_loadu_ps(ri + j + v * step.in);
#pragma GCC unroll 8
              for (int kk = 0; kk < KB; ++kk)
                acc[kk][v] = _mm256_fmadd_ps(wv[kk], xv, acc[kk][v]);
            }
          }
        }
      }
    }
#pragma GCC unroll 8
    for (int kk = 0; kk < KB; ++kk)
#pragma GCC unroll 8
      for (int v = 0; v < VB; ++v) {
        float* o = out + std::size_t(kk) * plane + v * step.out;
        const int lanes = v + 1 < VB ? step.lanes : step.last;
        if (lanes == kLanes) {
          _mm256_storeu_ps(o, acc[kk][v]);
        } else {
          alignas(32) float tmp[kLanes];
          _mm256_store_ps(tmp, acc[kk][v]);
          std::memcpy(o, tmp, std::size_t(lanes) * sizeof(float));
        }
      }
  }
};

using ForwardFn = void (*)(const Conv2dShape&, const Layout&, const float*, const float*,
                           const TileStep&, float*, std::size_t);

// Output rows [y0, y1) of one block of output channels, in register tiles
// along each row (a narrower one at its end), or across rows when a row fits
// one vector (the U-Net's deepest levels); padded holds the band from output
// row `band0`.
void block_rows(const Conv2dShape& sh, const Layout& l, const float* padded, int band0,
                const float* wp, int block, int y0, int y1, float* yn) {
  const std::size_t plane = std::size_t(l.out_h) * std::size_t(l.out_w);
  const int k0 = block * kBlockK, kb = std::min(kBlockK, sh.k - k0);
  const float* wb = wp + std::size_t(block) * sh.c * sh.r * sh.s * kBlockK;
  const int width = tile_width(kb);
  const ForwardFn whole = tile_for<ForwardFn, ForwardTile>(kb, width);
  float* yb = yn + std::size_t(k0) * plane;
  if (l.out_w <= kLanes) {
    TileStep step;
    step.in = std::size_t(l.pw);
    step.out = std::size_t(l.out_w);
    step.lanes = step.last = l.out_w;
    for (int oy = y0; oy < y1; oy += width) {
      const int vectors = std::min(width, y1 - oy);
      const ForwardFn tile =
          vectors == width ? whole : tile_for<ForwardFn, ForwardTile>(kb, vectors);
      tile(sh, l, padded + std::size_t(oy - band0) * l.pw, wb, step, yb + std::size_t(oy) * l.out_w,
           plane);
    }
    return;
  }
  const int row_vectors = (l.out_w + kLanes - 1) / kLanes;
  for (int oy = y0; oy < y1; ++oy)
    for (int v0 = 0; v0 < row_vectors;) {
      // No one-vector tile at the row's end (a third as fast): 3 + 1 vectors
      // go as 2 + 2.
      const int left = row_vectors - v0;
      const int vectors = left == width + 1 ? width - 1 : std::min(width, left);
      const int ox = v0 * kLanes;
      const int columns = std::min(vectors * kLanes, l.out_w - ox);
      const ForwardFn tile =
          vectors == width ? whole : tile_for<ForwardFn, ForwardTile>(kb, vectors);
      TileStep step;
      step.last = columns - (vectors - 1) * kLanes;
      tile(sh, l, padded + std::size_t(oy - band0) * l.pw + ox, wb, step,
           yb + std::size_t(oy) * l.out_w + ox, plane);
      v0 += vectors;
    }
}
#endif

// ------------------------------------------------------------ filter gradient
//
// dw[k][c][i][j] = sum over images, rows y and columns x of
// dy[k][y][x] * padded[c][y + i][x + j]. A task owns one input channel, a
// block of up to four output channels and a fixed share of the output rows
// (every shares-th strip, so that small layers still have enough tasks in
// every band); it keeps, per tap and
// output channel, eight lane-wise partial sums across the images. They are
// summed at the end in a fixed order, so the result depends on the shape
// only, never on the thread count or on which thread ran which task.

constexpr int kFilterMinTasks = 32;      // row shares split small layers to this
constexpr int kFilterChunkPixels = 1024; // output pixels per pass (dy rows stay in L1)

struct FilterPlan {
  Layout l;
  int k_blocks = 0; // ceil(k / 4); the last holds k mod 4 when that is not 0
  int strip = 0;    // output rows per strip: one pass of kFilterChunkPixels
  int shares = 0;   // row shares per (block, channel): strip i is share i mod shares
  std::size_t tasks = 0;
  std::size_t task_floats = 0; // r * s * kBlockK * 8 partial sums
};

FilterPlan filter_plan_of(const Conv2dShape& sh) {
  FilterPlan p;
  p.l = layout_of(sh);
  p.k_blocks = (sh.k + kBlockK - 1) / kBlockK;
  const std::size_t pairs = std::size_t(p.k_blocks) * std::size_t(sh.c);
  p.strip = std::max(1, kFilterChunkPixels / p.l.out_w);
  const int strips = (p.l.out_h + p.strip - 1) / p.strip;
  p.shares =
      int(std::clamp<std::size_t>((kFilterMinTasks + pairs - 1) / pairs, 1, std::size_t(strips)));
  p.tasks = pairs * std::size_t(p.shares);
  p.task_floats = std::size_t(sh.r) * std::size_t(sh.s) * kBlockK * kLanes;
  return p;
}

#if ATELIER_DIRECT_AVX2
// Adds, for kernel columns j0 .. j0 + SB - 1 of one kernel row, KB output
// channels' dy rows times the padded input rows they meet, over `rows` rows:
// acc[jj][kk][lane] += sum over x = lane (mod 8) of dy[kk][y][x] * xr[y][x + jj].
template <int KB, int SB>
struct FilterTile {
  [[gnu::target("avx2,fma")]] static void run(const float* dy, std::size_t dy_plane, int out_w,
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
        // Hold whichever operand set is smaller in registers (4 x 3: the
        // three input vectors, leaving 16 for them, 12 sums and dy).
        if constexpr (SB < KB) {
          __m256 xv[SB];
#pragma GCC unroll 8
          for (int jj = 0; jj < SB; ++jj)
            xv[jj] = _mm256_loadu_ps(xy + o + jj);
#pragma GCC unroll 8
          for (int kk = 0; kk < KB; ++kk) {
            const __m256 dv = _mm256_loadu_ps(d + kk * dy_plane + o);
#pragma GCC unroll 8
            for (int jj = 0; jj < SB; ++jj)
              a[kk][jj] = _mm256_fmadd_ps(dv, xv[jj], a[kk][jj]);
          }
        } else {
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
};

using FilterFn = void (*)(const float*, std::size_t, int, const float*, std::size_t, int, float*);

// One task's part of image n: its channel c, output channels [k0, k0 + kb)
// and output rows [y0, y1) of the band from output row band0 in padded.
void filter_task(const Conv2dShape& sh, const FilterPlan& p, const float* padded, int band0,
                 const float* dyn, int c, int k0, int kb, int y0, int y1, float* acc) {
  const Layout& l = p.l;
  const std::size_t plane = std::size_t(l.out_h) * std::size_t(l.out_w);
  const int chunk = std::max(1, kFilterChunkPixels / l.out_w);
  for (int b0 = y0; b0 < y1; b0 += chunk) {
    const int rows = std::min(chunk, y1 - b0);
    const float* dy = dyn + std::size_t(k0) * plane + std::size_t(b0) * l.out_w;
    for (int i = 0; i < sh.r; ++i) {
      const float* xr = padded + (std::size_t(c) * l.bh + std::size_t(b0 - band0 + i)) * l.pw;
      for (int j0 = 0; j0 < sh.s; j0 += tile_width(kb)) {
        const int sb = std::min(tile_width(kb), sh.s - j0);
        tile_for<FilterFn, FilterTile>(kb, sb)(dy, plane, l.out_w, xr + j0, l.pw, rows,
                                               acc + std::size_t(i * sh.s + j0) * kb * kLanes);
      }
    }
  }
}
#endif

// The mode, the machine and the shape's stride and dilation; nullopt when
// the default rule decides.
std::optional<bool> forced(const Conv2dShape& sh) {
  const int mode = g_mode.load(std::memory_order_relaxed);
  if (mode < 0 || !have_avx2() || !fits(sh)) return false;
  if (mode > 0) return true;
  return std::nullopt;
}
} // namespace

bool conv2d_direct_applies(const Conv2dShape& sh) {
  return forced(sh).value_or(sh.k <= kDirectMaxOutputs);
}

bool conv2d_direct_filter_applies(const Conv2dShape& sh) {
  const std::int64_t pixels = std::int64_t(sh.out_h()) * sh.out_w();
  return forced(sh).value_or(sh.k <= kDirectFilterSmallOutputs ||
                             (sh.k <= kDirectFilterMaxOutputs && pixels >= kDirectFilterMinPixels));
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
  for (int n = 0; n < sh.n; ++n)
    for (int y0 = 0; y0 < l.out_h; y0 += l.band) {
      const int rows = std::min(l.band, l.out_h - y0);
      pad_band(sh, l, x + std::size_t(n) * sh.c * in_plane, y0, rows, padded);
      float* yn = y + std::size_t(n) * out_image;
      // Parts take whole rows of every channel block.
      const std::size_t units = std::size_t(l.k_blocks) * std::size_t(rows);
      const int parts = cpu_pool_parts(
          units * std::size_t(kBlockK * l.out_w) * std::size_t(sh.c) * sh.r * sh.s, units);
      auto band = [&](int part) {
        const std::size_t u0 = units * part / parts, u1 = units * (part + 1) / parts;
        for (std::size_t u = u0; u < u1;) {
          const int block = int(u / std::size_t(rows)), oy = int(u % std::size_t(rows));
          const int end = int(std::min<std::size_t>(u1 - u + oy, std::size_t(rows)));
          block_rows(sh, l, padded, y0, wp, block, y0 + oy, y0 + end, yn);
          u += std::size_t(end - oy);
        }
      };
      cpu_parallel_parts(parts, band);
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
  for (int n = 0; n < sh.n; ++n)
    for (int y0 = 0; y0 < l.out_h; y0 += l.band) {
      const int rows = std::min(l.band, l.out_h - y0);
      pad_band(sh, l, x + std::size_t(n) * sh.c * in_plane, y0, rows, padded);
      const float* dyn = dy + std::size_t(n) * sh.k * plane;
      // Tasks differ in cost (a one-channel block, ragged shares): taken
      // from a shared counter; each writes only its own partial sums, adding
      // its strips' rows in the band in order, so bands change no sum. The
      // shares interleave strip by strip, so every band has work for all.
      std::atomic<std::size_t> next{0};
      auto run = [&](int) {
        for (std::size_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < p.tasks;) {
          const int share = int(t % std::size_t(p.shares));
          const std::size_t pair = t / std::size_t(p.shares);
          const int c = int(pair % std::size_t(sh.c)), block = int(pair / std::size_t(sh.c));
          const int k0 = block * kBlockK, kb = std::min(kBlockK, sh.k - k0);
          for (int strip = y0 / p.strip; strip * p.strip < y0 + rows; ++strip) {
            if (strip % p.shares != share) continue;
            const int lo = std::max(y0, strip * p.strip);
            const int hi = std::min(y0 + rows, (strip + 1) * p.strip);
            filter_task(sh, p, padded, y0, dyn, c, k0, kb, lo, hi, partial + t * p.task_floats);
          }
        }
      };
      cpu_parallel_parts(cpu_pool_parts(std::size_t(rows) * std::size_t(l.out_w) *
                                            std::size_t(sh.k) * std::size_t(sh.c) * taps,
                                        p.tasks),
                         run);
    }
  // The shares' lanes, in order, in double.
  for (int k = 0; k < sh.k; ++k) {
    const int block = k / kBlockK, k0 = block * kBlockK;
    const int kb = std::min(kBlockK, sh.k - k0), kk = k - k0;
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
void set_conv2d_direct_band_limit(std::size_t floats) {
  g_band_floats.store(floats);
}
} // namespace testing

} // namespace atelier::nn
