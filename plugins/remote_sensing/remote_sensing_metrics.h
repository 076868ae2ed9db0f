// Remote-sensing quality metrics for multiband rasters (GeoTIFF): the
// fraction of nodata pixels and, for RGB(+NIR) products, a cloud fraction
// estimate. Per-band statistics and saturation come from the generic
// provider (mean_b1, saturation_fraction_b2, ...).
#pragma once

#include "core/data/image.h"
#include "core/metrics/metric.h"

#include <optional>
#include <vector>

namespace atelier::plugins {

// A pixel is nodata when every band equals `nodata` (GDAL's per-dataset
// value), or when any band is NaN.
double nodata_fraction(const Image& image, std::optional<double> nodata);

// Bright, white pixels among the valid ones, for 3- or 4-band images whose
// first three bands are visible (R, G, B; a fourth is NIR): the smallest
// visible band above 0.3 of full reflectance and (max - min) / mean of the
// visible bands below 0.2. Full reflectance: 255 for 8-bit data, 10000 for
// 16-bit (the Sentinel-2 / Landsat scaling), 1 for floats. A heuristic
// without thermal or SWIR bands: bright snow, sand and roofs count too.
// nullopt for other band counts.
std::optional<double> cloud_fraction(const Image& image, std::optional<double> nodata);

// nodata_fraction, and cloud_fraction when the bands allow it.
std::vector<metrics::Metric> remote_sensing_metrics(const Image& image,
                                                    std::optional<double> nodata);

} // namespace atelier::plugins
