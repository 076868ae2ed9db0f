// Max pooling by plain loops over the output; the backward scatters into a
// zeroed dx (each input belongs to at most one window, so nothing adds).
#include "core/nn/pool_reference.h"

#include "core/nn/nn_check.h"

#include <algorithm>
#include <cmath>

namespace atelier::nn {
namespace {

void check_pool_input(const char* op, const Nchw& s) {
  detail::check_extent(op, s);
  if (s.h < 2 || s.w < 2) throw Error(std::string(op) + ": input is smaller than the 2x2 window");
}

template <typename T>
void forward_impl(const Nchw& s, Layout layout, std::span<const T> x, std::span<T> y,
                  std::span<std::uint8_t> argmax) {
  check_pool_input("max_pool2x2_forward", s);
  const Nchw o = max_pool2x2_output(s);
  detail::check_size("max_pool2x2_forward", "x", x.size(), s.count());
  detail::check_size("max_pool2x2_forward", "y", y.size(), o.count());
  if (!argmax.empty())
    detail::check_size("max_pool2x2_forward", "argmax", argmax.size(), o.count());
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < s.c; ++c)
      for (int oy = 0; oy < o.h; ++oy)
        for (int ox = 0; ox < o.w; ++ox) {
          T best = x[element_offset(s, layout, n, c, 2 * oy, 2 * ox)];
          int index = 0;
          for (int k = 1; k < 4; ++k) {
            const T v = x[element_offset(s, layout, n, c, 2 * oy + k / 2, 2 * ox + k % 2)];
            if (v > best || std::isnan(v)) {
              best = v;
              index = k;
            }
          }
          const std::size_t at = element_offset(o, layout, n, c, oy, ox);
          y[at] = best;
          if (!argmax.empty()) argmax[at] = std::uint8_t(index);
        }
}

template <typename T>
void backward_impl(const Nchw& s, Layout layout, std::span<const std::uint8_t> argmax,
                   std::span<const T> dy, std::span<T> dx) {
  check_pool_input("max_pool2x2_backward", s);
  const Nchw o = max_pool2x2_output(s);
  detail::check_size("max_pool2x2_backward", "argmax", argmax.size(), o.count());
  detail::check_size("max_pool2x2_backward", "dy", dy.size(), o.count());
  detail::check_size("max_pool2x2_backward", "dx", dx.size(), s.count());
  std::fill(dx.begin(), dx.end(), T(0));
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < s.c; ++c)
      for (int oy = 0; oy < o.h; ++oy)
        for (int ox = 0; ox < o.w; ++ox) {
          const std::size_t at = element_offset(o, layout, n, c, oy, ox);
          const int k = argmax[at];
          if (k > 3) throw Error("max_pool2x2_backward: argmax value out of range");
          dx[element_offset(s, layout, n, c, 2 * oy + k / 2, 2 * ox + k % 2)] = dy[at];
        }
}

} // namespace

Nchw max_pool2x2_output(const Nchw& s) {
  return {s.n, s.c, s.h / 2, s.w / 2};
}

void max_pool2x2_forward(const Nchw& s, Layout layout, std::span<const float> x, std::span<float> y,
                         std::span<std::uint8_t> argmax) {
  forward_impl(s, layout, x, y, argmax);
}
void max_pool2x2_forward(const Nchw& s, Layout layout, std::span<const double> x,
                         std::span<double> y, std::span<std::uint8_t> argmax) {
  forward_impl(s, layout, x, y, argmax);
}
void max_pool2x2_backward(const Nchw& s, Layout layout, std::span<const std::uint8_t> argmax,
                          std::span<const float> dy, std::span<float> dx) {
  backward_impl(s, layout, argmax, dy, dx);
}
void max_pool2x2_backward(const Nchw& s, Layout layout, std::span<const std::uint8_t> argmax,
                          std::span<const double> dy, std::span<double> dx) {
  backward_impl(s, layout, argmax, dy, dx);
}

} // namespace atelier::nn
