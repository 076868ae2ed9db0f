// The Winograd transforms' rows for the two tile sides (conv2d_winograd.h:
// F(4x4, 3x3) on 6x6 tiles, F(4x4, 5x5) on 8x8), on eight lanes (tiles or
// channels) at a time: B^T (input), A^T (output) and A (the filter
// gradient's dy). Points, in row order: 0, 1, -1, 2, -2 and infinity on 6x6
// tiles; 0, 1, -1, 2, -2, 1/2, -1/2 and infinity on 8x8 tiles. B^T's row for a finite point p holds
// the coefficients of prod_{q != p} (x - q), infinity's those of prod_q (x - q); G's rows
// (interpolation_rows) hold p^j / prod_{q != p} (p - q); A^T's row i holds
// p^i, and 1 at infinity in its last row. The rows are written as sums and
// differences of the even and odd parts, which pair the points +-p. Internal
// to conv2d_winograd*.cpp.
#pragma once

#include "core/nn/conv2d_winograd_tiles.h"

namespace atelier::nn::winograd {

// out[i * os] = (B^T d)[i] for d[j * s], j < T.
template <int T>
[[gnu::always_inline]] inline void bt_rows(const v8f* d, int s, v8f* out, int os) {
  if constexpr (T == 6) {
    const v8f d0 = d[0], d1 = d[s], d2 = d[2 * s], d3 = d[3 * s], d4 = d[4 * s], d5 = d[5 * s];
    out[0] = 4.0f * d0 - 5.0f * d2 + d4;
    out[os] = -4.0f * (d1 + d2) + (d3 + d4);
    out[2 * os] = 4.0f * (d1 - d2) + (d4 - d3);
    out[3 * os] = 2.0f * (d3 - d1) + (d4 - d2);
    out[4 * os] = 2.0f * (d1 - d3) + (d4 - d2);
    out[5 * os] = 4.0f * d1 - 5.0f * d3 + d5;
  } else {
    static_assert(T == 8);
    const v8f d0 = d[0], d1 = d[s], d2 = d[2 * s], d3 = d[3 * s], d4 = d[4 * s], d5 = d[5 * s],
              d6 = d[6 * s], d7 = d[7 * s];
    out[0] = (d6 - d0) + 5.25f * (d2 - d4);
    const v8f even1 = d2 + d6 - 4.25f * d4, odd1 = d1 + d5 - 4.25f * d3;
    out[os] = even1 + odd1;
    out[2 * os] = even1 - odd1;
    const v8f even2 = 0.25f * d2 - 1.25f * d4 + d6, odd2 = 0.5f * d1 - 2.5f * d3 + 2.0f * d5;
    out[3 * os] = even2 + odd2;
    out[4 * os] = even2 - odd2;
    const v8f even3 = 4.0f * d2 - 5.0f * d4 + d6, odd3 = 2.0f * d1 - 2.5f * d3 + 0.5f * d5;
    out[5 * os] = even3 + odd3;
    out[6 * os] = even3 - odd3;
    out[7 * os] = (d7 - d1) + 5.25f * (d3 - d5);
  }
}

// out[i * os] = (A^T g)[i] for g[j * s], j < T; i < 4.
template <int T>
[[gnu::always_inline]] inline void at_rows(const v8f* g, int s, v8f* out, int os) {
  const v8f g1 = g[s], g2 = g[2 * s], g3 = g[3 * s], g4 = g[4 * s], g5 = g[5 * s];
  const v8f sum12 = g1 + g2, dif12 = g1 - g2, sum34 = g3 + g4, dif34 = g3 - g4;
  if constexpr (T == 6) {
    out[0] = g[0] + sum12 + sum34;
    out[os] = dif12 + 2.0f * dif34;
    out[2 * os] = sum12 + 4.0f * sum34;
    out[3 * os] = dif12 + 8.0f * dif34 + g5;
  } else {
    static_assert(T == 8);
    const v8f g6 = g[6 * s], sum56 = g5 + g6, dif56 = g5 - g6;
    out[0] = g[0] + sum12 + sum34 + sum56;
    out[os] = dif12 + 2.0f * dif34 + 0.5f * dif56;
    out[2 * os] = sum12 + 4.0f * sum34 + 0.25f * sum56;
    out[3 * os] = dif12 + 8.0f * dif34 + 0.125f * dif56 + g[7 * s];
  }
}

// out[i * os] = (A y)[i] for y[j * s], j < 4; i < T: dy's polynomial at
// the points (at infinity its leading coefficient).
template <int T>
[[gnu::always_inline]] inline void a_rows(const v8f* y, int s, v8f* out, int os) {
  static_assert(T == 6 || T == 8);
  const v8f y0 = y[0], y1 = y[s], y2 = y[2 * s], y3 = y[3 * s];
  const v8f even1 = y0 + y2, odd1 = y1 + y3, even2 = y0 + 4.0f * y2, odd2 = 2.0f * y1 + 8.0f * y3;
  out[0] = y0;
  out[os] = even1 + odd1;
  out[2 * os] = even1 - odd1;
  out[3 * os] = even2 + odd2;
  out[4 * os] = even2 - odd2;
  if constexpr (T == 8) {
    const v8f even3 = y0 + 0.25f * y2, odd3 = 0.5f * y1 + 0.125f * y3;
    out[5 * os] = even3 + odd3;
    out[6 * os] = even3 - odd3;
  }
  out[(T - 1) * os] = y3;
}

} // namespace atelier::nn::winograd
