// What the Winograd forward pass (conv2d_winograd.cpp) and filter gradient
// (conv2d_winograd_filter.cpp) share: the tile plan, the tiles' origins, the
// input transform and the machine check. Internal to those two files.
#pragma once

#include "core/nn/conv2d_reference.h"

#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define ATELIER_WINOGRAD_AVX2 1
#else
#define ATELIER_WINOGRAD_AVX2 0
#endif

namespace atelier::nn::winograd {

constexpr int kMaxT = 8;                                   // the largest tile side
constexpr int kMaxE = kMaxT * kMaxT;                       // its transformed elements
constexpr int kLanes = 8;                                  // tiles transformed together
constexpr std::size_t kBlockFloats = std::size_t(1) << 20; // V + M of a block (4 MiB)
// The AVX2 products' register tile: 4 output channels by 24 tiles (12
// accumulators; on 6 x 16 the U-Net's inference was 2% slower, and 32 and 64
// channels do not come in sixes).
constexpr int kProductRows = 4;
constexpr int kProductVectors = 3;
constexpr int kProductColumns = kProductVectors * kLanes;

constexpr int kM = 4; // output tile side

// 3x3 kernels: F(4x4, 3x3) on 6x6 tiles; 5x5: F(4x4, 5x5) on 8x8 tiles.
struct Plan {
  int r = 3;                // kernel side
  int t = 6, e = 36;        // input tile side (kM + r - 1) and its elements
  int out_h = 0, out_w = 0; // output size
  int tiles_h = 0, tiles_w = 0;
  std::int64_t tiles = 0;   // n * tiles_h * tiles_w
  int block = 0;            // tiles per block, a multiple of kProductColumns
  int kp = 0;               // k rounded up to whole kProductRows
  int kz = 0;               // k rounded up to a multiple of 8 (the filter gradient's)
  std::size_t u_floats = 0; // the transformed filters, either layout: e kp c
  std::size_t v_floats = 0;
};

Plan make_plan(const Conv2dShape& sh);

// The t x taps matrix G that interpolates a filter row of `taps` values
// (conv2d_winograd_points.h): p^j / prod_{q != p} (p - q) for the t - 1
// finite points p, and e_{taps-1} for infinity.
void interpolation_rows(int taps, int t, double g[kMaxT][5]);

// Where tile t (of all images) starts: image, output row and column.
struct TileOrigin {
  int n, oy, ox;
};

// Four doubles as one vector value (the filters' transforms run four
// filters at a time).
using v4d = double __attribute__((vector_size(32)));
inline constexpr int kDoubleLanes = 4;

// out[i * Rows + j] = sum over a, b < Cols of l(i, a) x[a * Cols + b] l(j, b)
// for four filters at once (L X L^T: G g G^T with l = G, Rows the tile side
// (6 or 8) and Cols the kernel side (3 or 5); G^T M G with l = G^T, the
// other way round), in that order.
template <int Rows, int Cols, typename L>
[[gnu::always_inline]] inline void sandwich4(const L& l, const v4d* x, v4d* out) {
  v4d lx[Rows][Cols];
  for (int i = 0; i < Rows; ++i)
    for (int b = 0; b < Cols; ++b) {
      v4d sum{};
      for (int a = 0; a < Cols; ++a)
        sum += l(i, a) * x[a * Cols + b];
      lx[i][b] = sum;
    }
  for (int i = 0; i < Rows; ++i)
    for (int j = 0; j < Rows; ++j) {
      v4d sum{};
      for (int b = 0; b < Cols; ++b)
        sum += lx[i][b] * l(j, b);
      out[i * Rows + j] = sum;
    }
}

// The origins of tiles [t, t + lanes).
void tile_origins(const Plan& p, std::int64_t t, int lanes, TileOrigin* o);

// Eight tiles side by side in one tile row (lane q starts q kM columns
// right of lane 0).
bool side_by_side(const TileOrigin* o, int lanes);

// V[e][c][j] = (B^T d B)[e] for channels [c0, c1) of tiles [t0, t0 + count)
// (j counted from t0; p.block floats between rows, C of them per element).
void transform_inputs(const Conv2dShape& sh, const Plan& p, const float* x, std::int64_t t0,
                      int count, int c0, int c1, float* v);

// Stride 1, dilation 1, a square 3x3 or 5x5 kernel.
bool winograd_fits(const Conv2dShape& sh);

// AVX2 and FMA present and not turned off for testing.
bool use_avx2();
// AVX-512F present too and not turned off for testing: the products run 16
// lanes wide, with the same sums in the same order (the same bits).
bool use_avx512();

// The test hook's mode (conv2d_winograd.h): 0 the rules, 1 always, -1 never.
int mode();

// Eight floats as one vector value (two SSE registers on the baseline
// build, one AVX register in AVX2 code): the transforms' lanes.
using v8f = float __attribute__((vector_size(32)));

#if ATELIER_WINOGRAD_AVX2

[[gnu::target("avx2,fma")]] inline v8f as_v8f(__m256 v) {
  return reinterpret_cast<v8f>(v);
}
[[gnu::target("avx2,fma")]] inline __m256 as_m256(v8f v) {
  return reinterpret_cast<__m256>(v);
}
#endif

} // namespace atelier::nn::winograd
