// Memory order of a 4D activation tensor for the CPU reference ops: NCHW
// (PyTorch's default, the reference convolution's) or NHWC (the GPU's, for
// tensor cores). Extents are always given as an Nchw whatever the order.
#pragma once

#include "core/nn/conv2d_reference.h"

#include <cstddef>

namespace atelier::nn {

enum class Layout { nchw, nhwc };

// Offset of element (n, c, y, x) of a tensor of extent s stored in layout.
inline std::size_t element_offset(const Nchw& s, Layout layout, int n, int c, int y, int x) {
  if (layout == Layout::nchw) return ((std::size_t(n) * s.c + c) * s.h + y) * s.w + x;
  return ((std::size_t(n) * s.h + y) * s.w + x) * s.c + c;
}

} // namespace atelier::nn
