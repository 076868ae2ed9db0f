#include "core/io/file_info.h"

namespace atelier {

void FileInfo::set_extra(std::string key, InfoValue value) {
  for (auto& [k, v] : extra) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  extra.emplace_back(std::move(key), std::move(value));
}

const InfoValue* FileInfo::find_extra(const std::string& key) const {
  for (const auto& [k, v] : extra)
    if (k == key) return &v;
  return nullptr;
}

} // namespace atelier
