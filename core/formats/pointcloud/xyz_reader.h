// XYZ / CSV point clouds.
#pragma once

#include "core/data/point_cloud.h"
#include "core/io/byte_source.h"
#include "core/io/file_info.h"

#include <string>

namespace atelier {

// Header facts plus statistics of the decoded data, for `atelier-cli info`.
// Throws FormatError naming the file and the reason.
FileInfo inspect_xyz(const std::string& path);

// Whitespace- or comma-separated columns, one point per line; lines starting
// with '#' or '//' are comments. An optional first line names the columns
// (x, y, z, r/red, g, b, intensity, nx, ny, nz, ...). Without one: 3 columns
// are x y z; 4 add intensity; 6 add r g b; 7 are x y z intensity r g b (PTS);
// any other count gives x y z and fields col3, col4, ... A first line holding
// a single integer (the PTS point count) is skipped. Colours may be 0-255 or
// 0-1. Rows with a different number of columns are a FormatError naming the line.
PointCloud read_xyz(const ByteSource& src);
PointCloud read_xyz(const std::string& path);

} // namespace atelier
