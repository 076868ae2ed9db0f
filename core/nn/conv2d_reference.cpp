// Direct convolution without im2col: for each (output plane, input plane,
// kernel tap) the valid output range of a row is computed once, so the inner
// loop is a branch-free multiply-add over a row. Sums are kept in double, so
// the f32 results are the exactly rounded f64 sums up to one rounding.
#include "core/nn/conv2d_reference.h"

#include "core/base/error.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace atelier::nn {
namespace {

// Outputs o in [lo, hi) read input position o * stride + offset inside [0, size).
struct Range {
  int lo = 0, hi = 0;
};

Range valid_range(int outputs, int size, int stride, int offset) {
  Range rg;
  rg.lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int last = size - 1 - offset; // o * stride <= last
  rg.hi = last < 0 ? 0 : last / stride + 1;
  if (rg.hi > outputs) rg.hi = outputs;
  if (rg.lo > rg.hi) rg.lo = rg.hi;
  return rg;
}

void check_size(const char* op, const char* what, std::size_t actual, std::size_t expected) {
  if (actual != expected)
    throw Error(std::string(op) + ": " + what + " has " + std::to_string(actual) +
                " values, the shape needs " + std::to_string(expected));
}

template <typename T>
void forward_impl(const Conv2dShape& sh, std::span<const T> x, std::span<const T> w,
                  std::span<T> y) {
  sh.validate();
  check_size("conv2d_forward", "x", x.size(), sh.input_count());
  check_size("conv2d_forward", "w", w.size(), sh.weight_count());
  check_size("conv2d_forward", "y", y.size(), sh.output_count());
  const int oh_n = sh.out_h(), ow_n = sh.out_w();
  const std::size_t in_plane = std::size_t(sh.h) * sh.w, out_plane = std::size_t(oh_n) * ow_n;
  std::vector<double> acc(out_plane);
  for (int n = 0; n < sh.n; ++n)
    for (int k = 0; k < sh.k; ++k) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int c = 0; c < sh.c; ++c) {
        const T* xp = x.data() + (std::size_t(n) * sh.c + c) * in_plane;
        const T* wp = w.data() + (std::size_t(k) * sh.c + c) * sh.r * sh.s;
        for (int r = 0; r < sh.r; ++r)
          for (int s = 0; s < sh.s; ++s) {
            const double wv = wp[r * sh.s + s];
            const int off_w = s * sh.dilation_w - sh.pad_w;
            const Range cols = valid_range(ow_n, sh.w, sh.stride_w, off_w);
            for (int oh = 0; oh < oh_n; ++oh) {
              const int ih = oh * sh.stride_h - sh.pad_h + r * sh.dilation_h;
              if (ih < 0 || ih >= sh.h) continue;
              const T* row = xp + std::size_t(ih) * sh.w;
              double* out = acc.data() + std::size_t(oh) * ow_n;
              for (int ow = cols.lo; ow < cols.hi; ++ow)
                out[ow] += wv * static_cast<double>(row[ow * sh.stride_w + off_w]);
            }
          }
      }
      T* yp = y.data() + (std::size_t(n) * sh.k + k) * out_plane;
      for (std::size_t i = 0; i < out_plane; ++i)
        yp[i] = static_cast<T>(acc[i]);
    }
}

