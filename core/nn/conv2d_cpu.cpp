// Fast CPU convolution: per image, im2col over a block of output pixels and
// one SGEMM per block (forward: W x col; backward filter: dY x col^T summed
// over blocks and images; backward data: for stride 1 the forward
// convolution of dY with the flipped, channel-swapped filters, otherwise
// W^T x dY into col, then col2im). 1x1 stride-1 unpadded convolutions use
// the activations as col directly. Forward convolutions with 3x3 and 5x5
// kernels, stride 1, enough channels and wide enough rows go to Winograd
// (conv2d_winograd_applies), and so do their filter gradients on AVX2
// machines (conv2d_winograd_filter_applies); other stride-1 ones with few
// output channels
// to the direct kernel (conv2d_direct_applies), which also takes the filter
// gradients of those with fewer (conv2d_direct_filter_applies);
// the stride-1 data gradients follow, as forward convolutions.
//
// Threads: one small pool (as many threads as OpenBLAS would have used) for
// im2col/col2im and every SGEMM, split into blocks of C that OpenBLAS (kept
// single-threaded) or the built-in kernel computes on the pool's threads.
// The workers sleep on a condition variable between calls, so nothing spins
// while the engine runs its other ops.
#include "core/nn/conv2d_cpu.h"

#include "core/nn/conv2d_direct.h"
#include "core/nn/conv2d_winograd.h"
#include "core/nn/cpu_pool.h"
#include "core/nn/sgemm_cpu.h"

#include "core/nn/nn_check.h"

