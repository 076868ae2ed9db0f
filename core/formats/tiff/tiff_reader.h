// TIFF reader through libtiff: multipage stacks, int and float, any compression, strips and tiles.
#pragma once

#include "core/data/image.h"
#include "core/data/volume.h"
#include "core/io/file_info.h"

#include <string>

namespace atelier {

// Header facts plus statistics of the decoded data, for `atelier-cli info`.
// dims: [width, height] for one page, [width, height, pages] for a stack.
// Throws FormatError naming the file and the reason.
FileInfo inspect_tiff(const std::string& path);

// Number of pages (image directories) in the file.
int tiff_page_count(const std::string& path);

// One page (0-based) in its stored type, samples interleaved as channels
// (separate planes are interleaved on read). Spacing from ImageJ metadata.
Image read_tiff_page(const std::string& path, int page);

// All pages as a volume (nz = pages). Every page must have the first page's
// size and type and one sample per pixel; otherwise FormatError.
Volume read_tiff_stack(const std::string& path);

} // namespace atelier
