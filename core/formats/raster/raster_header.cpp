// PNG IHDR and JPEG SOF parsing, so absurd or lying dimensions are refused
// before a decoder allocates the image.
#include "core/base/error.h"
#include "core/formats/raster/raster_reader.h"

#include <cstring>

namespace atelier {
namespace {

// Deflate and Huffman-coded JPEG cannot expand data much beyond ~1000:1;
// a header describing more than this per input byte is lying.
constexpr std::uint64_t kMaxExpansion = 1100;
constexpr std::uint64_t kMinAllowance = 1ull << 20;
// OpenCV's own per-axis limit (CV_IO_MAX_IMAGE_WIDTH/HEIGHT).
constexpr std::int64_t kMaxSide = 1 << 20;

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}
std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

RasterHeader parse_png(const std::string& name, const std::uint8_t* d, std::size_t n) {
  if (n < 33) throw FormatError(name, "truncated PNG header");
  if (be32(d + 8) != 13 || std::memcmp(d + 12, "IHDR", 4) != 0)
    throw FormatError(name, "PNG does not start with an IHDR chunk");
  RasterHeader h;
  h.codec = "png";
  h.width = be32(d + 16);
  h.height = be32(d + 20);
  h.bit_depth = d[24];
  const int color_type = d[25];
  switch (color_type) {
  case 0: h.channels = 1; break;
  case 2: h.channels = 3; break;
  case 3: h.channels = 3; break;
  case 4: h.channels = 2; break;
  case 6: h.channels = 4; break;
  default: throw FormatError(name, "unknown PNG colour type " + std::to_string(color_type));
  }
  const int bd = h.bit_depth;
  const bool bd_ok = color_type == 0   ? (bd == 1 || bd == 2 || bd == 4 || bd == 8 || bd == 16)
                     : color_type == 3 ? (bd == 1 || bd == 2 || bd == 4 || bd == 8)
                                       : (bd == 8 || bd == 16);
  if (!bd_ok)
    throw FormatError(name, "invalid PNG bit depth " + std::to_string(bd) + " for colour type " +
                                std::to_string(color_type));
  return h;
}

RasterHeader parse_jpeg(const std::string& name, const std::uint8_t* d, std::size_t n) {
  std::size_t pos = 2;
  while (true) {
    if (pos + 2 > n) throw FormatError(name, "truncated JPEG: no frame header (SOF)");
    if (d[pos] != 0xFF)
      throw FormatError(name, "corrupt JPEG: marker expected at offset " + std::to_string(pos));
    const std::uint8_t marker = d[pos + 1];
    if (marker == 0xFF) { // fill byte
      ++pos;
      continue;
    }
    pos += 2;
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) continue; // no length
    if (marker == 0xD9 || marker == 0xDA)
      throw FormatError(name, "corrupt JPEG: image data before the frame header (SOF)");
    if (pos + 2 > n) throw FormatError(name, "truncated JPEG segment");
    const std::size_t len = be16(d + pos);
    if (len < 2 || pos + len > n) throw FormatError(name, "truncated JPEG segment");
    const bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (len < 8) throw FormatError(name, "truncated JPEG frame header");
      RasterHeader h;
      h.codec = "jpeg";
      h.bit_depth = d[pos + 2];
      h.height = be16(d + pos + 3);
      h.width = be16(d + pos + 5);
      h.channels = d[pos + 7];
      if (h.height == 0)
        throw FormatError(name, "JPEG height defined by a DNL marker is not supported");
      if (h.channels != 1 && h.channels != 3 && h.channels != 4)
        throw FormatError(name, "unsupported JPEG component count " + std::to_string(h.channels));
      if (h.bit_depth != 8 && h.bit_depth != 12 && h.bit_depth != 16)
        throw FormatError(name, "invalid JPEG sample precision " + std::to_string(h.bit_depth));
      // libjpeg fills a truncated scan with grey and reports success, so
      // the end-of-image marker must be present.
      bool has_eoi = false;
      for (std::size_t i = n; i-- > pos + len + 1;)
        if (d[i - 1] == 0xFF && d[i] == 0xD9) {
          has_eoi = true;
          break;
        }
      if (!has_eoi) throw FormatError(name, "truncated JPEG: no end-of-image marker");
      return h;
    }
    pos += len;
  }
}

} // namespace

RasterHeader probe_raster_header(const std::string& name, const std::uint8_t* data,
                                 std::size_t size) {
  static constexpr std::uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  RasterHeader h;
  if (size >= 8 && std::memcmp(data, kPng, 8) == 0)
    h = parse_png(name, data, size);
  else if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
    h = parse_jpeg(name, data, size);
  else
    throw FormatError(name, "not a PNG or JPEG file (wrong magic bytes)");

  if (h.width <= 0 || h.height <= 0 || h.width > kMaxSide || h.height > kMaxSide)
    throw FormatError(name, "invalid image size " + std::to_string(h.width) + " x " +
                                std::to_string(h.height));
  const std::uint64_t bytes_per_sample = h.bit_depth > 8 ? 2 : 1;
  const std::uint64_t decoded = static_cast<std::uint64_t>(h.width) *
                                static_cast<std::uint64_t>(h.height) *
                                static_cast<std::uint64_t>(h.channels) * bytes_per_sample;
  if (decoded > static_cast<std::uint64_t>(size) * kMaxExpansion + kMinAllowance)
    throw FormatError(name, "image size " + std::to_string(h.width) + " x " +
                                std::to_string(h.height) + " is implausible for a file of " +
                                std::to_string(size) + " bytes");
  return h;
}

} // namespace atelier