#include "core/base/error.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace atelier::nn {
namespace {

// im2col blocks of at most 4 MiB: small enough to stay in L2/L3 between
// im2col and SGEMM (measured 1.1-1.2x faster than whole-image blocks on the
// 33->16 5x5 layer), wide enough for efficient SGEMMs. A block is never
// narrower than one output pixel, so one column of c*r*s floats may exceed it.
constexpr std::size_t kDefaultBlockFloats = kConv2dCpuBlockFloats;
std::atomic<std::size_t> g_block_floats{kDefaultBlockFloats};

// ------------------------------------------------------------ im2col/col2im

// Outputs o in [lo, hi) read input position o * stride + offset inside
// [0, size) (as in the reference).
struct Range {
  int lo = 0, hi = 0;
};

Range valid_range(int outputs, int size, int stride, int offset) {
  Range rg;
  rg.lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int last = size - 1 - offset;
  rg.hi = last < 0 ? 0 : last / stride + 1;
  if (rg.hi > outputs) rg.hi = outputs;
  if (rg.lo > rg.hi) rg.lo = rg.hi;
  return rg;
}

struct Plan {
  int out_h = 0, out_w = 0;
  std::size_t pixels = 0; // out_h * out_w
  int rows = 0;           // c * r * s
  std::size_t block = 0;  // output pixels per im2col block
  bool direct = false;    // 1x1, stride 1, no padding: col is x itself
  std::size_t workspace = 0;
};

Plan make_plan(const Conv2dShape& sh) {
  Plan p;
  p.out_h = sh.out_h();
  p.out_w = sh.out_w();
  p.pixels = std::size_t(p.out_h) * std::size_t(p.out_w);
  p.rows = sh.c * sh.r * sh.s; // below 2^31: validate() bounds the weight count
  p.direct = sh.r == 1 && sh.s == 1 && sh.stride_h == 1 && sh.stride_w == 1 && sh.pad_h == 0 &&
             sh.pad_w == 0;
  if (p.direct) {
    p.block = p.pixels;
    return p;
  }
  std::size_t limit = g_block_floats.load(std::memory_order_relaxed);
  if (limit == 0) limit = kDefaultBlockFloats;
  const std::size_t widest = std::clamp<std::size_t>(limit / std::size_t(p.rows), 1, p.pixels);
  // Even blocks: the last one is not a sliver.
  const std::size_t blocks = (p.pixels + widest - 1) / widest;
  p.block = (p.pixels + blocks - 1) / blocks;
  p.workspace = p.block * std::size_t(p.rows);
  return p;
}

// Walks output pixels [p0, p0 + count) of kernel tap (r, s) row segment by
// row segment: f(ih, a, lo, hi, b, offset) for output columns [a, b) of row
// oh, of which [lo, hi) read inside the input row at ow * stride_w + off_w,
// with col offset `offset` of column a. ih may be outside the input.
template <typename F>
void walk_pixels(const Conv2dShape& sh, const Plan& plan, std::size_t p0, std::size_t count, int r,
                 int s, F&& f) {
  const int off_w = s * sh.dilation_w - sh.pad_w;
  const Range cols = valid_range(plan.out_w, sh.w, sh.stride_w, off_w);
  int oh = int(p0 / std::size_t(plan.out_w));
  int a = int(p0 % std::size_t(plan.out_w));
  std::size_t done = 0;
  while (done < count) {
    const int n = int(std::min<std::size_t>(count - done, std::size_t(plan.out_w - a)));
    const int b = a + n;
    const int ih = oh * sh.stride_h - sh.pad_h + r * sh.dilation_h;
    const int lo = std::clamp(cols.lo, a, b), hi = std::clamp(cols.hi, lo, b);
    f(ih, a, lo, hi, b, off_w, done);
    done += std::size_t(n);
    ++oh;
    a = 0;
  }
}

// col rows [q0, q1) for pixels [p0, p0 + count) of one image; col row q
// starts at col + q * count.
void im2col_rows(const Conv2dShape& sh, const Plan& plan, const float* x, std::size_t p0,
                 std::size_t count, int q0, int q1, float* col) {
  const std::size_t plane = std::size_t(sh.h) * std::size_t(sh.w);
  const int taps = sh.r * sh.s;
  for (int q = q0; q < q1; ++q) {
    const int c = q / taps, r = (q % taps) / sh.s, s = q % sh.s;
    const float* xp = x + std::size_t(c) * plane;
    float* dst = col + std::size_t(q) * count;
    walk_pixels(sh, plan, p0, count, r, s,
                [&](int ih, int a, int lo, int hi, int b, int off_w, std::size_t at) {
                  float* d = dst + at - a; // d[ow] for ow in [a, b)
                  if (ih < 0 || ih >= sh.h) {
                    std::fill(d + a, d + b, 0.0f);
                    return;
                  }
                  const float* row = xp + std::size_t(ih) * sh.w;
                  std::fill(d + a, d + lo, 0.0f);
                  if (sh.stride_w == 1)
                    std::copy(row + lo + off_w, row + hi + off_w, d + lo);
                  else
                    for (int ow = lo; ow < hi; ++ow)
                      d[ow] = row[ow * sh.stride_w + off_w];
                  std::fill(d + hi, d + b, 0.0f);
                });
  }
}

// dx[c, ih, :] += col for channels [c0, c1) and input rows [ih0, ih1).
void col2im_part(const Conv2dShape& sh, const Plan& plan, const float* col, std::size_t p0,
                 std::size_t count, int c0, int c1, int ih0, int ih1, float* dx) {
  const std::size_t plane = std::size_t(sh.h) * std::size_t(sh.w);
  for (int c = c0; c < c1; ++c) {
    float* xp = dx + std::size_t(c) * plane;
    for (int r = 0; r < sh.r; ++r)
      for (int s = 0; s < sh.s; ++s) {
        const float* src = col + std::size_t((c * sh.r + r) * sh.s + s) * count;
        walk_pixels(sh, plan, p0, count, r, s,
                    [&](int ih, int a, int lo, int hi, int, int off_w, std::size_t at) {
                      if (ih < ih0 || ih >= ih1) return;
                      const float* v = src + at - a; // v[ow]
                      float* row = xp + std::size_t(ih) * sh.w;
                      if (sh.stride_w == 1)
                        for (int ow = lo; ow < hi; ++ow)
                          row[ow + off_w] += v[ow];
                      else
                        for (int ow = lo; ow < hi; ++ow)
                          row[ow * sh.stride_w + off_w] += v[ow];
                    });
      }
  }
}

void im2col(const Conv2dShape& sh, const Plan& plan, const float* x, std::size_t p0,
            std::size_t count, float* col) {
  const int parts = cpu_pool_parts(count * std::size_t(plan.rows), std::size_t(plan.rows));
  auto part = [&](int p) {
    im2col_rows(sh, plan, x, p0, count, int(std::int64_t(plan.rows) * p / parts),
                int(std::int64_t(plan.rows) * (p + 1) / parts), col);
  };
  cpu_parallel_parts(parts, part);
}

void col2im(const Conv2dShape& sh, const Plan& plan, const float* col, std::size_t p0,
            std::size_t count, float* dx) {
  // Parts own disjoint channels, or (few channels) disjoint input rows.
  const int parts = cpu_pool_parts(count * std::size_t(plan.rows), std::size_t(sh.c) * sh.h);
  const bool by_channel = sh.c >= parts;
  auto part = [&](int p) {
    const int n = by_channel ? sh.c : sh.h;
    const int lo = int(std::int64_t(n) * p / parts), hi = int(std::int64_t(n) * (p + 1) / parts);
    if (by_channel)
      col2im_part(sh, plan, col, p0, count, lo, hi, 0, sh.h, dx);
    else
      col2im_part(sh, plan, col, p0, count, 0, sh.c, lo, hi, dx);
  };
  cpu_parallel_parts(parts, part);
}

// ------------------------------------------------------------------ passes

using detail::check_size;

void check_workspace(const char* op, std::size_t actual, std::size_t needed) {
  if (actual < needed)
    throw Error(std::string(op) + ": workspace has " + std::to_string(actual) +
                " values, the shape needs at least " + std::to_string(needed));
}

// Scratch of forward(): Winograd's or the direct kernel's for the shapes they
// take, im2col's otherwise.
std::size_t forward_workspace(const Conv2dShape& sh, const Plan& plan) {
  if (conv2d_winograd_applies(sh)) return conv2d_winograd_workspace_floats(sh);
  if (!plan.direct && conv2d_direct_applies(sh)) return conv2d_direct_workspace_floats(sh);
  return plan.workspace;
}

// Scratch of backward_filter(): the direct kernel's for the shapes it takes,
// im2col's otherwise.
std::size_t filter_workspace(const Conv2dShape& sh, const Plan& plan) {
  if (conv2d_winograd_filter_applies(sh)) return conv2d_winograd_filter_workspace_floats(sh);
  if (!plan.direct && conv2d_direct_filter_applies(sh))
    return conv2d_direct_filter_workspace_floats(sh);
  return plan.workspace;
}

void forward(const Conv2dShape& sh, const Plan& plan, const float* x, const float* w, float* y,
             float* ws) {
  if (conv2d_winograd_applies(sh)) {
    conv2d_winograd_forward(sh, x, w, y, ws);
    return;
  }
  if (!plan.direct && conv2d_direct_applies(sh)) {
    conv2d_direct_forward(sh, x, w, y, ws);
    return;
  }
  const std::size_t in_image = std::size_t(sh.c) * sh.h * sh.w;
  const std::size_t out_image = std::size_t(sh.k) * plan.pixels;
  const int ld = int(plan.pixels);
  for (int n = 0; n < sh.n; ++n) {
    const float* xn = x + n * in_image;
    float* yn = y + n * out_image;
    if (plan.direct) {
      sgemm_cpu(false, false, sh.k, ld, sh.c, w, sh.c, xn, ld, 0.0f, yn, ld);
      continue;
    }
    for (std::size_t p0 = 0; p0 < plan.pixels; p0 += plan.block) {
      const std::size_t count = std::min(plan.block, plan.pixels - p0);
      im2col(sh, plan, xn, p0, count, ws);
      sgemm_cpu(false, false, sh.k, int(count), plan.rows, w, plan.rows, ws, int(count), 0.0f,
                yn + p0, ld);
    }
  }
}

// Stride 1: dx is the convolution of dy with the filters flipped and their
// channels swapped, padded by dilation (size - 1) - pad, which gathers (im2col)
// instead of scattering (col2im) and writes dx straight from the SGEMM. The
// flipped filters take weight_count() floats of the workspace after the
// transposed convolution's own. False when the shape has a stride.
bool transposed_shape(const Conv2dShape& sh, Conv2dShape& t) {
  if (sh.stride_h != 1 || sh.stride_w != 1) return false;
  t = sh;
  t.c = sh.k;
  t.k = sh.c;
  t.h = sh.out_h();
  t.w = sh.out_w();
  t.pad_h = sh.dilation_h * (sh.r - 1) - sh.pad_h;
  t.pad_w = sh.dilation_w * (sh.s - 1) - sh.pad_w;
  return t.pad_h >= 0 && t.pad_w >= 0;
}

void flip_filters(const Conv2dShape& sh, const float* w, float* flipped) {
  const std::size_t taps = std::size_t(sh.r) * std::size_t(sh.s);
  for (int k = 0; k < sh.k; ++k)
    for (int c = 0; c < sh.c; ++c) {
      const float* src = w + (std::size_t(k) * sh.c + c) * taps;
      float* dst = flipped + (std::size_t(c) * sh.k + k) * taps;
      for (std::size_t i = 0; i < taps; ++i)
        dst[i] = src[taps - 1 - i];
    }
}

void backward_data(const Conv2dShape& sh, const Plan& plan, const float* dy, const float* w,
                   float* dx, float* ws) {
  Conv2dShape t;
  if (!plan.direct && transposed_shape(sh, t)) {
    const Plan tplan = make_plan(t);
    float* flipped = ws + forward_workspace(t, tplan);
    flip_filters(sh, w, flipped);
    forward(t, tplan, dy, flipped, dx, ws);
    return;
  }
  const std::size_t in_image = std::size_t(sh.c) * sh.h * sh.w;
  const std::size_t out_image = std::size_t(sh.k) * plan.pixels;
  const int ld = int(plan.pixels);
  for (int n = 0; n < sh.n; ++n) {
    const float* dyn = dy + n * out_image;
    float* dxn = dx + n * in_image;
    if (plan.direct) {
      sgemm_cpu(true, false, sh.c, ld, sh.k, w, sh.c, dyn, ld, 0.0f, dxn, ld);
      continue;
    }
    std::fill(dxn, dxn + in_image, 0.0f);
    for (std::size_t p0 = 0; p0 < plan.pixels; p0 += plan.block) {
      const std::size_t count = std::min(plan.block, plan.pixels - p0);
      sgemm_cpu(true, false, plan.rows, int(count), sh.k, w, plan.rows, dyn + p0, ld, 0.0f, ws,
                int(count));
      col2im(sh, plan, ws, p0, count, dxn);
    }
  }
}

void backward_filter(const Conv2dShape& sh, const Plan& plan, const float* x, const float* dy,
                     float* dw, float* ws, bool accumulate) {
  if (conv2d_winograd_filter_applies(sh)) {
    conv2d_winograd_backward_filter(sh, x, dy, dw, ws, accumulate);
    return;
  }
  if (!plan.direct && conv2d_direct_filter_applies(sh)) {
    conv2d_direct_backward_filter(sh, x, dy, dw, ws, accumulate);
    return;
  }
  const std::size_t in_image = std::size_t(sh.c) * sh.h * sh.w;
  const std::size_t out_image = std::size_t(sh.k) * plan.pixels;
  const int ld = int(plan.pixels);
  bool first = !accumulate;
  for (int n = 0; n < sh.n; ++n) {
    const float* xn = x + n * in_image;
    const float* dyn = dy + n * out_image;
    if (plan.direct) {
      sgemm_cpu(false, true, sh.k, sh.c, ld, dyn, ld, xn, ld, first ? 0.0f : 1.0f, dw, sh.c);
      first = false;
      continue;
    }
    for (std::size_t p0 = 0; p0 < plan.pixels; p0 += plan.block) {
      const std::size_t count = std::min(plan.block, plan.pixels - p0);
      im2col(sh, plan, xn, p0, count, ws);
      sgemm_cpu(false, true, sh.k, plan.rows, int(count), dyn + p0, ld, ws, int(count),
                first ? 0.0f : 1.0f, dw, plan.rows);
      first = false;
    }
  }
}

} // namespace

