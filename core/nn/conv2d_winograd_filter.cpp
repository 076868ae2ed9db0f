// Winograd filter gradient (see conv2d_winograd.h) on the forward pass's
// tiles (6x6 for 3x3 kernels, 8x8 for 5x5). The forward pass per tile is
// y = A^T [(G g G^T) . (B^T d B)] A, so the filter gradient is
// dg = G^T [sum over tiles (A dy A^T) . (B^T d B)] G: the input transform as
// in the forward pass, dy's tiles through A (the output transform's adjoint:
// its polynomial evaluated at the points), e = 36 or 64 products
// M[e][c][k] = sum_t Z[e][k][t] V[e][c][t] with the reduction over tiles,
// and G^T M G per filter at the end.
// Per block of tiles: the input transform into V[e][C][tiles] (as the
// forward pass), dy's into Zt[e][tiles][K] (eight output channels to a
// vector), and per element e the products summed over the block's tiles in
// float, then into M in double; G^T M G per filter once every block is in.
#include "core/nn/conv2d_winograd.h"
#include "core/nn/conv2d_winograd_points.h"
#include "core/nn/conv2d_winograd_tiles.h"

#include "core/base/error.h"
#include "core/base/float4.h"
#include "core/nn/cpu_pool.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace atelier::nn {
using namespace winograd;
namespace {

#if ATELIER_WINOGRAD_AVX2
// z[e][lane] = (A Y A^T)[e] for eight 4 x 4 blocks y[i * 4 + j][lane].
template <int T>
[[gnu::target("avx2,fma")]] void gradient_tile_transform(const v8f* y, float* z,
                                                         std::size_t z_elem) {
  v8f t[T * 4], o[T * T];
  for (int j = 0; j < 4; ++j) // A Y: down the columns
    a_rows<T>(y + j, 4, t + j, 4);
  for (int row = 0; row < T; ++row) // (A Y) A^T: along the rows
    a_rows<T>(t + row * 4, 1, o + row * T, 1);
  for (int e = 0; e < T * T; ++e)
    _mm256_storeu_ps(z + e * z_elem, as_m256(o[e]));
}

[[gnu::target("avx2,fma")]] void gradient_transform_avx2(const Plan& p, const v8f* y, float* z,
                                                         std::size_t z_elem) {
  if (p.t == 8)
    gradient_tile_transform<8>(y, z, z_elem);
  else
    gradient_tile_transform<6>(y, z, z_elem);
}

// out[i][lane] = in[lane][i]: an 8 x 8 transpose in registers.
[[gnu::target("avx2,fma")]] void transpose8(const __m256* in, __m256* out) {
  __m256 u[8], w[8];
  for (int i = 0; i < 8; i += 2) {
    u[i] = _mm256_unpacklo_ps(in[i], in[i + 1]);
    u[i + 1] = _mm256_unpackhi_ps(in[i], in[i + 1]);
  }
  for (int i = 0; i < 8; i += 4)
    for (int h = 0; h < 2; ++h) {
      w[i + 2 * h] = _mm256_shuffle_ps(u[i + h], u[i + h + 2], 0x44);
      w[i + 2 * h + 1] = _mm256_shuffle_ps(u[i + h], u[i + h + 2], 0xEE);
    }
  for (int i = 0; i < 4; ++i) {
    out[i] = _mm256_permute2f128_ps(w[i], w[i + 4], 0x20);
    out[i + 4] = _mm256_permute2f128_ps(w[i], w[i + 4], 0x31);
  }
}

// Zt[e][j][k] (output channels contiguous, kz of them: k rounded up to a
// multiple of 8, zeros past k) for channel groups [g0, g1) of eight and
// tiles [t0, t0 + count), eight channels in the lanes. Eight side-by-side
// tiles inside dy load their rows eight channels at a time and turn them by
// 8 x 8 transposes; others gather value by value.
[[gnu::target("avx2,fma")]] void transform_gradients(const Conv2dShape& sh, const Plan& p,
                                                     const float* dy, std::int64_t t0, int count,
                                                     int g0, int g1, float* zt) {
  const std::size_t plane = std::size_t(p.out_h) * std::size_t(p.out_w);
  const std::size_t z_elem = std::size_t(p.block) * p.kz;
  constexpr int width = kLanes * kM;
  for (int j0 = 0; j0 < count; j0 += kLanes) {
    const int lanes = std::min(kLanes, count - j0);
    TileOrigin o[kLanes];
    tile_origins(p, t0 + j0, lanes, o);
    const bool inside =
        side_by_side(o, lanes) && o[0].oy + kM <= p.out_h && o[0].ox + width <= p.out_w;
    for (int g = g0; g < g1; ++g) {
      const int k0 = g * kLanes;
      float* zg = zt + std::size_t(j0) * p.kz + k0;
      if (inside && k0 + kLanes <= sh.k) {
        const float* d0 = dy + (std::size_t(o[0].n) * sh.k + k0) * plane +
                          std::size_t(o[0].oy) * p.out_w + o[0].ox;
        __m256 cols[4][4 * kLanes]; // [row][column]: the group's eight channels
        for (int i = 0; i < kM; ++i)
          for (int x0 = 0; x0 < width; x0 += kLanes) {
            __m256 in[kLanes];
            for (int kk = 0; kk < kLanes; ++kk)
              in[kk] = _mm256_loadu_ps(d0 + kk * plane + std::size_t(i) * p.out_w + x0);
            transpose8(in, cols[i] + x0);
          }
        for (int q = 0; q < kLanes; ++q) {
          v8f y[16];
          for (int i = 0; i < kM; ++i)
            for (int j = 0; j < kM; ++j)
              y[i * kM + j] = as_v8f(cols[i][q * kM + j]);
          gradient_transform_avx2(p, y, zg + std::size_t(q) * p.kz, z_elem);
        }
        continue;
      }
      for (int q = 0; q < lanes; ++q) {
        alignas(32) float gy[16 * kLanes] = {};
        const int rows = std::min(kM, p.out_h - o[q].oy), cols = std::min(kM, p.out_w - o[q].ox);
        for (int kk = 0; kk < kLanes && k0 + kk < sh.k; ++kk) {
          const float* dyk = dy + (std::size_t(o[q].n) * sh.k + k0 + kk) * plane;
          for (int i = 0; i < rows; ++i)
            for (int j = 0; j < cols; ++j)
              gy[(i * kM + j) * kLanes + kk] =
                  dyk[std::size_t(o[q].oy + i) * p.out_w + o[q].ox + j];
        }
        v8f y[16];
        for (int e = 0; e < kM * kM; ++e)
          y[e] = as_v8f(_mm256_load_ps(gy + e * kLanes));
        gradient_transform_avx2(p, y, zg + std::size_t(q) * p.kz, z_elem);
      }
    }
  }
}

// The products' register tile: 4 input channels by 3 vectors of output
// channels (24), summed over a block's tiles.
constexpr int kGradientRows = 4;
constexpr int kGradientVectors = 3;

// acc[c][k] += sum over tiles j < count of v[c][j] zt[j][k] for input
// channels c0.. (rows of them; v at row c0, ld_v floats between rows) and the
// VECS vectors of output channels at zt (ld_z floats between tiles); acc at
// [c0][k0], ld_acc doubles between rows. Sums in float over the block, then
// added in double.
template <int VECS>
[[gnu::target("avx2,fma")]] void gradient_tile(const float* v, std::size_t ld_v, const float* zt,
                                               std::size_t ld_z, int count, int rows, double* acc,
                                               std::size_t ld_acc) {
  const float* vr[kGradientRows];
  for (int r = 0; r < kGradientRows; ++r) // rows past the end repeat the last
    vr[r] = v + std::size_t(std::min(r, rows - 1)) * ld_v;
  __m256 s[kGradientRows][VECS];
#pragma GCC unroll 8
  for (int r = 0; r < kGradientRows; ++r)
#pragma GCC unroll 8
    for (int q = 0; q < VECS; ++q)
      s[r][q] = _mm256_setzero_ps();
  for (int j = 0; j < count; ++j) {
    __m256 zv[VECS];
#pragma GCC unroll 8
    for (int q = 0; q < VECS; ++q)
      zv[q] = _mm256_loadu_ps(zt + std::size_t(j) * ld_z + q * kLanes);
#pragma GCC unroll 8
    for (int r = 0; r < kGradientRows; ++r) {
      const __m256 vv = _mm256_broadcast_ss(vr[r] + j);
#pragma GCC unroll 8
      for (int q = 0; q < VECS; ++q)
        s[r][q] = _mm256_fmadd_ps(vv, zv[q], s[r][q]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < kGradientRows; ++r) {
    if (r >= rows) break;
    double* a = acc + std::size_t(r) * ld_acc;
#pragma GCC unroll 8
    for (int q = 0; q < VECS; ++q) {
      double* aq = a + q * kLanes;
      _mm256_storeu_pd(
          aq, _mm256_add_pd(_mm256_loadu_pd(aq), _mm256_cvtps_pd(_mm256_castps256_ps128(s[r][q]))));
      _mm256_storeu_pd(aq + 4, _mm256_add_pd(_mm256_loadu_pd(aq + 4),
                                             _mm256_cvtps_pd(_mm256_extractf128_ps(s[r][q], 1))));
    }
  }
}

// gradient_tile 16 lanes wide: output channels [0, 16 VECS), then 8 more
// masked with HALF. Each sum runs over the tiles in the same order, one FMA
// at a time, then is added in double: the AVX2 tile's bits.
template <int VECS, bool HALF>
[[gnu::target("avx512f")]] void gradient_tile512(const float* v, std::size_t ld_v, const float* zt,
                                                 std::size_t ld_z, int count, int rows, double* acc,
                                                 std::size_t ld_acc) {
  constexpr int kVecs = VECS + (HALF ? 1 : 0);
  constexpr __mmask16 kHalf = 0x00FF;
  const float* vr[kGradientRows];
  for (int r = 0; r < kGradientRows; ++r) // rows past the end repeat the last
    vr[r] = v + std::size_t(std::min(r, rows - 1)) * ld_v;
  __m512 s[kGradientRows][kVecs];
#pragma GCC unroll 8
  for (int r = 0; r < kGradientRows; ++r)
#pragma GCC unroll 8
    for (int q = 0; q < kVecs; ++q)
      s[r][q] = _mm512_setzero_ps();
  for (int j = 0; j < count; ++j) {
    const float* zj = zt + std::size_t(j) * ld_z;
    __m512 zv[kVecs];
#pragma GCC unroll 8
    for (int q = 0; q < kVecs; ++q)
      zv[q] = HALF && q == VECS ? _mm512_maskz_loadu_ps(kHalf, zj + 16 * q)
                                : _mm512_loadu_ps(zj + 16 * q);
#pragma GCC unroll 8
    for (int r = 0; r < kGradientRows; ++r) {
      const __m512 vv = _mm512_set1_ps(vr[r][j]);
#pragma GCC unroll 8
      for (int q = 0; q < kVecs; ++q)
        s[r][q] = _mm512_fmadd_ps(vv, zv[q], s[r][q]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < kGradientRows; ++r) {
    if (r >= rows) break;
    double* a = acc + std::size_t(r) * ld_acc;
#pragma GCC unroll 8
    for (int q = 0; q < kVecs; ++q) {
      // Through memory: GCC 12 warns of its own undefined vectors in the
      // 512-bit converts (a false positive, fixed in GCC 13).
      alignas(64) float sums[16];
      _mm512_store_ps(sums, s[r][q]);
      double* aq = a + 16 * q;
      const int n = HALF && q == VECS ? 8 : 16;
      for (int i = 0; i < n; i += 4)
        _mm256_storeu_pd(
            aq + i, _mm256_add_pd(_mm256_loadu_pd(aq + i), _mm256_cvtps_pd(_mm_load_ps(sums + i))));
    }
  }
}

using GradientTile = void (*)(const float*, std::size_t, const float*, std::size_t, int, int,
                              double*, std::size_t);

// The AVX-512 tile for `width` output channels (a multiple of 8, at most 48).
GradientTile gradient_tile512_for(int width) {
  switch (width) {
  case 48: return gradient_tile512<3, false>;
  case 40: return gradient_tile512<2, true>;
  case 32: return gradient_tile512<2, false>;
  case 24: return gradient_tile512<1, true>;
  case 16: return gradient_tile512<1, false>;
  default: return gradient_tile512<0, true>;
  }
}

// M[e][c][k] += the block's products for element e.
void gradient_products(const Conv2dShape& sh, const Plan& p, const float* zt, const float* v,
                       int count, int e, double* acc) {
  const std::size_t ld = std::size_t(p.block);
  const float* ze = zt + std::size_t(e) * ld * p.kz;
  const float* ve = v + std::size_t(e) * sh.c * ld;
  double* ae = acc + std::size_t(e) * sh.c * std::size_t(p.kz);
  if (use_avx512()) {
    constexpr int kWidth = 2 * kGradientVectors * kLanes; // 48 output channels
    for (int k0 = 0; k0 < p.kz; k0 += kWidth) {
      const GradientTile tile = gradient_tile512_for(std::min(kWidth, p.kz - k0));
      for (int c0 = 0; c0 < sh.c; c0 += kGradientRows)
        tile(ve + std::size_t(c0) * ld, ld, ze + k0, std::size_t(p.kz), count,
             std::min(kGradientRows, sh.c - c0), ae + std::size_t(c0) * p.kz + k0,
             std::size_t(p.kz));
    }
    return;
  }
  const int vectors = p.kz / kLanes;
  for (int q0 = 0; q0 < vectors; q0 += kGradientVectors) {
    const int vecs = std::min(kGradientVectors, vectors - q0);
    const auto tile = vecs == 3   ? gradient_tile<3>
                      : vecs == 2 ? gradient_tile<2>
                                  : gradient_tile<1>;
    for (int c0 = 0; c0 < sh.c; c0 += kGradientRows)
      tile(ve + std::size_t(c0) * ld, ld, ze + q0 * kLanes, std::size_t(p.kz), count,
           std::min(kGradientRows, sh.c - c0), ae + std::size_t(c0) * p.kz + q0 * kLanes,
           std::size_t(p.kz));
  }
}
#endif

// dw[k][c] (= or +=) G^T M[.][c][k] G for output channels [k0, k1), in
// double, four output channels at a time (M's rows run along k).
ATELIER_HOT_LOOP void gradient_filters(const Conv2dShape& sh, const Plan& p, const double* acc,
                                       int k0, int k1, float* dw, bool accumulate) {
  const int r = sh.r;
  double g[kMaxT][5];
  interpolation_rows(r, p.t, g);
  const std::size_t e_stride = std::size_t(sh.c) * std::size_t(p.kz);
  for (int c = 0; c < sh.c; ++c)
    for (int k = k0; k < k1; k += kDoubleLanes) {
      const int lanes = std::min(kDoubleLanes, k1 - k);
      const double* mk = acc + std::size_t(c) * p.kz + k;
      // Whole vectors where M's row has them (lanes past k1 are computed
      // and not stored): the lane-by-lane copy stalled its loads.
      const bool whole = k + kDoubleLanes <= p.kz;
      v4d mm[kMaxE];
      for (int e = 0; e < p.e; ++e) {
        const double* src = mk + std::size_t(e) * e_stride;
        if (whole) {
          std::memcpy(&mm[e], src, sizeof(v4d));
        } else {
          mm[e] = v4d{};
          std::memcpy(&mm[e], src, std::size_t(lanes) * sizeof(double));
        }
      }
      v4d gmg[25];
      const auto gl = [&g](int i, int a) { return g[a][i]; };
      if (p.t == 8)
        sandwich4<5, 8>(gl, mm, gmg);
      else
        sandwich4<3, 6>(gl, mm, gmg);
      for (int t = 0; t < r * r; ++t)
        for (int l = 0; l < lanes; ++l) {
          float& out = dw[(std::size_t(k + l) * sh.c + c) * std::size_t(r * r) + t];
          out = accumulate ? float(double(out) + gmg[t][l]) : float(gmg[t][l]);
        }
    }
}

} // namespace

bool conv2d_winograd_filter_applies(const Conv2dShape& sh) {
  if (!use_avx2()) return false;
  if (conv2d_winograd_applies(sh)) return true;
  return mode() == 0 && winograd_fits(sh) && sh.c >= kWinogradMinChannels &&
         sh.k >= kWinogradMinChannels && sh.out_w() >= kWinogradFilterMinWidth &&
         std::int64_t(sh.n) * sh.out_h() * sh.out_w() >= kWinogradFilterMinPixels;
}

std::size_t conv2d_winograd_filter_workspace_floats(const Conv2dShape& shape) {
  const Plan p = make_plan(shape);
  // V and Zt of a block, then M in double (aligned by at most one float).
  return std::size_t(p.e) * std::size_t(shape.c + p.kz) * std::size_t(p.block) +
         2 * std::size_t(p.e) * std::size_t(shape.c) * std::size_t(p.kz) + 1;
}

void conv2d_winograd_backward_filter(const Conv2dShape& sh, const float* x, const float* dy,
                                     float* dw, float* workspace, bool accumulate) {
  if (!winograd_fits(sh) || !use_avx2())
    throw Error("conv2d_winograd_backward_filter: needs stride 1, dilation 1, a 3x3 or 5x5 "
                "kernel and a machine with AVX2 and FMA");
#if ATELIER_WINOGRAD_AVX2
  const Plan p = make_plan(sh);
  float* v = workspace;
  float* z = v + p.v_floats;
  float* after = z + std::size_t(p.e) * p.kz * std::size_t(p.block);
  double* acc = reinterpret_cast<double*>(
      after + (reinterpret_cast<std::uintptr_t>(after) % alignof(double) ? 1 : 0));
  const std::size_t acc_count = std::size_t(p.e) * std::size_t(sh.c) * std::size_t(p.kz);
  std::fill_n(acc, acc_count, 0.0);
  for (std::int64_t t0 = 0; t0 < p.tiles; t0 += p.block) {
    const int count = int(std::min<std::int64_t>(p.block, p.tiles - t0));
    const std::size_t floats = std::size_t(p.e) * std::size_t(count) * std::size_t(sh.c + sh.k);
    const int groups = p.kz / kLanes;
    const int in_parts = cpu_pool_parts(floats, std::size_t(std::min(sh.c, groups)));
    auto transforms = [&](int part) {
      // Parts split input channels and groups of output channels alike.
      transform_inputs(sh, p, x, t0, count, int(std::int64_t(sh.c) * part / in_parts),
                       int(std::int64_t(sh.c) * (part + 1) / in_parts), v);
      transform_gradients(sh, p, dy, t0, count, groups * part / in_parts,
                          groups * (part + 1) / in_parts, z);
    };
    cpu_parallel_parts(in_parts, transforms);
    const int parts = cpu_pool_parts(floats + acc_count, std::size_t(p.e));
    auto products = [&](int part) {
      for (int e = p.e * part / parts; e < p.e * (part + 1) / parts; ++e)
        gradient_products(sh, p, z, v, count, e, acc);
    };
    cpu_parallel_parts(parts, products);
  }
  const int out_parts = cpu_pool_parts(acc_count, std::size_t(sh.k));
  auto filters = [&](int part) {
    gradient_filters(sh, p, acc, int(std::int64_t(sh.k) * part / out_parts),
                     int(std::int64_t(sh.k) * (part + 1) / out_parts), dw, accumulate);
  };
  cpu_parallel_parts(out_parts, filters);
#else
  (void)x, (void)dy, (void)dw, (void)workspace, (void)accumulate;
#endif
}

} // namespace atelier::nn
