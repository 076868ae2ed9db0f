#include "core/data/stats.h"

#include "core/base/error.h"
#include "core/base/half.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace atelier {
namespace {
constexpr std::size_t kBlock = 4096;
}

// Blocks are summed in double with a shifted two-pass formula (exact enough
// for 16-bit data and float micrographs), then merged with Chan's update.
template <typename T>
void RunningStats::add_typed(const T* v, std::size_t n) {
  for (std::size_t start = 0; start < n; start += kBlock) {
    const std::size_t len = std::min(kBlock, n - start);
    double sum = 0.0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
    std::uint64_t finite = 0;
    for (std::size_t i = 0; i < len; ++i) {
      const double x = static_cast<double>(v[start + i]);
      if constexpr (std::is_floating_point_v<T>) {
        if (!std::isfinite(x)) continue;
      }
      sum += x;
      lo = std::min(lo, x);
      hi = std::max(hi, x);
      ++finite;
    }
    non_finite_ += len - finite;
    if (finite == 0) continue;
    const double mean = sum / static_cast<double>(finite);
    double m2 = 0.0;
    for (std::size_t i = 0; i < len; ++i) {
      const double x = static_cast<double>(v[start + i]);
      if constexpr (std::is_floating_point_v<T>) {
        if (!std::isfinite(x)) continue;
      }
      m2 += (x - mean) * (x - mean);
    }
    add_block(finite, mean, m2, lo, hi);
  }
}

void RunningStats::add_block(std::uint64_t n, double mean, double m2, double lo, double hi) {
  if (n == 0) return;
  if (count_ == 0) {
    count_ = n;
    mean_ = mean;
    m2_ = m2;
    min_ = lo;
    max_ = hi;
    return;
  }
  const double na = static_cast<double>(count_), nb = static_cast<double>(n);
  const double delta = mean - mean_;
  const double total = na + nb;
  mean_ += delta * nb / total;
  m2_ += m2 + delta * delta * na * nb / total;
  count_ += n;
  min_ = std::min(min_, lo);
  max_ = std::max(max_, hi);
}

void RunningStats::add(const void* data, DType dtype, std::size_t count) {
  switch (dtype) {
  case DType::u8: return add_typed(static_cast<const std::uint8_t*>(data), count);
  case DType::i8: return add_typed(static_cast<const std::int8_t*>(data), count);
  case DType::u16: return add_typed(static_cast<const std::uint16_t*>(data), count);
  case DType::i16: return add_typed(static_cast<const std::int16_t*>(data), count);
  case DType::u32: return add_typed(static_cast<const std::uint32_t*>(data), count);
  case DType::i32: return add_typed(static_cast<const std::int32_t*>(data), count);
  case DType::f32: return add_typed(static_cast<const float*>(data), count);
  case DType::f64: return add_typed(static_cast<const double*>(data), count);
  case DType::f16: {
    const auto* h = static_cast<const std::uint16_t*>(data);
    float buf[kBlock];
    for (std::size_t start = 0; start < count; start += kBlock) {
      const std::size_t len = std::min(kBlock, count - start);
      for (std::size_t i = 0; i < len; ++i)
        buf[i] = half_to_float(h[start + i]);
      add_typed(buf, len);
    }
    return;
  }
  }
  throw Error("RunningStats: invalid dtype");
}

void RunningStats::add_value(double v) {
  if (!std::isfinite(v)) {
    ++non_finite_;
    return;
  }
  add_block(1, v, 0.0, v, v);
}

void RunningStats::merge(const RunningStats& o) {
  non_finite_ += o.non_finite_;
  add_block(o.count_, o.mean_, o.m2_, o.min_, o.max_);
}

double RunningStats::mean() const {
  return count_ ? mean_ : std::numeric_limits<double>::quiet_NaN();
}

double RunningStats::std() const {
  return count_ ? std::sqrt(m2_ / static_cast<double>(count_))
                : std::numeric_limits<double>::quiet_NaN();
}

} // namespace atelier
