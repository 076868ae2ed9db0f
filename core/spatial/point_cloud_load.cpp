// Point-cloud loading: one entry point over the four readers.
#include "core/spatial/point_cloud_load.h"

#include "core/base/error.h"
#include "core/formats/pointcloud/las_reader.h"
#include "core/formats/pointcloud/pcd_reader.h"
#include "core/formats/pointcloud/ply_reader.h"
#include "core/formats/pointcloud/xyz_reader.h"
#include "core/io/file_inspect.h"

namespace atelier {

bool is_point_cloud_format(const std::string& format) {
  return format == "ply" || format == "pcd" || format == "xyz" || format == "las";
}

PointCloud load_point_cloud(const std::string& path) {
  const std::string format = detect_format(path);
  if (format == "ply") return read_ply(path);
  if (format == "pcd") return read_pcd(path);
  if (format == "xyz") return read_xyz(path);
  if (format == "las") return read_las(path);
  throw FormatError(path, "a " + format +
                              " file is not a point cloud (3D views open PLY, PCD, XYZ and LAS)");
}

} // namespace atelier
