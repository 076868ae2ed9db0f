// FileInfo as JSON text (the `atelier-cli info --json` output).
#pragma once

#include "core/io/file_info.h"

#include <string>

namespace atelier {

// One JSON object; indent < 0 gives a single line.
std::string file_info_to_json(const FileInfo& info, int indent = 1);

} // namespace atelier
