// RELION "N@stack" image references.
#include "core/formats/star/star_image_ref.h"

#include "core/base/error.h"

#include <charconv>

namespace atelier {

ImageRef parse_image_ref(std::string_view ref) {
  ImageRef out;
  const auto at = ref.find('@');
  std::string_view path = ref;
  if (at != std::string_view::npos) {
    const std::string_view digits = ref.substr(0, at);
    path = ref.substr(at + 1);
    std::int64_t index = 0;
    const auto* end = digits.data() + digits.size();
    const auto [p, ec] = std::from_chars(digits.data(), end, index);
    // from_chars accepts a leading '-'; indices are 1-based and positive.
    if (digits.empty() || ec != std::errc() || p != end || index < 1 || digits[0] == '-')
      throw Error("image reference '" + std::string(ref) + "': '" + std::string(digits) +
                  "' is not a positive image index");
    out.index = index;
  }
  if (path.empty()) throw Error("image reference '" + std::string(ref) + "' names no file");
  out.path = std::string(path);
  return out;
}

std::string resolve_relative(const std::string& star_path, const std::string& ref_path) {
  if (ref_path.empty() || ref_path.front() == '/') return ref_path;
  const auto slash = star_path.rfind('/');
  if (slash == std::string::npos) return ref_path;
  return star_path.substr(0, slash + 1) + ref_path;
}

} // namespace atelier
