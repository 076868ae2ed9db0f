#include "core/base/byte_order.h"

#include <algorithm>

namespace atelier {

void byte_swap_inplace(void* data, std::size_t elem_size, std::size_t count) {
  if (elem_size <= 1) return;
  auto* p = static_cast<std::uint8_t*>(data);
  switch (elem_size) {
  case 2:
    for (std::size_t i = 0; i < count; ++i, p += 2)
      std::swap(p[0], p[1]);
    break;
  case 4:
    for (std::size_t i = 0; i < count; ++i, p += 4) {
      std::uint32_t v;
      std::memcpy(&v, p, 4);
      v = __builtin_bswap32(v);
      std::memcpy(p, &v, 4);
    }
    break;
  case 8:
    for (std::size_t i = 0; i < count; ++i, p += 8) {
      std::uint64_t v;
      std::memcpy(&v, p, 8);
      v = __builtin_bswap64(v);
      std::memcpy(p, &v, 8);
    }
    break;
  default:
    for (std::size_t i = 0; i < count; ++i, p += elem_size)
      std::reverse(p, p + elem_size);
  }
}

} // namespace atelier