template <typename T>
void backward_data_impl(const Conv2dShape& sh, std::span<const T> dy, std::span<const T> w,
                        std::span<T> dx) {
  sh.validate();
  check_size("conv2d_backward_data", "dy", dy.size(), sh.output_count());
  check_size("conv2d_backward_data", "w", w.size(), sh.weight_count());
  check_size("conv2d_backward_data", "dx", dx.size(), sh.input_count());
  const int oh_n = sh.out_h(), ow_n = sh.out_w();
  const std::size_t in_plane = std::size_t(sh.h) * sh.w, out_plane = std::size_t(oh_n) * ow_n;
  std::vector<double> acc(in_plane);
  for (int n = 0; n < sh.n; ++n)
    for (int c = 0; c < sh.c; ++c) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int k = 0; k < sh.k; ++k) {
        const T* dyp = dy.data() + (std::size_t(n) * sh.k + k) * out_plane;
        const T* wp = w.data() + (std::size_t(k) * sh.c + c) * sh.r * sh.s;
        for (int r = 0; r < sh.r; ++r)
          for (int s = 0; s < sh.s; ++s) {
            const double wv = wp[r * sh.s + s];
            const int off_w = s * sh.dilation_w - sh.pad_w;
            const Range cols = valid_range(ow_n, sh.w, sh.stride_w, off_w);
            for (int oh = 0; oh < oh_n; ++oh) {
              const int ih = oh * sh.stride_h - sh.pad_h + r * sh.dilation_h;
              if (ih < 0 || ih >= sh.h) continue;
              const T* grad = dyp + std::size_t(oh) * ow_n;
              double* row = acc.data() + std::size_t(ih) * sh.w;
              for (int ow = cols.lo; ow < cols.hi; ++ow)
                row[ow * sh.stride_w + off_w] += wv * static_cast<double>(grad[ow]);
            }
          }
      }
      T* dxp = dx.data() + (std::size_t(n) * sh.c + c) * in_plane;
      for (std::size_t i = 0; i < in_plane; ++i)
        dxp[i] = static_cast<T>(acc[i]);
    }
}

template <typename T>
void backward_filter_impl(const Conv2dShape& sh, std::span<const T> x, std::span<const T> dy,
                          std::span<T> dw) {
  sh.validate();
  check_size("conv2d_backward_filter", "x", x.size(), sh.input_count());
  check_size("conv2d_backward_filter", "dy", dy.size(), sh.output_count());
  check_size("conv2d_backward_filter", "dw", dw.size(), sh.weight_count());
  const int oh_n = sh.out_h(), ow_n = sh.out_w();
  const std::size_t in_plane = std::size_t(sh.h) * sh.w, out_plane = std::size_t(oh_n) * ow_n;
  for (int k = 0; k < sh.k; ++k)
    for (int c = 0; c < sh.c; ++c)
      for (int r = 0; r < sh.r; ++r)
        for (int s = 0; s < sh.s; ++s) {
          const int off_w = s * sh.dilation_w - sh.pad_w;
          const Range cols = valid_range(ow_n, sh.w, sh.stride_w, off_w);
          double acc = 0.0;
          for (int n = 0; n < sh.n; ++n) {
            const T* xp = x.data() + (std::size_t(n) * sh.c + c) * in_plane;
            const T* dyp = dy.data() + (std::size_t(n) * sh.k + k) * out_plane;
            for (int oh = 0; oh < oh_n; ++oh) {
              const int ih = oh * sh.stride_h - sh.pad_h + r * sh.dilation_h;
              if (ih < 0 || ih >= sh.h) continue;
              const T* row = xp + std::size_t(ih) * sh.w;
              const T* grad = dyp + std::size_t(oh) * ow_n;
              for (int ow = cols.lo; ow < cols.hi; ++ow)
                acc += static_cast<double>(grad[ow]) *
                       static_cast<double>(row[ow * sh.stride_w + off_w]);
            }
          }
          dw[((std::size_t(k) * sh.c + c) * sh.r + r) * sh.s + s] = static_cast<T>(acc);
        }
}

void check_nchw(const char* op, const Nchw& shape) {
  if (shape.n <= 0 || shape.c <= 0 || shape.h <= 0 || shape.w <= 0)
    throw Error(std::string(op) + ": tensor extents must be positive");
}

