// Thumbnails for the import browser: robust-contrast 8-bit previews, atomic
// PNG/JPEG writing, and a size-bounded on-disk cache evicting least-recently-used
// files first.
#pragma once

#include "core/data/image.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace atelier::metrics {

struct ThumbnailOptions {
  double low_percentile = 0.5;
  double high_percentile = 99.5;
};

// u8 gray (1 band), or RGB for 3- and 4-band inputs (the first three bands,
// stretched jointly so colour balance is kept). Values map linearly from the
// low..high percentiles of the finite values to 0..255 (clamped); NaN and -Inf
// become 0, +Inf 255; a constant image is all 0. The long side shrinks to
// long_side by area averaging (as cv::INTER_AREA) of the mapped values;
// smaller images keep their size. Contrast limits come from at most
// kPercentileSamples values (exact below).
// Other band counts show band 1.
Image make_thumbnail(const Image& image, int long_side = 256, const ThumbnailOptions& options = {});

// Writes a u8 gray or RGB image as PNG (lossless) or JPEG (by path's
// extension: .png, .jpg, .jpeg) via a temporary file in the same folder
// renamed over path, so readers never see a half-written file. Throws Error
// on failure or another extension.
void write_thumbnail(const Image& thumb, const std::string& path);

// The cache stores JPEG at this quality: a 256 px preview of a noisy
// micrograph encodes 3x faster than PNG and takes 2.5x less space (15 vs
// 38 kB), so the 2 GiB budget holds about 140,000 thumbnails.
inline constexpr int kThumbnailJpegQuality = 90;

class ThumbnailCache {
public:
  static constexpr std::uint64_t kDefaultBudget = std::uint64_t{2} << 30; // 2 GiB

  // Creates folder when missing.
  explicit ThumbnailCache(std::filesystem::path folder,
                          std::uint64_t budget_bytes = kDefaultBudget);

  const std::filesystem::path& folder() const { return folder_; }
  std::uint64_t budget() const { return budget_; }

  // <folder>/<key>.jpg; characters outside [A-Za-z0-9._-] become '_' and a
  // hash of the key is appended then (also for keys over 100 characters).
  std::filesystem::path path_for(const std::string& key) const;
  // Writes thumb for key, marks it most recently used, evicts to budget.
  std::filesystem::path put(const std::string& key, const Image& thumb);
  // Marks key most recently used (its file's mtime); false when it is absent.
  bool touch(const std::string& key);
  bool contains(const std::string& key) const;
  // Total bytes of the cache's thumbnail files.
  std::uint64_t total_bytes() const;
  // Removes least recently used thumbnail files (oldest mtime first) until the
  // total fits the budget; files vanishing meanwhile are skipped. Returns the
  // number of files removed.
  std::size_t evict_to_budget();

private:
  void stamp(const std::filesystem::path& path);

  std::filesystem::path folder_;
  std::uint64_t budget_;
  std::filesystem::file_time_type last_stamp_{};
  // The folder's bytes as this object last counted them plus what it wrote
  // since, so put() lists the folder only when the budget may be exceeded.
  std::optional<std::uint64_t> known_total_;
};

} // namespace atelier::metrics
