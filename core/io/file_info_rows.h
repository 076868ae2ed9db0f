// FileInfo as labelled text rows ("dims" -> "512 x 512 x 1"), shared by the
// CLI's human summary and the GUI's properties panel.
#pragma once

#include "core/io/file_info.h"

#include <string>
#include <utility>
#include <vector>

namespace atelier {

using InfoRow = std::pair<std::string, std::string>;

std::vector<InfoRow> file_info_rows(const FileInfo& info);

} // namespace atelier
