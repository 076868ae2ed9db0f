#include "app/cli/info_summary.h"

#include "core/io/file_info_rows.h"

#include <algorithm>

namespace atelier::cli {

std::string info_summary(const FileInfo& info) {
  const auto rows = file_info_rows(info);
  std::size_t width = 0;
  for (const auto& [key, value] : rows)
    width = std::max(width, key.size());
  std::string out = info.path + "\n";
  for (const auto& [key, value] : rows)
    out += "  " + key + std::string(width - key.size() + 2, ' ') + value + "\n";
  return out;
}

} // namespace atelier::cli
