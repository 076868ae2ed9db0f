// A spatially even subset of a point cloud, for the coarse level drawn while
// the camera moves. Every k-th point thins a cloud alike everywhere, so a
// lidar tile keeps its dense strips dense and its sparse edges lose most of
// their points; this keeps the shape: the bounding box is cut into at most
// target / 8 cubic cells (2^20 at most, so the cell counters stay in cache)
// and each cell keeps at most q of its points (evenly
// spaced through the cell's points in file order), q being the largest cap
// whose total stays within target; what remains of the budget gives some of
// the fuller cells one point more. Dense areas are thinned toward the density
// of the rest, sparse areas stay whole.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace atelier::spatial {

// Indices into xyz, ascending, at most target of them (every finite point
// when there are no more than target; points with a NaN or infinite
// coordinate are never chosen). O(n) time; memory: one 32-bit cell per point
// plus three counters per cell.
std::vector<std::uint32_t> even_subsample(std::span<const std::array<double, 3>> xyz,
                                          std::size_t target);

} // namespace atelier::spatial
