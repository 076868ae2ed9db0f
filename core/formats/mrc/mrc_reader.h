// MRC / MRCS reader (modes 0, 1, 2, 6, 12, 101), lazy per-frame access.
#pragma once

#include "core/io/file_info.h"

#include <string>

namespace atelier {

// Header facts plus statistics of the decoded data, for `atelier-cli info`.
// Throws FormatError naming the file and the reason.
FileInfo inspect_mrc(const std::string& path);

} // namespace atelier
