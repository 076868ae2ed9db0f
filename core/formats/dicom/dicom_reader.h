// DICOM reader through GDCM (uncompressed, JPEG, JPEG-LS, JPEG 2000).
#pragma once

#include "core/io/file_info.h"

#include <string>

namespace atelier {

// Header facts plus statistics of the decoded data, for `atelier-cli info`.
// Throws FormatError naming the file and the reason.
FileInfo inspect_dicom(const std::string& path);

} // namespace atelier