std::size_t conv2d_cpu_workspace_floats(const Conv2dShape& shape) {
  shape.validate();
  const Plan plan = make_plan(shape);
  // forward, backward filter (im2col), backward data (a forward convolution
  // of the transposed shape and the flipped filters, or col2im).
  std::size_t floats = std::max(forward_workspace(shape, plan), filter_workspace(shape, plan));
  Conv2dShape t;
  if (!plan.direct && transposed_shape(shape, t))
    floats = std::max(floats, forward_workspace(t, make_plan(t)) + shape.weight_count());
  return floats;
}

void conv2d_forward_cpu(const Conv2dShape& shape, std::span<const float> x,
                        std::span<const float> w, std::span<float> y, std::span<float> workspace) {
  shape.validate();
  check_size("conv2d_forward_cpu", "x", x.size(), shape.input_count());
  check_size("conv2d_forward_cpu", "w", w.size(), shape.weight_count());
  check_size("conv2d_forward_cpu", "y", y.size(), shape.output_count());
  const Plan plan = make_plan(shape);
  check_workspace("conv2d_forward_cpu", workspace.size(), forward_workspace(shape, plan));
  forward(shape, plan, x.data(), w.data(), y.data(), workspace.data());
}

void conv2d_forward_cpu(const Conv2dShape& shape, std::span<const float> x,
                        std::span<const float> w, std::span<float> y) {
  std::vector<float> workspace(conv2d_cpu_workspace_floats(shape));
  conv2d_forward_cpu(shape, x, w, y, workspace);
}

