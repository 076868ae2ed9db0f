// What `atelier-cli info` reports about one file: its format, shape, stored
// type, sampling, statistics of the decoded data, and format-specific facts.
// Keys follow ../shared/data/manifest.json so tests compare directly.
#pragma once

#include "core/base/dtype.h"
#include "core/data/pixel_size.h"
#include "core/data/stats.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace atelier {

using InfoValue = std::variant<std::int64_t, double, std::string>;

struct FileInfo {
  std::string path;
  std::string format; // mrc, tiff, geotiff, dicom, png, jpeg, nifti, ply, pcd, xyz, las, star,
                      // safetensors (model weights)
  // MRC [nx, ny, nz]; 2D rasters [width, height]; TIFF stacks [width, height, pages];
  // NIfTI dim[1..ndim]. Empty for point clouds and tables.
  std::vector<std::int64_t> dims;
  std::optional<DType> dtype;
  std::optional<std::int64_t> bands; // multiband rasters only
  std::vector<std::string> band_names;
  std::optional<double> nodata;
  std::string crs; // e.g. "EPSG:32618"; empty when not georeferenced
  std::optional<std::uint64_t> points;
  std::vector<std::string> fields;   // point-cloud fields as stored
  std::optional<std::uint64_t> rows; // STAR tables: rows of the main data block
  Spacing spacing;                   // pixel or voxel size per axis with unit
  std::optional<RunningStats> stats; // of the decoded data
  // Format-specific facts emitted as top-level JSON keys (mrc_mode, modality,
  // photometric, transfer_syntax, encoding, version, point_format, ...).
  std::vector<std::pair<std::string, InfoValue>> extra;

  void set_extra(std::string key, InfoValue value);
  const InfoValue* find_extra(const std::string& key) const;
  // A fact as text ("" when absent or not text) or as a number (integers
  // too; nullopt when absent or not a number).
  std::string extra_text(const std::string& key) const;
  std::optional<double> extra_number(const std::string& key) const;
};

} // namespace atelier
