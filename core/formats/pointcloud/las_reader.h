// LAS 1.2-1.4 point clouds (uncompressed).
#pragma once

#include "core/io/file_info.h"

#include <string>

namespace atelier {

// Header facts plus statistics of the decoded data, for `atelier-cli info`.
// Throws FormatError naming the file and the reason.
FileInfo inspect_las(const std::string& path);

} // namespace atelier
