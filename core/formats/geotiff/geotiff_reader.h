// GeoTIFF reader through GDAL: multiband, nodata, geotransform, CRS.
#pragma once

#include "core/data/image.h"
#include "core/io/file_info.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace atelier {

struct GeoRaster {
  Image image; // bands as interleaved channels, stored type kept
  // GDAL's affine transform: x = gt[0] + col*gt[1] + row*gt[2],
  // y = gt[3] + col*gt[4] + row*gt[5]; {0, 1, 0, 0, 0, 1} when the file has none.
  std::array<double, 6> geotransform{0.0, 1.0, 0.0, 0.0, 0.0, 1.0};
  bool has_geotransform = false;
  std::string crs;     // "EPSG:32618" when an authority code exists, else the CRS name
  std::string crs_wkt; // WKT1; empty when not georeferenced
  std::vector<std::optional<double>> nodata; // one per band
  std::vector<std::string> band_names;       // one per band, or empty when no band has one
};

// Reads every band. image.spacing is the pixel size from the geotransform in
// the CRS's unit ("m", "deg", "ft", ...). Throws FormatError naming the file
// and GDAL's reason.
GeoRaster read_geotiff(const std::string& path);

// Header facts plus statistics of all bands, nodata pixels excluded, for
// `atelier-cli info`. Throws FormatError naming the file and the reason.
FileInfo inspect_geotiff(const std::string& path);

} // namespace atelier
