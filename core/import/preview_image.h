// One 2D image per imported item, the input of metrics and thumbnails: the
// first MRC section (a movie's frame sum, a volume's middle section), the
// first TIFF page, PNG/JPEG pixels, DICOM pixels (first frame, rescaled to
// float32 when the file has a rescale), all GeoTIFF bands as channels, the
// middle z slice of a NIfTI volume (first time point).
#pragma once

#include "core/data/image.h"
#include "core/io/file_info.h"

#include <string>

namespace atelier::import {

// An empty Image (width() == 0) for point clouds and unknown kinds: such items
// are imported with their header facts only. Throws FormatError naming the
// file when the pixel data cannot be read.
Image read_preview_image(const std::string& path, const FileInfo& info);

} // namespace atelier::import
