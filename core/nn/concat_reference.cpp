// Channel concatenation through element_offset: one loop nest for both
// layouts, forward and backward (the backward is the same copy reversed).
#include "core/nn/concat_reference.h"

#include "core/nn/nn_check.h"

namespace atelier::nn {
namespace {

template <typename T, typename Visit>
void for_each_pair(const char* op, const Nchw& as, int c2, Layout layout, std::size_t a_size,
                   std::size_t b_size, std::size_t y_size, Visit visit) {
  detail::check_extent(op, as);
  const Nchw bs{as.n, c2, as.h, as.w};
  detail::check_extent(op, bs);
  const Nchw ys{as.n, as.c + c2, as.h, as.w};
  detail::check_size(op, "a", a_size, as.count());
  detail::check_size(op, "b", b_size, bs.count());
  detail::check_size(op, "y", y_size, ys.count());
  for (int n = 0; n < as.n; ++n)
    for (int c = 0; c < ys.c; ++c)
      for (int iy = 0; iy < as.h; ++iy)
        for (int ix = 0; ix < as.w; ++ix) {
          const std::size_t yi = element_offset(ys, layout, n, c, iy, ix);
          if (c < as.c)
            visit(true, element_offset(as, layout, n, c, iy, ix), yi);
          else
            visit(false, element_offset(bs, layout, n, c - as.c, iy, ix), yi);
        }
}

template <typename T>
void forward_impl(const Nchw& as, int c2, Layout layout, std::span<const T> a, std::span<const T> b,
                  std::span<T> y) {
  for_each_pair<T>(
      "concat_channels_forward", as, c2, layout, a.size(), b.size(), y.size(),
      [&](bool from_a, std::size_t src, std::size_t yi) { y[yi] = from_a ? a[src] : b[src]; });
}

template <typename T>
void backward_impl(const Nchw& as, int c2, Layout layout, std::span<const T> dy, std::span<T> da,
                   std::span<T> db) {
  for_each_pair<T>(
      "concat_channels_backward", as, c2, layout, da.size(), db.size(), dy.size(),
      [&](bool to_a, std::size_t dst, std::size_t yi) { (to_a ? da : db)[dst] = dy[yi]; });
}

} // namespace

void concat_channels_forward(const Nchw& a_shape, int c2, Layout layout, std::span<const float> a,
                             std::span<const float> b, std::span<float> y) {
  forward_impl(a_shape, c2, layout, a, b, y);
}
void concat_channels_forward(const Nchw& a_shape, int c2, Layout layout, std::span<const double> a,
                             std::span<const double> b, std::span<double> y) {
  forward_impl(a_shape, c2, layout, a, b, y);
}
void concat_channels_backward(const Nchw& a_shape, int c2, Layout layout, std::span<const float> dy,
                              std::span<float> da, std::span<float> db) {
  backward_impl(a_shape, c2, layout, dy, da, db);
}
void concat_channels_backward(const Nchw& a_shape, int c2, Layout layout,
                              std::span<const double> dy, std::span<double> da,
                              std::span<double> db) {
  backward_impl(a_shape, c2, layout, dy, da, db);
}

} // namespace atelier::nn
