// TIFF reader through libtiff: multipage stacks, int and float, any compression, strips and tiles.
#pragma once

#include "core/data/image.h"
#include "core/data/volume.h"
#include "core/io/file_info.h"

#include <cstdint>
#include <functional>
#include <string>

namespace atelier {

// Header facts plus statistics of the decoded data, for `atelier-cli info`.
// dims: [width, height] for one page, [width, height, pages] for a stack.
// Throws FormatError naming the file and the reason.
FileInfo inspect_tiff(const std::string& path);

// Number of pages (image directories) in the file.
int tiff_page_count(const std::string& path);

// Pages that are images in their own right, counted up to `at_most`:
// reduced-resolution previews and transparency masks (NewSubfileType bits 0
// and 2) and pages of another size than the first are not counted. A
// micrograph with a thumbnail page gives 1, a movie or stack more.
int tiff_full_resolution_pages(const std::string& path, int at_most = 2);

// One page (0-based) in its stored type, samples interleaved as channels
// (separate planes are interleaved on read). Spacing from ImageJ metadata.
Image read_tiff_page(const std::string& path, int page);

// All pages as a volume (nz = pages). Every page must have the first page's
// size and type and one sample per pixel; otherwise FormatError.
Volume read_tiff_stack(const std::string& path);

// A stack's shape from its first page and page count (nothing decoded).
struct TiffStackInfo {
  std::int64_t width = 0, height = 0, pages = 0;
  DType dtype = DType::u8;
  Spacing spacing;
};
TiffStackInfo read_tiff_stack_info(const std::string& path);

// Decodes the stack a page at a time into one reused image (one open handle,
// so memory stays at one page); the same checks as read_tiff_stack.
void visit_tiff_stack(const std::string& path,
                      const std::function<void(int page, const Image& image)>& visit);

} // namespace atelier
