// Opening a point cloud for 3D viewing: PLY, PCD, XYZ and LAS by content.
#pragma once

#include "core/data/point_cloud.h"

#include <string>

namespace atelier {

// True for formats that hold point clouds.
bool is_point_cloud_format(const std::string& format);

// Reads any supported point-cloud file. Throws FormatError naming the file
// and the reason (including "not a point cloud").
PointCloud load_point_cloud(const std::string& path);

} // namespace atelier
