// LAS 1.0-1.4 point clouds (uncompressed).
#pragma once

#include "core/data/point_cloud.h"
#include "core/io/byte_source.h"
#include "core/io/file_info.h"

#include <string>

namespace atelier {

// Header facts plus statistics of the decoded data, for `atelier-cli info`.
// Throws FormatError naming the file and the reason.
FileInfo inspect_las(const std::string& path);

// Point data record formats 0-10: x, y, z with scale and offset applied,
// intensity, colour (formats 2, 3, 5, 7, 8, 10; 16-bit colour is shifted to
// 8 bits when any value exceeds 255), and the other standard attributes of
// the format as named fields (return_number, classification, gps_time, ...),
// named in file order in stored_fields. Metadata: "version", "point_format",
// "point_record_length", "point_count", "scale_x".., "offset_x"..,
// "header_min_x".."header_max_z", "system_identifier", "generating_software".
// LAZ (compressed) files are a FormatError.
PointCloud read_las(const ByteSource& src);
PointCloud read_las(const std::string& path);

} // namespace atelier
