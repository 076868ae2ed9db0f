// A 2D thumbnail of a point cloud without a renderer (no X display, no
// VTK), for the project grid: an orthographic view along the cloud's
// thinnest bounding-box axis (looking down on lidar, at the face of a
// scanned object), the nearest point winning each pixel, coloured by its
// RGB or else by its depth along the view through viridis, and shaded by
// depth so the shape reads.
#pragma once

#include "core/data/image.h"
#include "core/data/point_cloud.h"

namespace atelier {

// u8 RGB with the long side long_side (the other in proportion, at least
// 16); background black. An empty cloud gives an empty Image (width 0).
// At most max_points points are drawn, spread evenly over the cloud.
Image point_cloud_thumbnail(const PointCloud& cloud, int long_side = 256,
                            std::size_t max_points = 2'000'000);

} // namespace atelier
