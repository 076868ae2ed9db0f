// Pooling, upsampling and concatenation for the CPU backend (see
// plane_ops_cpu.h): each part of the pool takes a range of planes.
#include "core/nn/plane_ops_cpu.h"

#include "core/base/error.h"
#include "core/base/float4.h"
#include "core/nn/cpu_pool.h"
#include "core/nn/nn_check.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <string>

namespace atelier::nn {
namespace {

// f(p0, p1) over planes [p0, p1), the planes split over the pool when the
// work (floats touched per plane) is large enough.
template <typename F>
void for_planes(std::size_t planes, std::size_t floats_per_plane, F&& f) {
  const int parts = cpu_pool_parts(planes * floats_per_plane, planes);
  auto part = [&](int p) {
    f(planes * std::size_t(p) / std::size_t(parts),
      planes * std::size_t(p + 1) / std::size_t(parts));
  };
  cpu_parallel_parts(parts, part);
}

// Eight floats (or int32 lanes) as one vector value: two SSE2 registers
// on the baseline build, one AVX register in the x86-64-v3 clone.
using float8 = float __attribute__((vector_size(32)));
using int8v = std::int32_t __attribute__((vector_size(32)));

// Even and odd lanes of [a, b], and a and b's lanes interleaved.
#define ATELIER_EVEN8(a, b) __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14)
#define ATELIER_ODD8(a, b) __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15)
#define ATELIER_ZIP8_LO(a, b) __builtin_shufflevector(a, b, 0, 8, 1, 9, 2, 10, 3, 11)
#define ATELIER_ZIP8_HI(a, b) __builtin_shufflevector(a, b, 4, 12, 5, 13, 6, 14, 7, 15)

// One 2x2 window: the reference's order (row-major window, a later element
// wins when greater or NaN), written as selects. T is float or float8, I
// the matching index type.
template <typename T, typename I>
[[gnu::always_inline]] inline void pool_window(const T& v0, const T& v1, const T& v2, const T& v3,
                                               T& best, I& index) {
  best = v0;
  index = I{} + 0;
  const auto t1 = (v1 > best) | (v1 != v1);
  best = t1 ? v1 : best;
  index = t1 ? I{} + 1 : index;
  const auto t2 = (v2 > best) | (v2 != v2);
  best = t2 ? v2 : best;
  index = t2 ? I{} + 2 : index;
  const auto t3 = (v3 > best) | (v3 != v3);
  best = t3 ? v3 : best;
  index = t3 ? I{} + 3 : index;
}

// One plane of 2x2 max pooling, eight windows at a time (the even and odd
// columns of 16 floats split by shuffles), the rest one by one.
ATELIER_HOT_LOOP void pool_plane(const float* x, int h, int w, float* y, std::uint8_t* argmax) {
  const int oh = h / 2, ow = w / 2;
  for (int oy = 0; oy < oh; ++oy) {
    const float* r0 = x + std::size_t(2 * oy) * std::size_t(w);
    const float* r1 = r0 + w;
    float* yr = y + std::size_t(oy) * std::size_t(ow);
    std::uint8_t* ar = argmax + std::size_t(oy) * std::size_t(ow);
    int ox = 0;
    for (; ox + 8 <= ow; ox += 8) {
      float8 a0, a1, b0, b1, best;
      std::memcpy(&a0, r0 + 2 * ox, sizeof a0);
      std::memcpy(&a1, r0 + 2 * ox + 8, sizeof a1);
      std::memcpy(&b0, r1 + 2 * ox, sizeof b0);
      std::memcpy(&b1, r1 + 2 * ox + 8, sizeof b1);
      const float8 v0 = ATELIER_EVEN8(a0, a1), v1 = ATELIER_ODD8(a0, a1),
                   v2 = ATELIER_EVEN8(b0, b1), v3 = ATELIER_ODD8(b0, b1);
      int8v index;
      pool_window(v0, v1, v2, v3, best, index);
      std::memcpy(yr + ox, &best, sizeof best);
      for (int q = 0; q < 8; ++q)
        ar[ox + q] = std::uint8_t(index[q]);
    }
    for (; ox < ow; ++ox) {
      float best;
      int index;
      pool_window(r0[2 * ox], r0[2 * ox + 1], r1[2 * ox], r1[2 * ox + 1], best, index);
      yr[ox] = best;
      ar[ox] = std::uint8_t(index);
    }
  }
}

// Fills the plane's dx: dy at each window's argmax, 0 elsewhere (and in a
// dropped odd last row or column), eight windows at a time. False for an
// argmax above 3.
ATELIER_HOT_LOOP bool unpool_plane(const std::uint8_t* argmax, const float* dy, int h, int w,
                                   float* dx) {
  const int oh = h / 2, ow = w / 2;
  int8v worst8 = {};
  std::uint8_t worst = 0;
  for (int oy = 0; oy < oh; ++oy) {
    float* r0 = dx + std::size_t(2 * oy) * std::size_t(w);
    float* r1 = r0 + w;
    const float* g = dy + std::size_t(oy) * std::size_t(ow);
    const std::uint8_t* a = argmax + std::size_t(oy) * std::size_t(ow);
    int ox = 0;
    for (; ox + 8 <= ow; ox += 8) {
      int8v k = {};
      for (int q = 0; q < 8; ++q)
        k[q] = a[ox + q];
      worst8 = k > worst8 ? k : worst8;
      float8 gv;
      std::memcpy(&gv, g + ox, sizeof gv);
      const float8 zero = {}, e0 = k == 0 ? gv : zero, e1 = k == 1 ? gv : zero,
                   e2 = k == 2 ? gv : zero, e3 = k == 3 ? gv : zero;
      const float8 top_lo = ATELIER_ZIP8_LO(e0, e1), top_hi = ATELIER_ZIP8_HI(e0, e1),
                   bottom_lo = ATELIER_ZIP8_LO(e2, e3), bottom_hi = ATELIER_ZIP8_HI(e2, e3);
      std::memcpy(r0 + 2 * ox, &top_lo, sizeof top_lo);
      std::memcpy(r0 + 2 * ox + 8, &top_hi, sizeof top_hi);
      std::memcpy(r1 + 2 * ox, &bottom_lo, sizeof bottom_lo);
      std::memcpy(r1 + 2 * ox + 8, &bottom_hi, sizeof bottom_hi);
    }
    for (; ox < ow; ++ox) {
      const std::uint8_t k = a[ox];
      worst = std::max(worst, k);
      r0[2 * ox] = k == 0 ? g[ox] : 0.0f;
      r0[2 * ox + 1] = k == 1 ? g[ox] : 0.0f;
      r1[2 * ox] = k == 2 ? g[ox] : 0.0f;
      r1[2 * ox + 1] = k == 3 ? g[ox] : 0.0f;
    }
    if (w % 2) r0[w - 1] = r1[w - 1] = 0.0f;
  }
  if (h % 2) std::fill(dx + std::size_t(h - 1) * std::size_t(w), dx + std::size_t(h) * w, 0.0f);
  for (int q = 0; q < 8; ++q)
    worst = std::max(worst, std::uint8_t(worst8[q]));
  return worst <= 3;
}

// Eight columns at a time, each written twice side by side.
ATELIER_HOT_LOOP void upsample_plane(const float* x, int h, int w, float* y) {
  for (int iy = 0; iy < h; ++iy) {
    const float* xr = x + std::size_t(iy) * std::size_t(w);
    float* r0 = y + std::size_t(2 * iy) * std::size_t(2 * w);
    float* r1 = r0 + 2 * w;
    int ix = 0;
    for (; ix + 8 <= w; ix += 8) {
      float8 v;
      std::memcpy(&v, xr + ix, sizeof v);
      const float8 lo = ATELIER_ZIP8_LO(v, v), hi = ATELIER_ZIP8_HI(v, v);
      std::memcpy(r0 + 2 * ix, &lo, sizeof lo);
      std::memcpy(r0 + 2 * ix + 8, &hi, sizeof hi);
      std::memcpy(r1 + 2 * ix, &lo, sizeof lo);
      std::memcpy(r1 + 2 * ix + 8, &hi, sizeof hi);
    }
    for (; ix < w; ++ix) {
      r0[2 * ix] = r0[2 * ix + 1] = xr[ix];
      r1[2 * ix] = r1[2 * ix + 1] = xr[ix];
    }
  }
}

// The reference's order: top-left, top-right, bottom-left, bottom-right;
// eight outputs at a time.
ATELIER_HOT_LOOP void downsum_plane(const float* dy, int h, int w, float* dx) {
  for (int iy = 0; iy < h; ++iy) {
    const float* r0 = dy + std::size_t(2 * iy) * std::size_t(2 * w);
    const float* r1 = r0 + 2 * w;
    float* d = dx + std::size_t(iy) * std::size_t(w);
    int ix = 0;
    for (; ix + 8 <= w; ix += 8) {
      float8 a0, a1, b0, b1;
      std::memcpy(&a0, r0 + 2 * ix, sizeof a0);
      std::memcpy(&a1, r0 + 2 * ix + 8, sizeof a1);
      std::memcpy(&b0, r1 + 2 * ix, sizeof b0);
      std::memcpy(&b1, r1 + 2 * ix + 8, sizeof b1);
      float8 sum = ATELIER_EVEN8(a0, a1);
      sum += ATELIER_ODD8(a0, a1);
      sum += ATELIER_EVEN8(b0, b1);
      sum += ATELIER_ODD8(b0, b1);
      std::memcpy(d + ix, &sum, sizeof sum);
    }
    for (; ix < w; ++ix) {
      float sum = r0[2 * ix];
      sum += r0[2 * ix + 1];
      sum += r1[2 * ix];
      sum += r1[2 * ix + 1];
      d[ix] = sum;
    }
  }
}

#undef ATELIER_EVEN8
#undef ATELIER_ODD8
#undef ATELIER_ZIP8_LO
#undef ATELIER_ZIP8_HI

// Plane p of [a, b] (per image: a's c1 planes, then b's c2): whether it is
// a's, and where it starts in a or b.
struct ConcatPlane {
  bool in_a;
  std::size_t offset;
};
ConcatPlane concat_plane(const Nchw& as, int c2, std::size_t p, std::size_t plane) {
  const std::size_t per_image = std::size_t(as.c + c2);
  const std::size_t n = p / per_image, c = p % per_image;
  if (c < std::size_t(as.c)) return {true, (n * as.c + c) * plane};
  return {false, (n * std::size_t(c2) + (c - as.c)) * plane};
}

// f(offset in [a, b], plane p's place in a or b, plane size) for every
// plane, the planes spread over the pool.
template <typename F>
void for_concat_planes(const char* op, const Nchw& as, int c2, F&& f) {
  detail::check_extent(op, as);
  detail::check_extent(op, Nchw{as.n, c2, as.h, as.w});
  const std::size_t plane = std::size_t(as.h) * std::size_t(as.w);
  const std::size_t planes = std::size_t(as.n) * std::size_t(as.c + c2);
  for_planes(planes, 2 * plane, [&](std::size_t p0, std::size_t p1) {
    for (std::size_t p = p0; p < p1; ++p)
      f(p * plane, concat_plane(as, c2, p, plane), plane);
  });
}

} // namespace

void max_pool2x2_forward_cpu(const Nchw& s, const float* x, float* y, std::uint8_t* argmax) {
  detail::check_extent("max_pool2x2_forward", s);
  if (s.h < 2 || s.w < 2) throw Error("max_pool2x2_forward: input is smaller than the 2x2 window");
  const std::size_t in = std::size_t(s.h) * std::size_t(s.w);
  const std::size_t out = std::size_t(s.h / 2) * std::size_t(s.w / 2);
  for_planes(std::size_t(s.n) * std::size_t(s.c), in + out, [&](std::size_t p0, std::size_t p1) {
    for (std::size_t p = p0; p < p1; ++p)
      pool_plane(x + p * in, s.h, s.w, y + p * out, argmax + p * out);
  });
}

void max_pool2x2_backward_cpu(const Nchw& s, const std::uint8_t* argmax, const float* dy,
                              float* dx) {
  detail::check_extent("max_pool2x2_backward", s);
  if (s.h < 2 || s.w < 2) throw Error("max_pool2x2_backward: input is smaller than the 2x2 window");
  const std::size_t in = std::size_t(s.h) * std::size_t(s.w);
  const std::size_t out = std::size_t(s.h / 2) * std::size_t(s.w / 2);
  std::atomic<bool> bad{false};
  for_planes(std::size_t(s.n) * std::size_t(s.c), in + out, [&](std::size_t p0, std::size_t p1) {
    for (std::size_t p = p0; p < p1; ++p)
      if (!unpool_plane(argmax + p * out, dy + p * out, s.h, s.w, dx + p * in)) bad = true;
  });
  if (bad) throw Error("max_pool2x2_backward: argmax value out of range");
}

void upsample_nearest2x_forward_cpu(const Nchw& s, const float* x, float* y) {
  detail::check_extent("upsample_nearest2x_forward", s);
  const std::size_t in = std::size_t(s.h) * std::size_t(s.w);
  for_planes(std::size_t(s.n) * std::size_t(s.c), 5 * in, [&](std::size_t p0, std::size_t p1) {
    for (std::size_t p = p0; p < p1; ++p)
      upsample_plane(x + p * in, s.h, s.w, y + p * 4 * in);
  });
}

void upsample_nearest2x_backward_cpu(const Nchw& s, const float* dy, float* dx) {
  detail::check_extent("upsample_nearest2x_backward", s);
  const std::size_t in = std::size_t(s.h) * std::size_t(s.w);
  for_planes(std::size_t(s.n) * std::size_t(s.c), 5 * in, [&](std::size_t p0, std::size_t p1) {
    for (std::size_t p = p0; p < p1; ++p)
      downsum_plane(dy + p * 4 * in, s.h, s.w, dx + p * in);
  });
}

void concat_channels_forward_cpu(const Nchw& a_shape, int c2, const float* a, const float* b,
                                 float* y) {
  for_concat_planes("concat_channels_forward", a_shape, c2,
                    [&](std::size_t at, const ConcatPlane& cp, std::size_t plane) {
                      std::memcpy(y + at, (cp.in_a ? a : b) + cp.offset, plane * sizeof(float));
                    });
}

void concat_channels_backward_cpu(const Nchw& a_shape, int c2, const float* dy, float* da,
                                  float* db) {
  for_concat_planes("concat_channels_backward", a_shape, c2,
                    [&](std::size_t at, const ConcatPlane& cp, std::size_t plane) {
                      std::memcpy((cp.in_a ? da : db) + cp.offset, dy + at, plane * sizeof(float));
                    });
}

} // namespace atelier::nn
