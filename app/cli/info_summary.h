// The human-readable `atelier-cli info` summary of one file.
#pragma once

#include "core/io/file_info.h"

#include <string>

namespace atelier::cli {

std::string info_summary(const FileInfo& info);

} // namespace atelier::cli
