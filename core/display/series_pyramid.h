// SeriesPyramid: an append-only (x, y) series with min/max summaries over
// blocks of 2, 4, 8 ... points, so a plot can draw any x range of a million
// points from about as many values as it has pixels, and an append costs
// O(log n). x must not decrease. NaN y values are kept but ignored by the
// summaries (a block of NaN only has NaN min and max).
#pragma once

#include <cstddef>
#include <vector>

namespace atelier::display {

class SeriesPyramid {
public:
  struct Bucket {
    double x0 = 0, x1 = 0;       // x of the first and last point in it
    double y_min = 0, y_max = 0; // over its points
  };

  // Throws Error when x is below the previous x.
  void append(double x, double y);
  void clear();
  std::size_t size() const { return x_.size(); }
  const std::vector<double>& x() const { return x_; }
  const std::vector<double>& y() const { return y_; }

  // Buckets covering the points with x in [x_lo, x_hi] plus one on each side
  // (so lines reach the edges), at most about 2 * max_buckets of them; single
  // points (x0 == x1, y_min == y_max) when few enough.
  std::vector<Bucket> query(double x_lo, double x_hi, std::size_t max_buckets) const;

  // Index of the point nearest to x (size() when empty).
  std::size_t nearest(double x) const;

private:
  std::vector<double> x_, y_;
  // levels_[k - 1][b]: min and max of points [b * 2^k, (b + 1) * 2^k).
  std::vector<std::vector<double>> mins_, maxs_;
};

} // namespace atelier::display
