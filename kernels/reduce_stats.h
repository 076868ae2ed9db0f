// Statistics of a float32 array in GPU memory in one pass: count, non-finite
// count, min, max and the shifted sums that give mean and standard deviation.
// The CPU reference is atelier::RunningStats (core/data/stats.h).
#pragma once

#include "kernels/gpu_stream.h"

#include <cstddef>
#include <cstdint>

namespace atelier::kernels {

struct StatsSums {
  std::uint64_t count = 0;      // finite values
  std::uint64_t non_finite = 0; // NaN and Inf, left out of the moments
  double min = 0.0;
  double max = 0.0;
  double shift = 0.0;       // sums are of (x - shift), for precision
  double sum = 0.0;         // sum of (x - shift)
  double sum_squares = 0.0; // sum of (x - shift)^2

  double mean() const;
  double std() const; // population standard deviation
};

// Reads n floats at device_data (device memory) on stream; waits for the
// result (a host synchronisation point). shift should be close to the mean
// (e.g. one sample value) so the sums keep their precision.
StatsSums reduce_stats_f32(const float* device_data, std::size_t n, float shift, gpu_stream stream);

} // namespace atelier::kernels
