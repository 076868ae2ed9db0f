// SeriesPyramid: incremental min/max levels and range queries.
#include "core/display/series_pyramid.h"

#include "core/base/error.h"

#include <algorithm>
#include <cmath>

namespace atelier::display {
namespace {

double nan_min(double a, double b) {
  return std::isnan(a) ? b : (std::isnan(b) ? a : std::min(a, b));
}
double nan_max(double a, double b) {
  return std::isnan(a) ? b : (std::isnan(b) ? a : std::max(a, b));
}

} // namespace

void SeriesPyramid::append(double x, double y) {
  if (!x_.empty() && x < x_.back())
    throw Error("series x must not decrease (" + std::to_string(x) + " after " +
                std::to_string(x_.back()) + ")");
  const std::size_t i = x_.size();
  x_.push_back(x);
  y_.push_back(y);
  // Level k summarises blocks of 2^k points; it starts when the first block
  // is full, from the two blocks of the level below.
  for (std::size_t k = 1; (std::size_t{1} << k) <= i + 1; ++k) {
    if (mins_.size() < k) {
      const double lo0 = k == 1 ? y_[0] : mins_[k - 2][0], lo1 = k == 1 ? y_[1] : mins_[k - 2][1];
      const double hi0 = k == 1 ? y_[0] : maxs_[k - 2][0], hi1 = k == 1 ? y_[1] : maxs_[k - 2][1];
      mins_.push_back({nan_min(lo0, lo1)});
      maxs_.push_back({nan_max(hi0, hi1)});
      continue;
    }
    const std::size_t block = i >> k;
    auto& lo = mins_[k - 1];
    auto& hi = maxs_[k - 1];
    if (block == lo.size()) {
      lo.push_back(y);
      hi.push_back(y);
    } else {
      lo[block] = nan_min(lo[block], y);
      hi[block] = nan_max(hi[block], y);
    }
  }
}

void SeriesPyramid::clear() {
  x_.clear();
  y_.clear();
  mins_.clear();
  maxs_.clear();
}

std::vector<SeriesPyramid::Bucket> SeriesPyramid::query(double x_lo, double x_hi,
                                                        std::size_t max_buckets) const {
  std::vector<Bucket> out;
  if (x_.empty() || max_buckets == 0) return out;
  std::size_t i0 = std::size_t(std::lower_bound(x_.begin(), x_.end(), x_lo) - x_.begin());
  std::size_t i1 = std::size_t(std::upper_bound(x_.begin(), x_.end(), x_hi) - x_.begin());
  if (i0 > 0) --i0;
  if (i1 < x_.size()) ++i1;
  const std::size_t n = i1 - i0;
  std::size_t k = 0;
  while (k < mins_.size() && (n >> k) > 2 * max_buckets)
    ++k;
  if (k == 0) {
    out.reserve(n);
    for (std::size_t i = i0; i < i1; ++i)
      out.push_back({x_[i], x_[i], y_[i], y_[i]});
    return out;
  }
  const auto& lo = mins_[k - 1];
  const auto& hi = maxs_[k - 1];
  const std::size_t b0 = i0 >> k, b1 = (i1 - 1) >> k;
  out.reserve(b1 - b0 + 1);
  for (std::size_t b = b0; b <= b1 && b < lo.size(); ++b) {
    const std::size_t first = b << k, last = std::min(x_.size(), (b + 1) << k) - 1;
    out.push_back({x_[first], x_[last], lo[b], hi[b]});
  }
  return out;
}

std::size_t SeriesPyramid::nearest(double x) const {
  if (x_.empty()) return 0;
  const auto it = std::lower_bound(x_.begin(), x_.end(), x);
  if (it == x_.begin()) return 0;
  if (it == x_.end()) return x_.size() - 1;
  const std::size_t i = std::size_t(it - x_.begin());
  return (x - x_[i - 1] <= x_[i] - x) ? i - 1 : i;
}

} // namespace atelier::display
