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

std::string FileInfo::extra_text(const std::string& key) const {
  if (const InfoValue* v = find_extra(key))
    if (const auto* s = std::get_if<std::string>(v)) return *s;
  return {};
}

std::optional<double> FileInfo::extra_number(const std::string& key) const {
  if (const InfoValue* v = find_extra(key)) {
    if (const auto* d = std::get_if<double>(v)) return *d;
    if (const auto* i = std::get_if<std::int64_t>(v)) return static_cast<double>(*i);
  }
  return std::nullopt;
}

} // namespace atelier
