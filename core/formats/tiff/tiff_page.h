// One TIFF directory (page): its layout as libtiff reports it, the checks that
// decide whether we can decode it, and decoding into interleaved pixels.
#pragma once

#include "core/base/dtype.h"
#include "core/data/pixel_size.h"

#include <cstdint>
#include <string>

namespace atelier {

class TiffHandle;

struct TiffPage {
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::int64_t samples = 1; // samples per pixel; channels of the decoded Image
  DType dtype = DType::u8;
  std::uint16_t compression = 1;
  std::uint16_t photometric = 1;
  std::uint16_t planar = 1; // 1 contiguous, 2 separate
  bool tiled = false;
  std::uint32_t tile_width = 0;
  std::uint32_t tile_height = 0;
  std::uint32_t rows_per_strip = 0;

  std::uint64_t byte_size() const;
};

// Counts the pages; throws FormatError for a broken directory chain.
int count_tiff_pages(TiffHandle& tiff);
// Makes page the current directory; throws FormatError when libtiff cannot read it.
void select_tiff_page(TiffHandle& tiff, int page);
// Layout of the current directory; throws FormatError for one we cannot decode
// (bit depths other than 8/16/32/64, complex samples, subsampled YCbCr, codecs
// this libtiff lacks).
TiffPage read_tiff_page_layout(TiffHandle& tiff);
// Decodes the current directory into dst (page.byte_size() bytes, interleaved).
void decode_tiff_page(TiffHandle& tiff, const TiffPage& page, std::uint8_t* dst);

// Refuses to decode a page of page_bytes when the pages decoded so far plus this
// one (total_bytes) are implausible for the file: compressed data expands, but
// not past 4 GiB a page or 1000 times the file size (16 MiB at least).
void check_tiff_decoded_size(const TiffHandle& tiff, std::uint64_t page_bytes,
                             std::uint64_t total_bytes);

// Physical pixel size of the current directory from ImageJ's description and
// the resolution tags; unknown (source none) for anything else.
Spacing read_tiff_spacing(TiffHandle& tiff);
// ImageDescription of the current directory; empty when absent.
std::string read_tiff_description(TiffHandle& tiff);

std::string tiff_compression_name(std::uint16_t compression);
std::string tiff_photometric_name(std::uint16_t photometric);

} // namespace atelier
