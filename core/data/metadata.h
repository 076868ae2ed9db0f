// Free-form per-file metadata: ordered key/value strings (header fields,
// acquisition parameters). Never holds patient-identifying DICOM tags.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace atelier {

class Metadata {
public:
  void set(std::string key, std::string value);
  const std::string* find(const std::string& key) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

} // namespace atelier
