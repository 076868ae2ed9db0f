// Radiography quality metrics for projection X-rays (DICOM CR/DX/MG/...):
// how many of the stored bits carry data, the body region found by Otsu's
// threshold with its exposure proxy (mean and std of the raw values inside
// it) and windowed contrast, and the collimation border.
#pragma once

#include "core/data/image.h"
#include "core/metrics/metric.h"

#include <string>
#include <vector>

namespace atelier::plugins {

struct RadiographFacts {
  int bits_stored = 0;      // 0 when the header does not say
  bool monochrome1 = false; // high values are dark (air bright): inverted for the body mask
};

// bits_stored (when known), bits_used = ceil(log2(max - min + 1)) of the
// values, body_fraction, body_mean, body_std (raw values inside the body
// mask), windowed_contrast (std of the body values clipped to their p01..p99
// window, over that window's width; 0 for a flat body), border_fraction
// (the share of the image in uniform bands along the edges: collimator
// blades or black borders; rows/columns whose range is under 1% of the
// image's are peeled off each side).
std::vector<metrics::Metric> radiography_metrics(const Image& image, const RadiographFacts& facts);

} // namespace atelier::plugins