void conv2d_backward_data_cpu(const Conv2dShape& shape, std::span<const float> dy,
                              std::span<const float> w, std::span<float> dx,
                              std::span<float> workspace) {
  shape.validate();
  check_size("conv2d_backward_data_cpu", "dy", dy.size(), shape.output_count());
  check_size("conv2d_backward_data_cpu", "w", w.size(), shape.weight_count());
  check_size("conv2d_backward_data_cpu", "dx", dx.size(), shape.input_count());
  const Plan plan = make_plan(shape);
  check_workspace("conv2d_backward_data_cpu", workspace.size(), conv2d_cpu_workspace_floats(shape));
  backward_data(shape, plan, dy.data(), w.data(), dx.data(), workspace.data());
}

void conv2d_backward_data_cpu(const Conv2dShape& shape, std::span<const float> dy,
                              std::span<const float> w, std::span<float> dx) {
  std::vector<float> workspace(conv2d_cpu_workspace_floats(shape));
  conv2d_backward_data_cpu(shape, dy, w, dx, workspace);
}

void conv2d_backward_filter_cpu(const Conv2dShape& shape, std::span<const float> x,
                                std::span<const float> dy, std::span<float> dw,
                                std::span<float> workspace, bool accumulate) {
  shape.validate();
  check_size("conv2d_backward_filter_cpu", "x", x.size(), shape.input_count());
  check_size("conv2d_backward_filter_cpu", "dy", dy.size(), shape.output_count());
  check_size("conv2d_backward_filter_cpu", "dw", dw.size(), shape.weight_count());
  const Plan plan = make_plan(shape);
  check_workspace("conv2d_backward_filter_cpu", workspace.size(), filter_workspace(shape, plan));
  backward_filter(shape, plan, x.data(), dy.data(), dw.data(), workspace.data(), accumulate);
}

void conv2d_backward_filter_cpu(const Conv2dShape& shape, std::span<const float> x,
                                std::span<const float> dy, std::span<float> dw, bool accumulate) {
  std::vector<float> workspace(conv2d_cpu_workspace_floats(shape));
  conv2d_backward_filter_cpu(shape, x, dy, dw, workspace, accumulate);
}

const char* conv2d_cpu_backend_name() {
  return sgemm_cpu_backend_name();
}

int conv2d_cpu_threads() {
  return cpu_pool_size();
}

namespace testing {
void set_conv2d_cpu_block_limit(std::size_t floats) {
  g_block_floats.store(floats);
}
void set_conv2d_cpu_force_builtin_gemm(bool force) {
  set_sgemm_cpu_force_builtin(force);
}
} // namespace testing

} // namespace atelier::nn
