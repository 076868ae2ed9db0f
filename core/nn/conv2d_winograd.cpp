// Winograd F(4x4, 3x3) on 6x6 tiles and F(4x4, 5x5) on 8x8 tiles (see
// conv2d_winograd.h). Per block of tiles: the input transform B^T d B of
// every channel's tiles into V[e][C][tiles], e products
// M[e] = U[e] (K x C) x V[e] (C x tiles) (an AVX2 kernel on filters packed
// once per call; SGEMMs elsewhere), and the output transform A^T M A of
// every output channel's tiles into y. The filters' transform G g G^T goes
// into U[e][K][C] (with AVX2 straight into the products' packed layout) once
// per call. The transforms run on eight tiles at a
// time (one vector value per matrix element; conv2d_winograd_points.h).
#include "core/nn/conv2d_winograd.h"
#include "core/nn/conv2d_winograd_points.h"
#include "core/nn/conv2d_winograd_tiles.h"

#include "core/base/error.h"
#include "core/base/float4.h"
#include "core/nn/cpu_pool.h"
#include "core/nn/sgemm_cpu.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>

namespace atelier::nn {
namespace winograd {

std::atomic<int> g_mode{0};
std::atomic<bool> g_portable_only{false};
std::atomic<bool> g_no_avx512{false};

Plan make_plan(const Conv2dShape& sh) {
  Plan p;
  p.r = sh.r;
  p.t = sh.r + 3;
  p.e = p.t * p.t;
  p.out_h = sh.out_h();
  p.out_w = sh.out_w();
  p.tiles_h = (p.out_h + kM - 1) / kM;
  p.tiles_w = (p.out_w + kM - 1) / kM;
  p.tiles = std::int64_t(sh.n) * p.tiles_h * p.tiles_w;
  const std::size_t per_tile = std::size_t(p.e) * std::size_t(sh.c + sh.k);
  constexpr std::int64_t q = kProductColumns;
  std::int64_t block = std::int64_t(kBlockFloats / per_tile) / q * q;
  const std::int64_t all = (p.tiles + q - 1) / q * q;
  p.block = int(std::clamp<std::int64_t>(block, q, all));
  p.kp = (sh.k + kProductRows - 1) / kProductRows * kProductRows;
  p.kz = (sh.k + kLanes - 1) / kLanes * kLanes;
  p.u_floats = std::size_t(p.e) * std::size_t(p.kp) * std::size_t(sh.c);
  p.v_floats = std::size_t(p.e) * std::size_t(sh.c) * std::size_t(p.block);
  return p;
}

// ------------------------------------------------------------- transforms
// d[e] = (B^T d B)[e] for eight tiles in the lanes (e = row * T + col).
template <int T>
[[gnu::always_inline]] inline void input_tile(v8f* d) {
  v8f t[T * T];
  for (int col = 0; col < T; ++col) // B^T d: down the columns
    bt_rows<T>(d + col, T, t + col, T);
  for (int row = 0; row < T; ++row) // (B^T d) B: along the rows
    bt_rows<T>(t + row * T, 1, d + row * T, 1);
}

// o[i * 4 + j] = (A^T g A)[i][j] for eight tiles in the lanes.
template <int T>
[[gnu::always_inline]] inline void output_tile(const v8f* g, v8f* o) {
  v8f t[4 * T];
  for (int col = 0; col < T; ++col)
    at_rows<T>(g + col, T, t + col, T);
  for (int row = 0; row < 4; ++row)
    at_rows<T>(t + row * T, 1, o + row * 4, 1);
}

ATELIER_HOT_LOOP void input_transform(int t, v8f* d) {
  if (t == 8)
    input_tile<8>(d);
  else
    input_tile<6>(d);
}

ATELIER_HOT_LOOP void output_transform(int t, const v8f* g, v8f* o) {
  if (t == 8)
    output_tile<8>(g, o);
  else
    output_tile<6>(g, o);
}

constexpr double kPoints[kMaxT - 1] = {0, 1, -1, 2, -2, 0.5, -0.5};

void interpolation_rows(int taps, int t, double g[kMaxT][5]) {
  for (int i = 0; i < t; ++i)
    for (int j = 0; j < 5; ++j)
      g[i][j] = 0;
  for (int i = 0; i < t - 1; ++i) {
    double f = 1;
    for (int j = 0; j < t - 1; ++j)
      if (j != i) f *= kPoints[i] - kPoints[j];
    double power = 1;
    for (int j = 0; j < taps; ++j, power *= kPoints[i])
      g[i][j] = power / f;
  }
  g[t - 1][taps - 1] = 1;
}

// The transformed filters (G g G^T)[e], in double, four filters to a
// vector. For the AVX2 products (packed) in their layout
// up[e][k / 4][c][k % 4] (zeros past k), four output channels of one input
// channel at a time, for groups of four output channels [row0, row1);
// otherwise as U[e][k][c] for the SGEMMs, four input channels of one output
// channel at a time, for output channels [row0, row1).
ATELIER_HOT_LOOP void filter_transform_part(const Conv2dShape& sh, const Plan& p, const float* w,
                                            float* u, bool packed, int row0, int row1) {
  static_assert(kProductRows == kDoubleLanes);
  double g[kMaxT][5];
  interpolation_rows(sh.r, p.t, g);
  const std::size_t taps = std::size_t(sh.r) * std::size_t(sh.r);
  const std::size_t e_stride = std::size_t(packed ? p.kp : sh.k) * std::size_t(sh.c);
  const auto gl = [&g](int i, int a) { return g[i][a]; };
  static constexpr float kNoFilter[25] = {}; // the lanes past k or c
  for (int row = row0; row < row1; ++row)
    for (int c = 0; c < sh.c; c += packed ? 1 : kDoubleLanes) {
      const float* wl[kDoubleLanes] = {kNoFilter, kNoFilter, kNoFilter, kNoFilter};
      int lanes;
      float* dst;
      if (packed) {
        const int k0 = row * kDoubleLanes;
        lanes = std::min(kDoubleLanes, sh.k - k0);
        for (int l = 0; l < lanes; ++l)
          wl[l] = w + (std::size_t(k0 + l) * sh.c + c) * taps;
        dst = u + std::size_t(k0) * sh.c + std::size_t(c) * kProductRows;
      } else {
        lanes = std::min(kDoubleLanes, sh.c - c);
        for (int l = 0; l < lanes; ++l)
          wl[l] = w + (std::size_t(row) * sh.c + c + l) * taps;
        dst = u + std::size_t(row) * sh.c + c;
      }
      // All four lanes at once: lane-by-lane stores stalled the loads.
      v4d wv[25];
      for (std::size_t t = 0; t < taps; ++t)
        wv[t] = v4d{double(wl[0][t]), double(wl[1][t]), double(wl[2][t]), double(wl[3][t])};
      v4d gwg[kMaxE];
      if (p.t == 8)
        sandwich4<8, 5>(gl, wv, gwg);
      else
        sandwich4<6, 3>(gl, wv, gwg);
      // Packed rows past k take the zeros of their empty lanes.
      const int stored = packed ? kDoubleLanes : lanes;
      for (int e = 0; e < p.e; ++e) {
        float* out = dst + std::size_t(e) * e_stride;
        if (stored == kDoubleLanes) {
          const float4 f = __builtin_convertvector(gwg[e], float4);
          std::memcpy(out, &f, sizeof f);
        } else {
          for (int l = 0; l < stored; ++l)
            out[l] = float(gwg[e][l]);
        }
      }
    }
}

void filter_transform(const Conv2dShape& sh, const Plan& p, const float* w, float* u, bool packed) {
  const int rows = packed ? p.kp / kProductRows : sh.k;
  const int parts = cpu_pool_parts(p.u_floats, std::size_t(rows));
  auto run = [&](int part) {
    filter_transform_part(sh, p, w, u, packed, int(std::int64_t(rows) * part / parts),
                          int(std::int64_t(rows) * (part + 1) / parts));
  };
  cpu_parallel_parts(parts, run);
}

// Where tile t (of all images) starts: image, output row and column.
TileOrigin tile_origin(const Plan& p, std::int64_t t) {
  const std::int64_t per_image = std::int64_t(p.tiles_h) * p.tiles_w;
  const int n = int(t / per_image);
  const int rest = int(t - n * per_image);
  return {n, rest / p.tiles_w * kM, rest % p.tiles_w * kM};
}

void tile_origins(const Plan& p, std::int64_t t, int lanes, TileOrigin* o) {
  for (int q = 0; q < lanes; ++q)
    o[q] = tile_origin(p, t + q);
}

bool side_by_side(const TileOrigin* o, int lanes) {
  if (lanes != kLanes) return false;
  for (int q = 1; q < kLanes; ++q)
    if (o[q].n != o[0].n || o[q].oy != o[0].oy || o[q].ox != o[0].ox + q * kM) return false;
  return true;
}

// Eight side-by-side tiles whose patches lie inside the input (patch row i
// of lane q is row i from column q kM on) into V for one channel: gather,
// B^T d B, store.
ATELIER_HOT_LOOP void input_side_by_side(const Plan& p, const float* x0, std::size_t width,
                                         float* v, std::size_t v_elem) {
  v8f d[kMaxE];
  for (int i = 0; i < p.t; ++i) {
    const float* row = x0 + std::size_t(i) * width;
    for (int j = 0; j < p.t; ++j)
      for (int q = 0; q < kLanes; ++q)
        d[i * p.t + j][q] = row[q * kM + j];
  }
  input_transform(p.t, d);
  for (int e = 0; e < p.e; ++e)
    std::memcpy(v + e * v_elem, &d[e], sizeof(v8f));
}

// Output rows of eight side-by-side tiles that lie inside y.
ATELIER_HOT_LOOP void output_side_by_side(const Plan& p, const float* mm, std::size_t m_elem,
                                          float* y0, std::size_t width) {
  v8f g[kMaxE], o[16];
  for (int e = 0; e < p.e; ++e)
    std::memcpy(&g[e], mm + e * m_elem, sizeof(v8f));
  output_transform(p.t, g, o);
  for (int i = 0; i < kM; ++i) {
    float* row = y0 + std::size_t(i) * width;
    for (int q = 0; q < kLanes; ++q)
      for (int j = 0; j < kM; ++j)
        row[q * kM + j] = o[i * kM + j][q];
  }
}

// Columns a side-by-side group reads from its first patch column on: the
// portable gather needs 7 kM + t (34 or 36), the AVX2 one loads 8 floats
// at a time (36).
constexpr int kSideBySideWidth = 36;

// Row length of the zero-padded patch for side-by-side groups at the edges.
constexpr int kPatchWidth = 40;
static_assert(kPatchWidth >= kSideBySideWidth);

using InputSideBySide = void (*)(const Plan&, const float*, std::size_t, float*, std::size_t);
using OutputSideBySide = void (*)(const Plan&, const float*, std::size_t, float*, std::size_t);

#if ATELIER_WINOGRAD_AVX2
// The same two steps with AVX2: each patch row of eight tiles comes from
// eight unaligned loads and in-register transposes, and the transforms run
// on whole registers.
// Lanes j = 0..3 of tiles 0..7 from four registers holding tiles 0-1, 2-3,
// 4-5, 6-7 (four floats each), in tile order.
[[gnu::target("avx2,fma")]] inline void split4(__m256 a0, __m256 a1, __m256 a2, __m256 a3, v8f* c) {
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  const __m256 u0 = _mm256_unpacklo_ps(a0, a1), u1 = _mm256_unpackhi_ps(a0, a1);
  const __m256 u2 = _mm256_unpacklo_ps(a2, a3), u3 = _mm256_unpackhi_ps(a2, a3);
  c[0] = as_v8f(_mm256_permutevar8x32_ps(_mm256_shuffle_ps(u0, u2, 0x44), order));
  c[1] = as_v8f(_mm256_permutevar8x32_ps(_mm256_shuffle_ps(u0, u2, 0xEE), order));
  c[2] = as_v8f(_mm256_permutevar8x32_ps(_mm256_shuffle_ps(u1, u3, 0x44), order));
  c[3] = as_v8f(_mm256_permutevar8x32_ps(_mm256_shuffle_ps(u1, u3, 0xEE), order));
}

template <int T>
[[gnu::target("avx2,fma")]] void input_step_avx2(const float* x0, std::size_t width, float* v,
                                                 std::size_t v_elem) {
  v8f d[T * T];
  for (int i = 0; i < T; ++i) {
    const float* r = x0 + std::size_t(i) * width;
    v8f* di = d + i * T;
    // Columns 0-3, then 4 to T - 1 from loads four columns further.
    split4(_mm256_loadu_ps(r), _mm256_loadu_ps(r + 8), _mm256_loadu_ps(r + 16),
           _mm256_loadu_ps(r + 24), di);
    v8f shifted[4];
    split4(_mm256_loadu_ps(r + 4), _mm256_loadu_ps(r + 12), _mm256_loadu_ps(r + 20),
           _mm256_loadu_ps(r + 28), shifted);
    for (int j = 4; j < T; ++j)
      di[j] = shifted[j - 4];
  }
  input_tile<T>(d);
  for (int e = 0; e < T * T; ++e)
    _mm256_storeu_ps(v + e * v_elem, as_m256(d[e]));
}

[[gnu::target("avx2,fma")]] void input_side_by_side_avx2(const Plan& p, const float* x0,
                                                         std::size_t width, float* v,
                                                         std::size_t v_elem) {
  if (p.t == 8)
    input_step_avx2<8>(x0, width, v, v_elem);
  else
    input_step_avx2<6>(x0, width, v, v_elem);
}

template <int T>
[[gnu::target("avx2,fma")]] void output_step_avx2(const float* mm, std::size_t m_elem, float* y0,
                                                  std::size_t width) {
  v8f g[T * T], o[16];
  for (int e = 0; e < T * T; ++e)
    g[e] = as_v8f(_mm256_loadu_ps(mm + e * m_elem));
  output_tile<T>(g, o);
  for (int i = 0; i < 4; ++i) { // output row i of the eight tiles: 4 x 4 transposes
    float* row = y0 + std::size_t(i) * width;
    const v8f* c = o + i * 4;
    const __m256 u0 = _mm256_unpacklo_ps(as_m256(c[0]), as_m256(c[1]));
    const __m256 u1 = _mm256_unpackhi_ps(as_m256(c[0]), as_m256(c[1]));
    const __m256 u2 = _mm256_unpacklo_ps(as_m256(c[2]), as_m256(c[3]));
    const __m256 u3 = _mm256_unpackhi_ps(as_m256(c[2]), as_m256(c[3]));
    const __m256 w0 = _mm256_shuffle_ps(u0, u2, 0x44), w1 = _mm256_shuffle_ps(u0, u2, 0xEE);
    const __m256 w2 = _mm256_shuffle_ps(u1, u3, 0x44), w3 = _mm256_shuffle_ps(u1, u3, 0xEE);
    _mm256_storeu_ps(row, _mm256_permute2f128_ps(w0, w1, 0x20));
    _mm256_storeu_ps(row + 8, _mm256_permute2f128_ps(w2, w3, 0x20));
    _mm256_storeu_ps(row + 16, _mm256_permute2f128_ps(w0, w1, 0x31));
    _mm256_storeu_ps(row + 24, _mm256_permute2f128_ps(w2, w3, 0x31));
  }
}

[[gnu::target("avx2,fma")]] void output_side_by_side_avx2(const Plan& p, const float* mm,
                                                          std::size_t m_elem, float* y0,
                                                          std::size_t width) {
  if (p.t == 8)
    output_step_avx2<8>(mm, m_elem, y0, width);
  else
    output_step_avx2<6>(mm, m_elem, y0, width);
}
#endif

// ------------------------------------------------------------ products
// M[e] = U[e] (k x c) x V[e] (c x tiles) without an SGEMM's packing or its
// beta pass: the filters' transform writes them four output channels
// interleaved (up[e][k / 4][c][k % 4], zero rows past k), and V is read
// where the input transform wrote it, 24 tiles (three vectors) at a time.

#if ATELIER_WINOGRAD_AVX2
// M[e] rows [k0, k0 + rows) (rows <= 4) by columns [j, j + 24): a = four
// interleaved filter rows over c, b = V[e] at column j, row stride ld.
[[gnu::target("avx2,fma")]] void product_tile(const float* a, const float* b, int c, std::size_t ld,
                                              int rows, float* m) {
  __m256 acc[kProductRows][kProductVectors];
#pragma GCC unroll 8
  for (int r = 0; r < kProductRows; ++r)
#pragma GCC unroll 8
    for (int q = 0; q < kProductVectors; ++q)
      acc[r][q] = _mm256_setzero_ps();
  for (int i = 0; i < c; ++i) {
    __m256 bv[kProductVectors];
#pragma GCC unroll 8
    for (int q = 0; q < kProductVectors; ++q)
      bv[q] = _mm256_loadu_ps(b + std::size_t(i) * ld + q * kLanes);
    const float* ai = a + std::size_t(i) * kProductRows;
#pragma GCC unroll 8
    for (int r = 0; r < kProductRows; ++r) {
      const __m256 av = _mm256_broadcast_ss(ai + r);
#pragma GCC unroll 8
      for (int q = 0; q < kProductVectors; ++q)
        acc[r][q] = _mm256_fmadd_ps(av, bv[q], acc[r][q]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < kProductRows; ++r)
    if (r < rows)
#pragma GCC unroll 8
      for (int q = 0; q < kProductVectors; ++q)
        _mm256_storeu_ps(m + std::size_t(r) * ld + q * kLanes, acc[r][q]);
}

// All of M[e] for the block's `count` tiles (columns past count, up to the
// next multiple of 24, are computed from V's zeroed tail and never read).
void product_avx2(const Conv2dShape& sh, const Plan& p, const float* up, const float* v, int count,
                  int e, float* mm) {
  const float* ue = up + std::size_t(e) * p.kp * std::size_t(sh.c);
  const float* ve = v + std::size_t(e) * sh.c * std::size_t(p.block);
  float* me = mm + std::size_t(e) * sh.k * std::size_t(p.block);
  const std::size_t ld = std::size_t(p.block);
  for (int j = 0; j < count; j += kProductColumns)
    for (int k0 = 0; k0 < sh.k; k0 += kProductRows)
      product_tile(ue + std::size_t(k0) * sh.c, ve + j, sh.c, ld, std::min(kProductRows, sh.k - k0),
                   me + std::size_t(k0) * ld + j);
}

// product_tile 16 lanes wide: columns [j, j + 16 VECS), then 8 more masked
// with HALF (a last 24 of them). Each column's sum runs over c in the same
// order, one FMA at a time, so M is the AVX2 tile's bit for bit.
template <int VECS, bool HALF>
[[gnu::target("avx512f")]] void product_tile512(const float* a, const float* b, int c,
                                                std::size_t ld, int rows, float* m) {
  constexpr int kVecs = VECS + (HALF ? 1 : 0);
  constexpr __mmask16 kHalf = 0x00FF;
  __m512 acc[kProductRows][kVecs];
#pragma GCC unroll 8
  for (int r = 0; r < kProductRows; ++r)
#pragma GCC unroll 8
    for (int q = 0; q < kVecs; ++q)
      acc[r][q] = _mm512_setzero_ps();
  for (int i = 0; i < c; ++i) {
    const float* bi = b + std::size_t(i) * ld;
    __m512 bv[kVecs];
#pragma GCC unroll 8
    for (int q = 0; q < kVecs; ++q)
      bv[q] = HALF && q == VECS ? _mm512_maskz_loadu_ps(kHalf, bi + 16 * q)
                                : _mm512_loadu_ps(bi + 16 * q);
    const float* ai = a + std::size_t(i) * kProductRows;
#pragma GCC unroll 8
    for (int r = 0; r < kProductRows; ++r) {
      const __m512 av = _mm512_set1_ps(ai[r]);
#pragma GCC unroll 8
      for (int q = 0; q < kVecs; ++q)
        acc[r][q] = _mm512_fmadd_ps(av, bv[q], acc[r][q]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < kProductRows; ++r)
    if (r < rows)
#pragma GCC unroll 8
      for (int q = 0; q < kVecs; ++q) {
        float* out = m + std::size_t(r) * ld + 16 * q;
        if (HALF && q == VECS)
          _mm512_mask_storeu_ps(out, kHalf, acc[r][q]);
        else
          _mm512_storeu_ps(out, acc[r][q]);
      }
}

// product_avx2's M with AVX-512: 48 columns a tile, a last 24 half-masked
// (V is zeroed to a whole 24, never further).
void product_avx512(const Conv2dShape& sh, const Plan& p, const float* up, const float* v,
                    int count, int e, float* mm) {
  const float* ue = up + std::size_t(e) * p.kp * std::size_t(sh.c);
  const float* ve = v + std::size_t(e) * sh.c * std::size_t(p.block);
  float* me = mm + std::size_t(e) * sh.k * std::size_t(p.block);
  const std::size_t ld = std::size_t(p.block);
  const int tail = (count + kProductColumns - 1) / kProductColumns * kProductColumns;
  int j = 0;
  for (; j + 2 * kProductColumns <= tail; j += 2 * kProductColumns)
    for (int k0 = 0; k0 < sh.k; k0 += kProductRows)
      product_tile512<3, false>(ue + std::size_t(k0) * sh.c, ve + j, sh.c, ld,
                                std::min(kProductRows, sh.k - k0), me + std::size_t(k0) * ld + j);
  if (j < tail)
    for (int k0 = 0; k0 < sh.k; k0 += kProductRows)
      product_tile512<1, true>(ue + std::size_t(k0) * sh.c, ve + j, sh.c, ld,
                               std::min(kProductRows, sh.k - k0), me + std::size_t(k0) * ld + j);
}
#endif

// The side-by-side steps for this machine (AVX2 and FMA when present).
struct SideBySide {
  InputSideBySide input = input_side_by_side;
  OutputSideBySide output = output_side_by_side;
};
bool use_avx2() {
  static const bool avx2 = [] {
#if ATELIER_WINOGRAD_AVX2
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
  }();
  return avx2 && !g_portable_only.load(std::memory_order_relaxed);
}

bool use_avx512() {
  static const bool avx512 = [] {
#if ATELIER_WINOGRAD_AVX2
    return __builtin_cpu_supports("avx512f") != 0;
#else
    return false;
#endif
  }();
  return avx512 && use_avx2() && !g_no_avx512.load(std::memory_order_relaxed);
}

SideBySide side_by_side_steps() {
  SideBySide s;
#if ATELIER_WINOGRAD_AVX2
  if (use_avx2()) {
    s.input = input_side_by_side_avx2;
    s.output = output_side_by_side_avx2;
  }
#endif
  return s;
}

// Groups of eight tiles a chunk holds: the transforms go channel by channel
// over a chunk's groups, so each channel's rows are read, and each row of V
// or M used, along its length. Group by group over all channels (every
// group touching C pages of x and e C lines of V), forward 97 -> 64 5x5 at
// 256^2 and 144 -> 96 3x3 at 64^2 were 1.08-1.1x slower; 48 -> 48 3x3 the
// same. (Chunks of 4 or 8 groups gained 3-6%.)
constexpr int kChunkGroups = 16;

// The groups of eight tiles of the chunk starting at tile `chunk` of a
// block (of count tiles from t0): origins, lanes and whether side by side.
struct TileGroup {
  TileOrigin o[kLanes];
  int lanes = 0;
  bool beside = false;
};
int chunk_groups(const Plan& p, std::int64_t t0, int chunk, int count, TileGroup* groups) {
  const int n = std::min(kChunkGroups, (count - chunk + kLanes - 1) / kLanes);
  for (int g = 0; g < n; ++g) {
    TileGroup& gr = groups[g];
    gr.lanes = std::min(kLanes, count - chunk - g * kLanes);
    tile_origins(p, t0 + chunk + g * kLanes, gr.lanes, gr.o);
    gr.beside = side_by_side(gr.o, gr.lanes);
  }
  return n;
}

void transform_inputs(const Conv2dShape& sh, const Plan& p, const float* x, std::int64_t t0,
                      int count, int c0, int c1, float* v) {
  v8f d[kMaxE];
  // One zero-padded patch per edge group of the chunk: the zeros are the
  // same for every channel, the rows inside the image are copied per channel.
  alignas(32) float patches[kChunkGroups][kMaxT * kPatchWidth];
  const std::size_t plane = std::size_t(sh.h) * std::size_t(sh.w);
  const std::size_t v_row = std::size_t(p.block), v_elem = std::size_t(sh.c) * v_row;
  const InputSideBySide step = side_by_side_steps().input;
  const int width = kSideBySideWidth;
  for (int chunk = 0; chunk < count; chunk += kChunkGroups * kLanes) {
    TileGroup groups[kChunkGroups];
    const int n_groups = chunk_groups(p, t0, chunk, count, groups);
    // Side by side inside the image: read in place; across an edge: through
    // a zero-padded patch; anything else value by value.
    bool inside[kChunkGroups] = {};
    for (int g = 0; g < n_groups; ++g) {
      if (!groups[g].beside) continue;
      const int iy0 = groups[g].o[0].oy - sh.pad_h, ix0 = groups[g].o[0].ox - sh.pad_w;
      inside[g] = iy0 >= 0 && ix0 >= 0 && iy0 + p.t <= sh.h && ix0 + width <= sh.w;
      if (!inside[g]) std::fill_n(patches[g], p.t * kPatchWidth, 0.0f);
    }
    for (int c = c0; c < c1; ++c)
      for (int g = 0; g < n_groups; ++g) {
        const TileGroup& gr = groups[g];
        const TileOrigin* o = gr.o;
        const int j0 = chunk + g * kLanes;
        float* vc = v + std::size_t(c) * v_row + j0;
        const int iy0 = o[0].oy - sh.pad_h, ix0 = o[0].ox - sh.pad_w;
        const float* xc = x + (std::size_t(o[0].n) * sh.c + c) * plane;
        if (inside[g]) {
          step(p, xc + std::size_t(iy0) * sh.w + ix0, std::size_t(sh.w), vc, v_elem);
          continue;
        }
        if (gr.beside) {
          const int lo = std::max(ix0, 0), hi = std::min(ix0 + width, sh.w);
          for (int i = 0; i < p.t; ++i) {
            const int iy = iy0 + i;
            if (iy < 0 || iy >= sh.h || lo >= hi) continue;
            std::copy(xc + std::size_t(iy) * sh.w + lo, xc + std::size_t(iy) * sh.w + hi,
                      patches[g] + i * kPatchWidth + (lo - ix0));
          }
          step(p, patches[g], kPatchWidth, vc, v_elem);
          continue;
        }
        for (int q = 0; q < kLanes; ++q) {
          if (q >= gr.lanes) {
            for (int e = 0; e < p.e; ++e)
              d[e][q] = 0.0f;
            continue;
          }
          const float* xq = x + (std::size_t(o[q].n) * sh.c + c) * plane;
          const int ty = o[q].oy - sh.pad_h, tx = o[q].ox - sh.pad_w;
          for (int i = 0; i < p.t; ++i) {
            const int iy = ty + i;
            for (int jj = 0; jj < p.t; ++jj) {
              const int ix = tx + jj;
              d[i * p.t + jj][q] = iy >= 0 && iy < sh.h && ix >= 0 && ix < sh.w
                                       ? xq[std::size_t(iy) * sh.w + ix]
                                       : 0.0f;
            }
          }
        }
        input_transform(p.t, d);
        for (int e = 0; e < p.e; ++e)
          for (int q = 0; q < gr.lanes; ++q)
            vc[e * v_elem + q] = d[e][q];
      }
  }
}

// y for output channels [k0, k1) of tiles [t0, t0 + count) from M[e][k][j].
void transform_outputs(const Conv2dShape& sh, const Plan& p, const float* mm, std::int64_t t0,
                       int count, int k0, int k1, float* y) {
  v8f g8[kMaxE], out[16];
  const std::size_t plane = std::size_t(p.out_h) * std::size_t(p.out_w);
  const std::size_t m_row = std::size_t(p.block), m_elem = std::size_t(sh.k) * m_row;
  const OutputSideBySide step = side_by_side_steps().output;
  for (int chunk = 0; chunk < count; chunk += kChunkGroups * kLanes) {
    TileGroup groups[kChunkGroups];
    const int n_groups = chunk_groups(p, t0, chunk, count, groups);
    for (int k = k0; k < k1; ++k)
      for (int g = 0; g < n_groups; ++g) {
        const TileGroup& gr = groups[g];
        const TileOrigin* o = gr.o;
        const float* mk = mm + std::size_t(k) * m_row + chunk + g * kLanes;
        if (gr.beside && o[0].oy + kM <= p.out_h && o[0].ox + kLanes * kM <= p.out_w) {
          float* yk = y + (std::size_t(o[0].n) * sh.k + k) * plane;
          step(p, mk, m_elem, yk + std::size_t(o[0].oy) * p.out_w + o[0].ox, std::size_t(p.out_w));
          continue;
        }
        for (int e = 0; e < p.e; ++e) {
          g8[e] = v8f{};
          for (int q = 0; q < gr.lanes; ++q)
            g8[e][q] = mk[e * m_elem + q];
        }
        output_transform(p.t, g8, out);
        for (int q = 0; q < gr.lanes; ++q) {
          float* yk = y + (std::size_t(o[q].n) * sh.k + k) * plane;
          const int rows = std::min(kM, p.out_h - o[q].oy), cols = std::min(kM, p.out_w - o[q].ox);
          for (int i = 0; i < rows; ++i) {
            float* row = yk + std::size_t(o[q].oy + i) * p.out_w + o[q].ox;
            for (int jj = 0; jj < cols; ++jj)
              row[jj] = out[i * kM + jj][q];
          }
        }
      }
  }
}

bool winograd_fits(const Conv2dShape& sh) {
  return sh.stride_h == 1 && sh.stride_w == 1 && sh.dilation_h == 1 && sh.dilation_w == 1 &&
         sh.r == sh.s && (sh.r == 3 || sh.r == 5);
}

} // namespace winograd

using namespace winograd;

bool conv2d_winograd_applies(const Conv2dShape& sh) {
  const int mode = g_mode.load(std::memory_order_relaxed);
  if (mode < 0 || !winograd_fits(sh)) return false;
  if (mode > 0) return true;
  const int channels = use_avx2() ? kWinogradMinChannelsAvx2 : kWinogradMinChannels;
  const bool wide = sh.c >= kWinogradMinChannels && sh.k >= kWinogradMinChannels;
  return sh.c >= channels && sh.k >= channels && sh.out_w() >= kWinogradMinWidth &&
         std::int64_t(sh.n) * sh.out_h() * sh.out_w() >=
             (wide ? kWinogradMinPixelsWide : kWinogradMinPixels);
}

namespace winograd {
int mode() {
  return g_mode.load(std::memory_order_relaxed);
}
} // namespace winograd

std::size_t conv2d_winograd_workspace_floats(const Conv2dShape& shape) {
  const Plan p = make_plan(shape);
  return p.u_floats + std::size_t(p.e) * std::size_t(shape.c + shape.k) * std::size_t(p.block);
}

void conv2d_winograd_forward(const Conv2dShape& sh, const float* x, const float* w, float* y,
                             float* workspace) {
  if (!winograd_fits(sh))
    throw Error("conv2d_winograd_forward: needs stride 1, dilation 1 and a 3x3 or 5x5 kernel");
  const Plan p = make_plan(sh);
  float* u = workspace; // U, or with AVX2 its packed layout up
  float* v = u + p.u_floats;
  float* mm = v + p.v_floats;
  const bool packed = use_avx2();
  [[maybe_unused]] const bool wide = packed && use_avx512();
  filter_transform(sh, p, w, u, packed);
  const std::size_t kc = std::size_t(sh.k) * std::size_t(sh.c);
  for (std::int64_t t0 = 0; t0 < p.tiles; t0 += p.block) {
    const int count = int(std::min<std::int64_t>(p.block, p.tiles - t0));
    const std::size_t floats = std::size_t(p.e) * std::size_t(count) * std::size_t(sh.c + sh.k);
    const int in_parts = cpu_pool_parts(floats, std::size_t(sh.c));
    auto inputs = [&](int part) {
      transform_inputs(sh, p, x, t0, count, int(std::int64_t(sh.c) * part / in_parts),
                       int(std::int64_t(sh.c) * (part + 1) / in_parts), v);
    };
    cpu_parallel_parts(in_parts, inputs);
    if (packed) {
      // V's columns past count, to the next whole register tile, as zeros.
      const int tail = (count + kProductColumns - 1) / kProductColumns * kProductColumns;
      for (std::size_t row = 0; tail > count && row < std::size_t(p.e) * sh.c; ++row)
        std::fill_n(v + row * std::size_t(p.block) + count, tail - count, 0.0f);
    }
    // The e products, each on one thread, spread over the pool: the AVX2
    // kernel's, or OpenBLAS's (or the built-in GEMM's) single-threaded on
    // parts; an OpenMP OpenBLAS threads each product itself.
    auto product = [&](int e) {
#if ATELIER_WINOGRAD_AVX2
      if (packed) {
        if (wide)
          product_avx512(sh, p, u, v, count, e, mm);
        else
          product_avx2(sh, p, u, v, count, e, mm);
        return;
      }
#endif
      sgemm_cpu_serial(false, false, sh.k, count, sh.c, u + std::size_t(e) * kc, sh.c,
                       v + std::size_t(e) * sh.c * std::size_t(p.block), p.block, 0.0f,
                       mm + std::size_t(e) * sh.k * std::size_t(p.block), p.block);
    };
    if (packed || cpu_pool_splits_blas()) {
      const int parts = cpu_pool_parts(floats + kc * std::size_t(p.e), std::size_t(p.e));
      auto products = [&](int part) {
        for (int e = p.e * part / parts; e < p.e * (part + 1) / parts; ++e)
          product(e);
      };
      cpu_parallel_parts(parts, products);
    } else {
      for (int e = 0; e < p.e; ++e)
        sgemm_cpu(false, false, sh.k, count, sh.c, u + std::size_t(e) * kc, sh.c,
                  v + std::size_t(e) * sh.c * std::size_t(p.block), p.block, 0.0f,
                  mm + std::size_t(e) * sh.k * std::size_t(p.block), p.block);
    }
    const int out_parts = cpu_pool_parts(floats, std::size_t(sh.k));
    auto outputs = [&](int part) {
      transform_outputs(sh, p, mm, t0, count, int(std::int64_t(sh.k) * part / out_parts),
                        int(std::int64_t(sh.k) * (part + 1) / out_parts), y);
    };
    cpu_parallel_parts(out_parts, outputs);
  }
}

namespace testing {
void set_conv2d_winograd_mode(int mode) {
  g_mode.store(mode);
}
void set_conv2d_winograd_portable(bool portable) {
  g_portable_only.store(portable);
}
void set_conv2d_winograd_avx512(bool allowed) {
  g_no_avx512.store(!allowed);
}
} // namespace testing

} // namespace atelier::nn
