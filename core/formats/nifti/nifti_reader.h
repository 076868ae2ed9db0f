// NIfTI-1/2 reader (.nii, .nii.gz), both endiannesses, 3D and 4D.
#pragma once

#include "core/io/file_info.h"

#include <string>

namespace atelier {

// Header facts plus statistics of the decoded data, for `atelier-cli info`.
// Throws FormatError naming the file and the reason.
FileInfo inspect_nifti(const std::string& path);

} // namespace atelier
