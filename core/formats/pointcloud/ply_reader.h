// PLY point clouds (ascii, binary little and big endian).
#pragma once

#include "core/io/file_info.h"

#include <string>

namespace atelier {

// Header facts plus statistics of the decoded data, for `atelier-cli info`.
// Throws FormatError naming the file and the reason.
FileInfo inspect_ply(const std::string& path);

} // namespace atelier
