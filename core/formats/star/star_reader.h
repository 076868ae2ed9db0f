// RELION STAR reader (3.0 and 3.1+ with data_optics).
#pragma once

#include "core/io/file_info.h"

#include <string>

namespace atelier {

// Header facts plus statistics of the decoded data, for `atelier-cli info`.
// Throws FormatError naming the file and the reason.
FileInfo inspect_star(const std::string& path);

} // namespace atelier