template <typename T>
void bias_forward_impl(const Nchw& shape, std::span<const T> bias, std::span<T> y) {
  check_nchw("bias_forward", shape);
  check_size("bias_forward", "bias", bias.size(), std::size_t(shape.c));
  check_size("bias_forward", "y", y.size(), shape.count());
  const std::size_t plane = std::size_t(shape.h) * shape.w;
  T* p = y.data();
  for (int n = 0; n < shape.n; ++n)
    for (int c = 0; c < shape.c; ++c)
      for (std::size_t i = 0; i < plane; ++i)
        *p++ += bias[c];
}

template <typename T>
void bias_backward_impl(const Nchw& shape, std::span<const T> dy, std::span<T> db) {
  check_nchw("bias_backward", shape);
  check_size("bias_backward", "dy", dy.size(), shape.count());
  check_size("bias_backward", "db", db.size(), std::size_t(shape.c));
  const std::size_t plane = std::size_t(shape.h) * shape.w;
  for (int c = 0; c < shape.c; ++c) {
    double acc = 0.0;
    for (int n = 0; n < shape.n; ++n) {
      const T* p = dy.data() + (std::size_t(n) * shape.c + c) * plane;
      for (std::size_t i = 0; i < plane; ++i)
        acc += static_cast<double>(p[i]);
    }
    db[c] = static_cast<T>(acc);
  }
}

