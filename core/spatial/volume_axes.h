// Axis order of stored volumes: MRC maps may store their columns, rows and
// sections along any permutation of x, y and z (mapc, mapr, maps; common in
// crystallographic CCP4 maps). The 3D views want x fastest, then y, z; these
// put a file-ordered volume, or one section at a time, into that order.
#pragma once

#include "core/data/volume.h"

#include <array>
#include <cstddef>
#include <cstdint>

namespace atelier {

struct AxisOrder {
  // axis_of_file[i]: the axis (0 x, 1 y, 2 z) along which file axis i
  // (0 columns, 1 rows, 2 sections) runs; reversed[i]: whether it runs
  // toward lower x, y or z (its first voxel lands last).
  std::array<int, 3> axis_of_file{0, 1, 2};
  std::array<bool, 3> reversed{false, false, false};
  bool identity() const {
    return axis_of_file == std::array<int, 3>{0, 1, 2} && reversed == std::array<bool, 3>{};
  }
};

// From an MRC header's mapc, mapr, maps (1 x, 2 y, 3 z). Anything that is
// not a permutation of 1, 2, 3 (some writers leave zeros) reads as 1, 2, 3.
AxisOrder mrc_axis_order(const std::array<std::int32_t, 3>& map_crs);

// The order that shows a volume whose voxel axis i points along column i of
// direction (world coordinates) with x, y, z each along the world axis
// nearest to one voxel axis, increasing toward toward[j] (+1 or -1) of
// world axis j (NIfTI volumes: LPS of RAS, see volume_load).
AxisOrder nearest_axis_order(const std::array<std::array<double, 3>, 3>& direction,
                             const std::array<int, 3>& toward);

// Extent along x, y, z of a volume whose columns, rows and sections number
// file_extent.
std::array<std::int64_t, 3> xyz_extent(const AxisOrder& order,
                                       const std::array<std::int64_t, 3>& file_extent);

// Copies section s of a file-ordered volume (columns x rows elements of
// element_bytes each, columns fastest) into its place in xyz, a volume of
// xyz_extent(order, file_extent) in x, y, z order.
void place_section(const AxisOrder& order, const std::array<std::int64_t, 3>& file_extent,
                   std::int64_t s, const std::uint8_t* section, std::size_t element_bytes,
                   std::uint8_t* xyz);

// The volume (every time point) in x, y, z order; volume's own axes are the
// file's columns, rows and sections. Spacing and metadata are kept (MRC
// voxel sizes are already per x, y, z).
Volume to_xyz_order(const Volume& volume, const AxisOrder& order);

} // namespace atelier
