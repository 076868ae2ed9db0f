// One Noise2Noise pair in memory: both half-sums of a micrograph decoded to
// float32 and normalised to zero mean and unit standard deviation, either
// each by its own statistics or by a dataset-wide record.
#pragma once

#include "core/data/image.h"
#include "core/data/pixel_size.h"
#include "core/recipes/denoise/pair_list.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace atelier::denoise {

// Normalisation divides by max(std, kStdFloor), so a constant image (std 0)
// becomes all zeros instead of inf / NaN.
inline constexpr double kStdFloor = 1e-6;

struct NormalizationRecord {
  double mean = 0.0;
  double std = 1.0;
};

// Loads a micrograph as a width x height x 1 float32 Image: MRC (any mode
// MrcFile reads; the first frame of a stack) and, when the build has the
// format libraries, single-channel TIFF (one image, with or without preview
// pages; a multi-image TIFF is refused like an MRC stack). The spacing (pixel
// size in Å for MRC) is kept. Throws FormatError for unreadable files,
// multi-channel images and non-finite pixels (NaN or Inf would poison the
// normalisation), UnsupportedError for TIFF in a build without libtiff.
Image load_micrograph(const std::string& path);

// Mean and population standard deviation (accumulated in double).
NormalizationRecord image_statistics(std::span<const float> pixels);
// pixels <- (pixels - mean) / max(std, kStdFloor).
void apply_normalization(std::span<float> pixels, const NormalizationRecord& record);

struct LoadedPair {
  std::string odd_path, even_path;
  std::int64_t width = 0, height = 0;
  std::vector<float> odd, even; // row-major, height x width
  Spacing spacing;              // of the odd half (the pixel size for denoised output)
  // What was applied; mean 0 / std 1 until normalize_pair runs.
  NormalizationRecord odd_record, even_record;

  std::size_t byte_size() const { return (odd.size() + even.size()) * sizeof(float); }
};

// Loads both halves. Throws FormatError(odd_path, "... <even_path> ...") when
// their sizes differ or their pixels are identical.
LoadedPair load_pair(const ImagePair& pair);
// Each half normalised by its own mean and std.
void normalize_pair(LoadedPair& pair);
// Both halves normalised by one dataset-wide record.
void normalize_pair(LoadedPair& pair, const NormalizationRecord& record);

} // namespace atelier::denoise
