// PLY point clouds (ascii, binary little and big endian).
#pragma once

#include "core/data/point_cloud.h"
#include "core/io/byte_source.h"
#include "core/io/file_info.h"

#include <string>

namespace atelier {

// Header facts plus statistics of the decoded data, for `atelier-cli info`.
// Throws FormatError naming the file and the reason.
FileInfo inspect_ply(const std::string& path);

// The vertex element: x, y, z, colours (red/green/blue, 16-bit and 0-1 float
// colours are brought to 0-255), intensity, normals (nx/ny/nz), every other
// scalar property as a named field. Other elements (faces, edges) are
// skipped; their counts go to metadata ("faces"). Metadata also holds
// "encoding", "version", "comment" and "obj_info".
PointCloud read_ply(const ByteSource& src);
PointCloud read_ply(const std::string& path);

} // namespace atelier
