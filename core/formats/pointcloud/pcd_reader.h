// PCD point clouds (ascii, binary, binary_compressed), organized clouds with NaN.
#pragma once

#include "core/data/point_cloud.h"
#include "core/io/byte_source.h"
#include "core/io/file_info.h"

#include <string>

namespace atelier {

// Header facts plus statistics of the decoded data, for `atelier-cli info`.
// `points` is the header's POINTS; extra "finite_points" counts the points
// kept after dropping NaN ones. Throws FormatError naming the file and the reason.
FileInfo inspect_pcd(const std::string& path);

// x, y, z, colour from "rgb"/"rgba" (packed 0xAARRGGBB, stored as float bits
// or uint32) or from r/g/b fields, intensity, normals (normal_x/nx ...), other
// fields as named scalar fields; a field with COUNT k > 1 becomes k fields
// name_0 ... name_{k-1}. Points with a non-finite x, y or z (the holes of an
// organized cloud) are dropped; metadata "nan_points_skipped" counts them.
// Metadata: "encoding", "version", "width", "height", "points", "viewpoint".
PointCloud read_pcd(const ByteSource& src);
PointCloud read_pcd(const std::string& path);

} // namespace atelier