template <typename T>
void leaky_forward_impl(std::span<const T> x, std::span<T> y, T slope) {
  check_size("leaky_relu_forward", "y", y.size(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    y[i] = x[i] > T(0) ? x[i] : slope * x[i];
}

template <typename T>
void leaky_backward_impl(std::span<const T> x, std::span<const T> dy, std::span<T> dx, T slope) {
  check_size("leaky_relu_backward", "dy", dy.size(), x.size());
  check_size("leaky_relu_backward", "dx", dx.size(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    dx[i] = x[i] > T(0) ? dy[i] : slope * dy[i];
}

} // namespace

std::size_t Nchw::count() const {
  if (n <= 0 || c <= 0 || h <= 0 || w <= 0) return 0;
  return std::size_t(n) * std::size_t(c) * std::size_t(h) * std::size_t(w);
}

int Conv2dShape::out_h() const {
  if (stride_h <= 0) return 0;
  const std::int64_t span = std::int64_t(h) + 2 * std::int64_t(pad_h) -
                            std::int64_t(dilation_h) * (std::int64_t(r) - 1) - 1;
  return span < 0 ? 0 : static_cast<int>(span / stride_h + 1);
}

int Conv2dShape::out_w() const {
  if (stride_w <= 0) return 0;
  const std::int64_t span = std::int64_t(w) + 2 * std::int64_t(pad_w) -
                            std::int64_t(dilation_w) * (std::int64_t(s) - 1) - 1;
  return span < 0 ? 0 : static_cast<int>(span / stride_w + 1);
}

std::size_t Conv2dShape::weight_count() const {
  if (k <= 0 || c <= 0 || r <= 0 || s <= 0) return 0;
  return std::size_t(k) * std::size_t(c) * std::size_t(r) * std::size_t(s);
}

void Conv2dShape::validate() const {
  const auto fail = [](const std::string& why) { throw Error("Conv2dShape: " + why); };
  const struct {
    const char* name;
    int value;
  } positive[] = {{"batch n", n},
                  {"input channels c", c},
                  {"height h", h},
                  {"width w", w},
                  {"output channels k", k},
                  {"kernel height r", r},
                  {"kernel width s", s},
                  {"stride_h", stride_h},
                  {"stride_w", stride_w},
                  {"dilation_h", dilation_h},
                  {"dilation_w", dilation_w}};
  for (const auto& field : positive)
    if (field.value <= 0)
      fail(std::string(field.name) + " is " + std::to_string(field.value) + ", must be positive");
  if (pad_h < 0 || pad_w < 0)
    fail("padding " + std::to_string(pad_h) + "x" + std::to_string(pad_w) + " is negative");
  const std::int64_t extent_h = std::int64_t(dilation_h) * (r - 1) + 1;
  const std::int64_t extent_w = std::int64_t(dilation_w) * (s - 1) + 1;
  if (pad_h >= extent_h || pad_w >= extent_w)
    fail("padding " + std::to_string(pad_h) + "x" + std::to_string(pad_w) +
         " is not smaller than the dilated kernel " + std::to_string(extent_h) + "x" +
         std::to_string(extent_w));
  if (out_h() <= 0 || out_w() <= 0)
    fail("the dilated kernel " + std::to_string(extent_h) + "x" + std::to_string(extent_w) +
         " does not fit the padded " + std::to_string(h) + "x" + std::to_string(w) + " input");
  constexpr std::int64_t limit = std::int64_t(1) << 31;
  const auto check_count = [&](const char* what, std::int64_t a, std::int64_t b, std::int64_t c2,
                               std::int64_t d) {
    // Each factor is below 2^31, so checking after every product cannot overflow.
    std::int64_t total = a;
    for (std::int64_t f : {b, c2, d}) {
      total *= f;
      if (total >= limit)
        fail(std::string(what) + " has 2^31 or more elements, beyond the engine's 32-bit "
                                 "indexing (as cuDNN's); lower the batch or crop size");
    }
  };
  check_count("input", n, c, h, w);
  check_count("weight", k, c, r, s);
  check_count("output", n, k, out_h(), out_w());
}

void conv2d_forward(const Conv2dShape& shape, std::span<const float> x, std::span<const float> w,
                    std::span<float> y) {
  forward_impl<float>(shape, x, w, y);
}
void conv2d_forward(const Conv2dShape& shape, std::span<const double> x, std::span<const double> w,
                    std::span<double> y) {
  forward_impl<double>(shape, x, w, y);
}
void conv2d_backward_data(const Conv2dShape& shape, std::span<const float> dy,
                          std::span<const float> w, std::span<float> dx) {
  backward_data_impl<float>(shape, dy, w, dx);
}
void conv2d_backward_data(const Conv2dShape& shape, std::span<const double> dy,
                          std::span<const double> w, std::span<double> dx) {
  backward_data_impl<double>(shape, dy, w, dx);
}
void conv2d_backward_filter(const Conv2dShape& shape, std::span<const float> x,
                            std::span<const float> dy, std::span<float> dw) {
  backward_filter_impl<float>(shape, x, dy, dw);
}
void conv2d_backward_filter(const Conv2dShape& shape, std::span<const double> x,
                            std::span<const double> dy, std::span<double> dw) {
  backward_filter_impl<double>(shape, x, dy, dw);
}
void bias_forward(const Nchw& shape, std::span<const float> bias, std::span<float> y) {
  bias_forward_impl<float>(shape, bias, y);
}
void bias_forward(const Nchw& shape, std::span<const double> bias, std::span<double> y) {
  bias_forward_impl<double>(shape, bias, y);
}
void bias_backward(const Nchw& shape, std::span<const float> dy, std::span<float> db) {
  bias_backward_impl<float>(shape, dy, db);
}
void bias_backward(const Nchw& shape, std::span<const double> dy, std::span<double> db) {
  bias_backward_impl<double>(shape, dy, db);
}
void leaky_relu_forward(std::span<const float> x, std::span<float> y, float slope) {
  leaky_forward_impl<float>(x, y, slope);
}
void leaky_relu_forward(std::span<const double> x, std::span<double> y, double slope) {
  leaky_forward_impl<double>(x, y, slope);
}
void leaky_relu_backward(std::span<const float> x, std::span<const float> dy, std::span<float> dx,
                         float slope) {
  leaky_backward_impl<float>(x, dy, dx, slope);
}
void leaky_relu_backward(std::span<const double> x, std::span<const double> dy,
                         std::span<double> dx, double slope) {
  leaky_backward_impl<double>(x, dy, dx, slope);
}

} // namespace atelier::nn
