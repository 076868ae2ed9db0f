// Reflection padding by plain loops over the output.
#include "core/nn/pad_reference.h"

#include "core/base/error.h"
#include "core/nn/nn_check.h"

#include <algorithm>
#include <string>

namespace atelier::nn {
namespace {

void check_pad(const char* op, const Nchw& s, int pad) {
  detail::check_extent(op, s);
  if (pad < 0 || pad >= s.h || pad >= s.w)
    throw Error(std::string(op) + ": reflect pad " + std::to_string(pad) +
                " must be non-negative and smaller than the image (" + std::to_string(s.h) + "x" +
                std::to_string(s.w) + ")");
}

template <typename T>
void forward_impl(const Nchw& s, int pad, Layout layout, std::span<const T> x, std::span<T> y) {
  check_pad("reflect_pad_forward", s, pad);
  const Nchw o = reflect_pad_output(s, pad);
  detail::check_size("reflect_pad_forward", "x", x.size(), s.count());
  detail::check_size("reflect_pad_forward", "y", y.size(), o.count());
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < s.c; ++c)
      for (int oy = 0; oy < o.h; ++oy)
        for (int ox = 0; ox < o.w; ++ox)
          y[element_offset(o, layout, n, c, oy, ox)] = x[element_offset(
              s, layout, n, c, reflect_index(oy - pad, s.h), reflect_index(ox - pad, s.w))];
}

template <typename T>
void backward_impl(const Nchw& s, int pad, Layout layout, std::span<const T> dy, std::span<T> dx) {
  check_pad("reflect_pad_backward", s, pad);
  const Nchw o = reflect_pad_output(s, pad);
  detail::check_size("reflect_pad_backward", "dy", dy.size(), o.count());
  detail::check_size("reflect_pad_backward", "dx", dx.size(), s.count());
  std::fill(dx.begin(), dx.end(), T(0));
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < s.c; ++c)
      for (int oy = 0; oy < o.h; ++oy)
        for (int ox = 0; ox < o.w; ++ox)
          dx[element_offset(s, layout, n, c, reflect_index(oy - pad, s.h),
                            reflect_index(ox - pad, s.w))] +=
              dy[element_offset(o, layout, n, c, oy, ox)];
}

} // namespace

Nchw reflect_pad_output(const Nchw& s, int pad) {
  return {s.n, s.c, s.h + 2 * pad, s.w + 2 * pad};
}

void reflect_pad_forward(const Nchw& s, int pad, Layout layout, std::span<const float> x,
                         std::span<float> y) {
  forward_impl(s, pad, layout, x, y);
}
void reflect_pad_forward(const Nchw& s, int pad, Layout layout, std::span<const double> x,
                         std::span<double> y) {
  forward_impl(s, pad, layout, x, y);
}
void reflect_pad_backward(const Nchw& s, int pad, Layout layout, std::span<const float> dy,
                          std::span<float> dx) {
  backward_impl(s, pad, layout, dy, dx);
}
void reflect_pad_backward(const Nchw& s, int pad, Layout layout, std::span<const double> dy,
                          std::span<double> dx) {
  backward_impl(s, pad, layout, dy, dx);
}

} // namespace atelier::nn
