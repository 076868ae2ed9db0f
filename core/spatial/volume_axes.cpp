// Reordering file-ordered volume sections into x, y, z order.
#include "core/spatial/volume_axes.h"

#include "core/base/dtype.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace atelier {
namespace {

template <std::size_t Bytes>
void scatter(const std::uint8_t* src, std::uint8_t* dst, std::int64_t nc, std::int64_t nr,
             std::int64_t stride_c, std::int64_t stride_r) {
  for (std::int64_t r = 0; r < nr; ++r) {
    std::uint8_t* row = dst + r * stride_r * static_cast<std::int64_t>(Bytes);
    for (std::int64_t c = 0; c < nc; ++c, src += Bytes)
      std::memcpy(row + c * stride_c * static_cast<std::int64_t>(Bytes), src, Bytes);
  }
}

} // namespace

AxisOrder mrc_axis_order(const std::array<std::int32_t, 3>& map_crs) {
  std::array<std::int32_t, 3> sorted = map_crs;
  std::sort(sorted.begin(), sorted.end());
  if (sorted != std::array<std::int32_t, 3>{1, 2, 3}) return {};
  return AxisOrder{{map_crs[0] - 1, map_crs[1] - 1, map_crs[2] - 1}};
}

AxisOrder nearest_axis_order(const std::array<std::array<double, 3>, 3>& direction,
                             const std::array<int, 3>& toward) {
  // Greedy on unit columns (an sform's carry the voxel size, which must not
  // decide): the largest remaining |direction[j][i]| pairs voxel axis i with
  // world axis j, three times (oblique scans go to their nearest axes).
  std::array<std::array<double, 3>, 3> unit = direction;
  for (std::size_t i = 0; i < 3; ++i) {
    const double norm = std::hypot(direction[0][i], direction[1][i], direction[2][i]);
    if (!(norm > 0) || !std::isfinite(norm)) return {};
    for (std::size_t j = 0; j < 3; ++j)
      unit[j][i] = direction[j][i] / norm;
  }
  AxisOrder order;
  std::array<bool, 3> voxel_used{}, world_used{};
  for (int k = 0; k < 3; ++k) {
    int bi = -1, bj = -1;
    double best = 0;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        const double v = std::abs(unit[std::size_t(j)][std::size_t(i)]);
        if (!voxel_used[std::size_t(i)] && !world_used[std::size_t(j)] && v > best)
          best = v, bi = i, bj = j;
      }
    if (bi < 0) return {}; // degenerate: keep the stored order
    voxel_used[std::size_t(bi)] = world_used[std::size_t(bj)] = true;
    order.axis_of_file[std::size_t(bi)] = bj;
    const bool positive = unit[std::size_t(bj)][std::size_t(bi)] > 0;
    order.reversed[std::size_t(bi)] = positive != (toward[std::size_t(bj)] > 0);
  }
  return order;
}

std::array<std::int64_t, 3> xyz_extent(const AxisOrder& order,
                                       const std::array<std::int64_t, 3>& file_extent) {
  std::array<std::int64_t, 3> n{};
  for (int i = 0; i < 3; ++i)
    n[static_cast<std::size_t>(order.axis_of_file[static_cast<std::size_t>(i)])] =
        file_extent[static_cast<std::size_t>(i)];
  return n;
}

void place_section(const AxisOrder& order, const std::array<std::int64_t, 3>& file_extent,
                   std::int64_t s, const std::uint8_t* section, std::size_t element_bytes,
                   std::uint8_t* xyz) {
  const std::array<std::int64_t, 3> n = xyz_extent(order, file_extent);
  const std::array<std::int64_t, 3> axis_stride{1, n[0], n[0] * n[1]};
  std::array<std::int64_t, 3> stride{}; // in xyz elements, per file axis
  std::int64_t start = 0;               // where file voxel (0, 0, 0) lands
  for (std::size_t i = 0; i < 3; ++i) {
    stride[i] = axis_stride[static_cast<std::size_t>(order.axis_of_file[i])];
    if (order.reversed[i]) {
      start += (file_extent[i] - 1) * stride[i];
      stride[i] = -stride[i];
    }
  }
  std::uint8_t* base = xyz + (start + s * stride[2]) * static_cast<std::int64_t>(element_bytes);
  const std::int64_t nc = file_extent[0], nr = file_extent[1];
  switch (element_bytes) {
  case 1: scatter<1>(section, base, nc, nr, stride[0], stride[1]); break;
  case 2: scatter<2>(section, base, nc, nr, stride[0], stride[1]); break;
  case 4: scatter<4>(section, base, nc, nr, stride[0], stride[1]); break;
  case 8: scatter<8>(section, base, nc, nr, stride[0], stride[1]); break;
  default:
    for (std::int64_t r = 0; r < nr; ++r)
      for (std::int64_t c = 0; c < nc; ++c, section += element_bytes)
        std::memcpy(base +
                        (r * stride[1] + c * stride[0]) * static_cast<std::int64_t>(element_bytes),
                    section, element_bytes);
  }
}

Volume to_xyz_order(const Volume& volume, const AxisOrder& order) {
  const std::array<std::int64_t, 3> file_extent{volume.nx(), volume.ny(), volume.nz()};
  const std::array<std::int64_t, 3> n = xyz_extent(order, file_extent);
  Volume out(n[0], n[1], n[2], volume.dtype(), volume.nt());
  const std::size_t elem = dtype_size(volume.dtype());
  const std::size_t section_bytes = static_cast<std::size_t>(volume.nx() * volume.ny()) * elem;
  const std::size_t volume_bytes = section_bytes * static_cast<std::size_t>(volume.nz());
  for (std::int64_t t = 0; t < volume.nt(); ++t)
    for (std::int64_t s = 0; s < volume.nz(); ++s)
      place_section(order, file_extent, s,
                    volume.bytes() + static_cast<std::size_t>(t) * volume_bytes +
                        static_cast<std::size_t>(s) * section_bytes,
                    elem, out.bytes() + static_cast<std::size_t>(t) * volume_bytes);
  out.spacing = volume.spacing;
  out.value_scale = volume.value_scale;
  out.full_resolution = volume.full_resolution;
  out.metadata = volume.metadata;
  return out;
}

} // namespace atelier
