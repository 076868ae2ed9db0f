// GeoTIFF reader through GDAL: multiband, nodata, geotransform, CRS.
#pragma once

#include "core/io/file_info.h"

#include <string>

namespace atelier {

// Header facts plus statistics of the decoded data, for `atelier-cli info`.
// Throws FormatError naming the file and the reason.
FileInfo inspect_geotiff(const std::string& path);

} // namespace atelier
