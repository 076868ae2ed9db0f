// Spatially even subsampling (see point_lod.h).
#include "core/spatial/point_lod.h"

#include "core/base/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

namespace atelier::spatial {
namespace {

bool finite(const std::array<double, 3>& p) {
  return std::isfinite(p[0]) && std::isfinite(p[1]) && std::isfinite(p[2]);
}

// Points kept when each cell keeps at most q.
std::uint64_t kept_with_cap(const std::vector<std::uint32_t>& occupied_counts, std::uint32_t q) {
  std::uint64_t total = 0;
  for (const std::uint32_t c : occupied_counts)
    total += std::min(c, q);
  return total;
}

} // namespace

std::vector<std::uint32_t> even_subsample(std::span<const std::array<double, 3>> xyz,
                                          std::size_t target) {
  const std::size_t n = xyz.size();
  if (n > std::numeric_limits<std::uint32_t>::max())
    throw Error("even_subsample: more than 2^32 - 1 points");
  std::vector<std::uint32_t> out;
  if (target == 0 || n == 0) return out;

  double lo[3], hi[3];
  for (int k = 0; k < 3; ++k)
    lo[k] = std::numeric_limits<double>::infinity(), hi[k] = -lo[k];
  std::size_t finite_count = 0;
  for (const auto& p : xyz) {
    if (!finite(p)) continue;
    ++finite_count;
    for (int k = 0; k < 3; ++k)
      lo[k] = std::min(lo[k], p[k]), hi[k] = std::max(hi[k], p[k]);
  }
  if (finite_count <= target) {
    out.reserve(finite_count);
    for (std::size_t i = 0; i < n; ++i)
      if (finite(xyz[i])) out.push_back(static_cast<std::uint32_t>(i));
    return out;
  }

  // Cubic cells as small as fit: at most target / 8 of them over the box (so
  // one point per occupied cell always fits, and about eight per cell are
  // placed evenly in file order) and 2^20 at most (the counters of random-
  // order points stay in cache). A flat box (a lidar tile, a plane) gets one
  // layer of cells, not the cube root.
  const double extent[3] = {hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]};
  const double longest = std::max({extent[0], extent[1], extent[2]});
  if (!(longest > 0)) { // every point at one place: any target of them will do
    for (std::size_t i = 0; i < n && out.size() < target; ++i)
      if (finite(xyz[i])) out.push_back(static_cast<std::uint32_t>(i));
    return out;
  }
  const auto cell_budget =
      static_cast<double>(std::clamp<std::size_t>(target / 8, 1, std::size_t{1} << 20));
  std::int64_t dims[3];
  auto cells_for = [&](double side) {
    double cells = 1;
    for (int k = 0; k < 3; ++k) {
      dims[k] = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(extent[k] / side)));
      cells *= static_cast<double>(dims[k]);
    }
    return cells;
  };
  // The cell count falls as the side grows: bisect for the smallest side
  // within budget (the longest extent always is: one cell).
  double fits = longest, too_small = longest / (cell_budget + 1);
  for (int i = 0; i < 60 && fits - too_small > 1e-9 * longest; ++i) {
    const double mid = 0.5 * (fits + too_small);
    (cells_for(mid) <= cell_budget ? fits : too_small) = mid;
  }
  cells_for(fits);
  const double inv_side = 1.0 / fits;

  const std::size_t cell_count = static_cast<std::size_t>(dims[0] * dims[1] * dims[2]);
  // One cache line per point visit: the cell's points, its cap, and the
  // running remainder that spaces the kept points evenly.
  struct Cell {
    std::uint32_t count = 0, cap = 0, acc = 0;
  };
  std::vector<Cell> cells(cell_count);
  constexpr std::uint32_t kNoCell = std::numeric_limits<std::uint32_t>::max();
  // Every entry is written below: no zero fill of 4 bytes per point.
  const std::unique_ptr<std::uint32_t[]> cell_of(new std::uint32_t[n]);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& p = xyz[i];
    if (!finite(p)) {
      cell_of[i] = kNoCell;
      continue;
    }
    std::int64_t c[3];
    for (int k = 0; k < 3; ++k)
      c[k] = std::clamp<std::int64_t>(static_cast<std::int64_t>((p[k] - lo[k]) * inv_side), 0,
                                      dims[k] - 1);
    const auto cell = static_cast<std::uint32_t>((c[2] * dims[1] + c[1]) * dims[0] + c[0]);
    cell_of[i] = cell;
    ++cells[cell].count;
  }

  std::vector<std::uint32_t> occupied;
  std::uint32_t most = 0;
  for (const Cell& c : cells)
    if (c.count) occupied.push_back(c.count), most = std::max(most, c.count);
  // The largest cap q with kept_with_cap(q) <= target; q = 1 always fits
  // (occupied cells <= cells <= target / 8).
  std::uint32_t good = 1, bad = most + 1;
  while (bad - good > 1) {
    const std::uint32_t mid = good + (bad - good) / 2;
    (kept_with_cap(occupied, mid) <= target ? good : bad) = mid;
  }
  const std::uint32_t q = good;

  // What q leaves of the budget goes one point each to that many of the
  // cells holding more than q, spread evenly over them in cell order.
  const std::uint64_t leftover = target - kept_with_cap(occupied, q);
  std::uint64_t over = 0;
  for (const Cell& c : cells)
    over += c.count > q;
  for (std::size_t cell = 0, rank = 0; cell < cell_count; ++cell) {
    Cell& c = cells[cell];
    c.cap = q;
    if (c.count <= q || leftover == 0) continue;
    if ((rank + 1) * leftover / over != rank * leftover / over) ++c.cap;
    ++rank;
  }

  // A cell of m points with cap c < m keeps its j-th point (j = 0 .. m - 1)
  // when j * c / m steps up, that is when (j * c mod m) + c reaches m: c of
  // them, evenly spaced through the cell.
  out.reserve(target);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t id = cell_of[i];
    if (id == kNoCell) continue;
    Cell& c = cells[id];
    if (c.count <= c.cap) {
      out.push_back(static_cast<std::uint32_t>(i));
      continue;
    }
    c.acc += c.cap;
    if (c.acc >= c.count) {
      c.acc -= c.count;
      out.push_back(static_cast<std::uint32_t>(i));
    }
  }
  return out;
}

} // namespace atelier::spatial
