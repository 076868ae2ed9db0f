// Metrics that apply to any raster: value statistics, robust percentiles,
// NaN/Inf counts, saturation, sharpness, a noise estimate, and a 64-bit
// perceptual hash for near-duplicate detection.
#pragma once

#include "core/data/image.h"
#include "core/metrics/metric.h"
#include "core/metrics/plane.h"

#include <cstdint>
#include <vector>

namespace atelier::metrics {

// Names (single-band images): min, max, mean, std (population), p01, p50,
// p99 (order statistics of the finite values, numpy's linear interpolation;
// exact up to kPercentileSamples values, of a regular subsample above),
// nan_count, inf_count, saturation_fraction, sharpness,
// noise_sigma. Multi-band images get these over all values plus the same
// per band with a suffix: mean_b1, mean_b2, ... Sharpness and noise_sigma
// without a suffix are measured on the per-pixel mean of the bands.
// min/max/mean/std/percentiles are NaN when no value is finite.
std::vector<Metric> generic_metrics(const Image& image);

// Variance of the 4-neighbour Laplacian over interior pixels whose 3x3
// cross is finite; 0 for images smaller than 3x3.
double laplacian_variance(PlaneView plane);

// Noise sigma for white noise: d = x[i+1] - x[i] along rows has sigma
// sqrt(2) * s for noise s, so s = 1.4826 * MAD(d) / sqrt(2), MAD being the
// median absolute deviation from the median of d. The median makes edges and
// smooth structure (few large differences) count little. Pairs with a
// non-finite member are skipped; 0 when there is no pair. Above
// kPercentileSamples pairs, a regular subsample of the pairs is used.
double noise_sigma(PlaneView plane);

// Fraction of values at the dtype's maximum for integer types. For floats,
// the fraction at the finite maximum when more than 0.1% of values sit
// there, else 0.
double saturation_fraction(const Image& image, std::int64_t band);

// dHash: the band mean is averaged over a 9x8 grid of cells (each pixel in
// the cell holding its centre, NaN/Inf left out; an empty cell is 0) and bit
// (y*8+x) is set when cell (x, y) is brighter than cell (x+1, y). Robust to
// scaling, contrast and mild noise. Images smaller than 9x8 leave cells empty.
std::uint64_t perceptual_hash(const Image& image);
// The same on one plane (e.g. a thumbnail's, which gives nearly the same bits
// as the full image at a fraction of the cost).
std::uint64_t perceptual_hash(PlaneView plane);
int hamming_distance(std::uint64_t a, std::uint64_t b);

} // namespace atelier::metrics
