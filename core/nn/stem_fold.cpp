// Column folding of one-channel convolutions; see stem_fold.h.
#include "core/nn/stem_fold.h"

#include "core/base/error.h"

#include <string>

namespace atelier::nn {
namespace {

void check_size(std::size_t got, std::size_t want, const char* what) {
  if (got != want)
    throw Error(std::string("stem_fold: ") + what + " has " + std::to_string(got) +
                " values, expected " + std::to_string(want));
}

} // namespace

bool stem_foldable(const Conv2dShape& s) {
  // "Same" horizontal padding: the folded layer keeps the input's width.
  return s.c == 1 && s.s > 1 && s.stride_h == 1 && s.stride_w == 1 && s.dilation_h == 1 &&
         s.dilation_w == 1 && 2 * s.pad_w == s.s - 1;
}

Conv2dShape stem_folded_shape(const Conv2dShape& s, int align) {
  if (!stem_foldable(s)) throw Error("stem_fold: the layer does not fold");
  if (align < 1) throw Error("stem_fold: the alignment must be positive");
  Conv2dShape f = s;
  f.c = (s.s + align - 1) / align * align;
  f.s = 1;
  f.pad_w = 0;
  return f;
}

void stem_fold_input(const Conv2dShape& s, int align, Layout layout, std::span<const float> in,
                     std::span<float> folded) {
  const Conv2dShape f = stem_folded_shape(s, align);
  check_size(in.size(), s.input_count(), "the input");
  check_size(folded.size(), f.input_count(), "the folded input");
  const Nchw src = s.input(), dst = f.input();
  for (int n = 0; n < s.n; ++n)
    for (int j = 0; j < f.c; ++j)
      for (int y = 0; y < s.h; ++y)
        for (int x = 0; x < s.w; ++x) {
          const int from = x + j - s.pad_w;
          const bool inside = j < s.s && from >= 0 && from < s.w;
          folded[element_offset(dst, layout, n, j, y, x)] =
              inside ? in[element_offset(src, layout, n, 0, y, from)] : 0.0f;
        }
}

void stem_fold_weights(const Conv2dShape& s, int align, std::span<const float> w,
                       std::span<float> folded) {
  const Conv2dShape f = stem_folded_shape(s, align);
  check_size(w.size(), s.weight_count(), "the weights");
  check_size(folded.size(), f.weight_count(), "the folded weights");
  for (int k = 0; k < s.k; ++k)
    for (int j = 0; j < f.c; ++j)
      for (int r = 0; r < s.r; ++r)
        folded[(std::size_t(k) * f.c + j) * s.r + r] =
            j < s.s ? w[(std::size_t(k) * s.r + r) * s.s + j] : 0.0f;
}

void stem_unfold_weights(const Conv2dShape& s, int align, std::span<const float> folded,
                         std::span<float> w) {
  const Conv2dShape f = stem_folded_shape(s, align);
  check_size(w.size(), s.weight_count(), "the weights");
  check_size(folded.size(), f.weight_count(), "the folded weights");
  for (int k = 0; k < s.k; ++k)
    for (int r = 0; r < s.r; ++r)
      for (int j = 0; j < s.s; ++j)
        w[(std::size_t(k) * s.r + r) * s.s + j] = folded[(std::size_t(k) * f.c + j) * s.r + r];
}

} // namespace atelier::nn
