// LZF decompression. Each control byte c is either a literal run (c < 32:
// c + 1 bytes follow) or a back reference (length c >> 5, extended by one more
// byte when 7; offset from the low 5 bits and the next byte).
#include "core/formats/pointcloud/lzf.h"

#include <cstring>

namespace atelier::pointcloud {

std::size_t lzf_decompress(const std::uint8_t* in, std::size_t in_size, std::uint8_t* out,
                           std::size_t out_size, std::string* error) {
  std::size_t ip = 0;
  std::size_t op = 0;
  const auto fail = [&](const char* why) -> std::size_t {
    if (error) *error = why;
    return 0;
  };
  while (ip < in_size) {
    const unsigned ctrl = in[ip++];
    if (ctrl < 32) {
      const std::size_t len = ctrl + 1;
      if (len > in_size - ip) return fail("literal run past the end of the compressed data");
      if (len > out_size - op) return fail("data unpacks to more bytes than declared");
      std::memcpy(out + op, in + ip, len);
      ip += len;
      op += len;
      continue;
    }
    std::size_t len = ctrl >> 5;
    if (len == 7) {
      if (ip >= in_size) return fail("back reference past the end of the compressed data");
      len += in[ip++];
    }
    if (ip >= in_size) return fail("back reference past the end of the compressed data");
    const std::size_t back = ((static_cast<std::size_t>(ctrl & 0x1f) << 8) | in[ip++]) + 1;
    len += 2;
    if (back > op) return fail("back reference before the start of the data");
    if (len > out_size - op) return fail("data unpacks to more bytes than declared");
    // Byte by byte: a reference may overlap the bytes it produces.
    for (std::size_t i = 0; i < len; ++i, ++op)
      out[op] = out[op - back];
  }
  if (error) error->clear();
  return op;
}

} // namespace atelier::pointcloud
