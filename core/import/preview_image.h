// One 2D image per imported item, the input of metrics and thumbnails: the
// first MRC section (a movie's frame sum, a volume's middle section), the
// first TIFF page (a TIFF movie's frame sum, a TIFF volume's middle page),
// PNG/JPEG pixels, DICOM pixels (first frame, rescaled to
// float32 when the file has a rescale), all GeoTIFF bands as channels, the
// middle z slice of a NIfTI volume (first time point).
#pragma once

#include "core/data/image.h"
#include "core/io/file_info.h"
#include "core/metrics/metric.h"

#include <cstdint>
#include <string>
#include <vector>

namespace atelier::import {

// The preview image and what was measured while reading it: a movie's drift
// metrics (core/metrics/movie_drift.h), taken in the same pass over its
// frames as its sum, when asked for.
struct Preview {
  Image image;
  std::vector<metrics::Metric> movie_metrics;
  std::string drift_trajectory; // metrics::format_trajectory text; empty without one
};
struct DriftRequest {
  double pixel_size_A = 0.0; // 0: unknown (metrics in pixels only)
};
// read_preview_image's image; drift (may be null): measure a movie's drift.
Preview read_preview(const std::string& path, const FileInfo& info, const DriftRequest* drift);

// An empty Image (width() == 0) for point clouds and unknown kinds: such items
// are imported with their header facts only. Throws FormatError naming the
// file when the pixel data cannot be read.
Image read_preview_image(const std::string& path, const FileInfo& info);

// The frames a viewer can step through: a movie's frames, a stack's pages, a
// volume's z sections, a multi-frame DICOM's frames. preview: the frame the
// preview image is (-1: the sum of a movie's frames).
struct ItemFrames {
  std::int64_t count = 1;
  std::int64_t preview = 0;
};
ItemFrames item_frames(const FileInfo& info);
// Frame index of an item (-1: a movie's sum); throws FormatError naming the
// file for an index it does not have or unreadable pixels.
Image read_item_frame(const std::string& path, const FileInfo& info, std::int64_t index);

} // namespace atelier::import
