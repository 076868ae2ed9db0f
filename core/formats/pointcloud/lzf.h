// LZF decompression (the liblzf format PCL uses for DATA binary_compressed),
// written here so the GPU-only build needs no compression library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace atelier::pointcloud {

// Decompresses in[0, in_size) into out[0, out_size) and returns the number of
// bytes written. A corrupt stream (a back reference before the start, a run
// past the end of the input, output beyond out_size) sets *error to the
// reason and returns 0; *error is cleared on success. Never writes past
// out_size, so a lying size header cannot overflow the buffer.
std::size_t lzf_decompress(const std::uint8_t* in, std::size_t in_size, std::uint8_t* out,
                           std::size_t out_size, std::string* error);

} // namespace atelier::pointcloud
