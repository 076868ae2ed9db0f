// Assembles a PointCloud from rows of named columns, the common ground of the
// PLY, PCD and XYZ readers: which column is x, a colour channel, intensity or
// a normal component is decided once from the names; the rest become named
// scalar fields. Also the bounds facts every point-cloud reader reports.
#pragma once

#include "core/data/point_cloud.h"
#include "core/io/file_info.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace atelier::pointcloud {

class PointCloudBuilder {
public:
  // columns: one name per value of a row. packed_rgb[i] marks a column that
  // holds 0xAARRGGBB as an integer (PCD "rgb"/"rgba"). Throws FormatError
  // naming source_name when x, y or z is missing.
  PointCloudBuilder(std::string source_name, std::vector<std::string> columns,
                    std::vector<bool> packed_rgb = {});

  // Points with a non-finite x, y or z are counted and dropped (PCD's
  // organized clouds mark missing measurements with NaN; in PLY and XYZ they
  // are damage): on unless turned off.
  void set_skip_non_finite(bool skip) { skip_non_finite_ = skip; }
  void reserve(std::size_t points);
  std::size_t columns() const { return roles_.size(); }
  // One row of columns() values.
  void add(const double* values);
  std::uint64_t skipped() const { return skipped_; }

  // Colour channels stored as 0-1 floats are scaled to 0-255, 16-bit ones
  // shifted down by 8, 0-255 ones kept.
  PointCloud finish(std::vector<std::string> stored_fields);

private:
  enum class Role : std::uint8_t {
    x = 1,
    y,
    z,
    red,
    green,
    blue,
    packed,
    intensity,
    nx,
    ny,
    nz,
    scalar
  };
  // Lower-case column name to role.
  static Role role_of(const std::string& name);

  std::string source_name_;
  std::vector<Role> roles_;
  std::vector<std::size_t> scalar_index_; // per column: index into cloud_.fields
  bool skip_non_finite_ = true;
  bool has_channels_ = false;
  bool has_packed_ = false;
  std::uint64_t skipped_ = 0;
  std::vector<std::array<double, 3>> colour_;
  PointCloud cloud_;
};

// bounds_min_x ... bounds_max_z as numbers, for FileInfo::extra.
void add_bounds_extra(const PointCloud& cloud, FileInfo& info);
// The same facts as Metadata strings.
void set_bounds_metadata(PointCloud& cloud);

} // namespace atelier::pointcloud
