// Dispatches `info` to the reader of each format. Formats whose libraries
// are absent from a build (the GPU-only build has none) report so.
#include "core/io/file_inspect.h"

#include "core/base/error.h"
#include "core/formats/mrc/mrc_reader.h"
#include "core/formats/pointcloud/las_reader.h"
#include "core/formats/pointcloud/pcd_reader.h"
#include "core/formats/pointcloud/ply_reader.h"
#include "core/formats/pointcloud/xyz_reader.h"
#include "core/formats/star/star_reader.h"
#include "core/recipes/denoise/weights_info.h"

#if ATELIER_WITH_FORMAT_LIBS
#include "core/formats/dicom/dicom_reader.h"
#include "core/formats/geotiff/geotiff_reader.h"
#include "core/formats/nifti/nifti_reader.h"
#include "core/formats/raster/raster_reader.h"
#include "core/formats/tiff/tiff_reader.h"
#endif

namespace atelier {
namespace {

struct Handler {
  const char* format;
  FileInfo (*inspect)(const std::string& path);
};

constexpr Handler kHandlers[] = {
    {"mrc", inspect_mrc},
    {"star", inspect_star},
    {"ply", inspect_ply},
    {"pcd", inspect_pcd},
    {"xyz", inspect_xyz},
    {"las", inspect_las},
    {"safetensors", denoise::inspect_weights},
#if ATELIER_WITH_FORMAT_LIBS
    {"tiff", inspect_tiff},
    {"geotiff", inspect_geotiff},
    {"dicom", inspect_dicom},
    {"png", inspect_raster},
    {"jpeg", inspect_raster},
    {"nifti", inspect_nifti},
#endif
};

} // namespace

std::vector<std::string> supported_formats() {
  std::vector<std::string> out;
  for (const auto& h : kHandlers)
    out.emplace_back(h.format);
  return out;
}

FileInfo inspect_file(const std::string& path) {
  const std::string format = detect_format(path);
  for (const auto& h : kHandlers) {
    if (format == h.format) {
      FileInfo info = h.inspect(path);
      info.path = path;
      info.format = format;
      return info;
    }
  }
  throw UnsupportedError(path + ": " + format +
                         " files need a library this build was made without "
                         "(the GPU-only build reads MRC, STAR and point clouds)");
}

} // namespace atelier
