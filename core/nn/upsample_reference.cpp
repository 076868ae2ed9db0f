// Nearest x2 upsampling by plain loops over the input.
#include "core/nn/upsample_reference.h"

#include "core/nn/nn_check.h"

namespace atelier::nn {
namespace {

template <typename T>
void forward_impl(const Nchw& s, Layout layout, std::span<const T> x, std::span<T> y) {
  detail::check_extent("upsample_nearest2x_forward", s);
  const Nchw o = upsample_nearest2x_output(s);
  detail::check_size("upsample_nearest2x_forward", "x", x.size(), s.count());
  detail::check_size("upsample_nearest2x_forward", "y", y.size(), o.count());
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < s.c; ++c)
      for (int iy = 0; iy < s.h; ++iy)
        for (int ix = 0; ix < s.w; ++ix) {
          const T v = x[element_offset(s, layout, n, c, iy, ix)];
          for (int k = 0; k < 4; ++k)
            y[element_offset(o, layout, n, c, 2 * iy + k / 2, 2 * ix + k % 2)] = v;
        }
}

template <typename T>
void backward_impl(const Nchw& s, Layout layout, std::span<const T> dy, std::span<T> dx) {
  detail::check_extent("upsample_nearest2x_backward", s);
  const Nchw o = upsample_nearest2x_output(s);
  detail::check_size("upsample_nearest2x_backward", "dy", dy.size(), o.count());
  detail::check_size("upsample_nearest2x_backward", "dx", dx.size(), s.count());
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < s.c; ++c)
      for (int iy = 0; iy < s.h; ++iy)
        for (int ix = 0; ix < s.w; ++ix) {
          T sum = dy[element_offset(o, layout, n, c, 2 * iy, 2 * ix)];
          sum += dy[element_offset(o, layout, n, c, 2 * iy, 2 * ix + 1)];
          sum += dy[element_offset(o, layout, n, c, 2 * iy + 1, 2 * ix)];
          sum += dy[element_offset(o, layout, n, c, 2 * iy + 1, 2 * ix + 1)];
          dx[element_offset(s, layout, n, c, iy, ix)] = sum;
        }
}

} // namespace

Nchw upsample_nearest2x_output(const Nchw& s) {
  return {s.n, s.c, 2 * s.h, 2 * s.w};
}

void upsample_nearest2x_forward(const Nchw& s, Layout layout, std::span<const float> x,
                                std::span<float> y) {
  forward_impl(s, layout, x, y);
}
void upsample_nearest2x_forward(const Nchw& s, Layout layout, std::span<const double> x,
                                std::span<double> y) {
  forward_impl(s, layout, x, y);
}
void upsample_nearest2x_backward(const Nchw& s, Layout layout, std::span<const float> dy,
                                 std::span<float> dx) {
  backward_impl(s, layout, dy, dx);
}
void upsample_nearest2x_backward(const Nchw& s, Layout layout, std::span<const double> dy,
                                 std::span<double> dx) {
  backward_impl(s, layout, dy, dx);
}

} // namespace atelier::nn
