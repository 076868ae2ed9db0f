// Orthogonal slices of a volume as 2D images, for the linked slice views.
#pragma once

#include "core/data/image.h"
#include "core/data/volume.h"

#include <array>
#include <cstdint>

namespace atelier {

// The plane through index along axis (0 x, 1 y, 2 z) of time point t, in the
// volume's element type (float32 with its value scale applied when it has
// one), with the in-plane spacing:
//   axis 2 (XY): nx x ny;  axis 1 (XZ): nx x nz;  axis 0 (YZ): ny x nz.
// Rows run along the slower in-plane axis: y downward in the XY plane (row 0
// is y 0, as in a 2D image), z upward in the XZ and YZ planes (row 0 is the
// top slice, z = nz - 1). So the three planes are the volume seen from -z,
// -y and +x, and in LPS-ordered medical volumes superior is up in the coronal
// and sagittal planes. Error when out of range.
// physical false: stored values always (label volumes: their IDs).
Image volume_slice(const Volume& volume, int axis, std::int64_t index, std::int64_t t = 0,
                   bool physical = true);

// The voxel (x, y, z) that pixel (u, v) of volume's plane along axis shows,
// the plane itself being at index (the inverse of volume_slice's layout).
// Pixels outside the plane give voxels outside the volume.
std::array<std::int64_t, 3> slice_voxel(const Volume& volume, int axis, std::int64_t index,
                                        std::int64_t u, std::int64_t v);

// The pixel (u, v) of the plane along axis that shows voxel (x, y, z) (where
// the other two planes cut it: the shared cursor).
std::array<std::int64_t, 2> slice_pixel(const Volume& volume, int axis,
                                        const std::array<std::int64_t, 3>& xyz);

// Voxel (x, y, z) of time point t with its value scale applied (physical)
// or as stored; Error when out of range.
double voxel_value(const Volume& volume, const std::array<std::int64_t, 3>& xyz, std::int64_t t = 0,
                   bool physical = true);

} // namespace atelier
