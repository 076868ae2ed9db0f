// `info` for safetensors files (checkpoints, state dicts): what they hold
// and whether their weights are finite.
#pragma once

#include "core/io/file_info.h"

#include <string>

namespace atelier {

// format "safetensors"; facts: tensors, parameters (elements of the
// floating-point tensors outside "optim."), weight_dtypes ("BF16, F32"),
// optimizer_tensors (under "optim."), metadata_format and step (the file's
// metadata, when there); stats over those weights, NaN and Inf counted as
// non_finite (a diverged run). FormatError naming the file otherwise.
FileInfo inspect_safetensors(const std::string& path);

} // namespace atelier
