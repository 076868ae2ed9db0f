// Streaming statistics (min, max, mean, std) over typed pixel data, so
// readers can measure a file frame by frame without holding it whole.
// NaN and Inf values are counted apart and left out of the moments.
#pragma once

#include "core/base/dtype.h"

#include <cstddef>
#include <cstdint>

namespace atelier {

class RunningStats {
public:
  // Adds count values of dtype stored natively at data.
  void add(const void* data, DType dtype, std::size_t count);
  void add_value(double v);
  void merge(const RunningStats& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t non_finite() const { return non_finite_; }
  double min() const { return min_; }
  double max() const { return max_; }
  double mean() const;
  double std() const; // population standard deviation, as numpy's default

private:
  template <typename T>
  void add_typed(const T* v, std::size_t n);
  void add_block(std::uint64_t n, double mean, double m2, double lo, double hi);

  std::uint64_t count_ = 0;
  std::uint64_t non_finite_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;
  double min_ = 0.0;
  double max_ = 0.0;
};

} // namespace atelier
