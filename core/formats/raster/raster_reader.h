// PNG and JPEG reader through OpenCV, 8 and 16 bit. Header dimensions are read
// and checked here before OpenCV is allowed to allocate anything.
#pragma once

#include "core/data/image.h"
#include "core/io/file_info.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace atelier {

// What the PNG IHDR chunk or the JPEG SOF segment declares.
struct RasterHeader {
  std::string codec; // "png" or "jpeg"
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::int64_t channels = 0; // components as stored (PNG palette counts as 3)
  int bit_depth = 0;         // bits per sample
};

// Parses and checks the header; throws FormatError for anything that is not
// a PNG or JPEG with sane dimensions for a data size of `size` bytes.
RasterHeader probe_raster_header(const std::string& name, const std::uint8_t* data,
                                 std::size_t size);

// Decodes a PNG or JPEG: stored bit depth kept (8 or 16), colour as RGB(A),
// grey as one channel. Throws FormatError naming the file and the reason.
Image read_raster(const std::string& path);
// The same from bytes in memory; `name` is used in errors.
Image decode_raster(const std::string& name, const std::uint8_t* data, std::size_t size);

// Header facts plus statistics of the decoded data, for `atelier-cli info`.
// Throws FormatError naming the file and the reason.
FileInfo inspect_raster(const std::string& path);

} // namespace atelier
