// PCD point clouds (ascii, binary, binary_compressed), organized clouds with NaN.
#pragma once

#include "core/io/file_info.h"

#include <string>

namespace atelier {

// Header facts plus statistics of the decoded data, for `atelier-cli info`.
// Throws FormatError naming the file and the reason.
FileInfo inspect_pcd(const std::string& path);

} // namespace atelier
