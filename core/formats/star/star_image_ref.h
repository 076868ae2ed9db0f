// RELION image references ("12@Particles/stack.mrcs": image 12 of a stack)
// and the rule for finding the file they name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace atelier {

struct ImageRef {
  // 1-based image index in the stack; 0 when the reference names a whole file
  // (no "N@", as in rlnMicrographName).
  std::int64_t index = 0;
  std::string path;

  friend bool operator==(const ImageRef&, const ImageRef&) = default;
};

// Parses "N@path" or "path". Throws atelier::Error for an empty path or an
// index that is not a positive integer ("0@x", "a@x", "@x", overflow).
ImageRef parse_image_ref(std::string_view ref);

// ref_path as seen from the folder holding star_path: absolute paths are kept,
// relative ones are joined to that folder ("a/b.star" + "s.mrcs" -> "a/s.mrcs").
std::string resolve_relative(const std::string& star_path, const std::string& ref_path);

} // namespace atelier
