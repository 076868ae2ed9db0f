// A small JSON reader for headers of files Atelier reads itself (safetensors),
// since the GPU-only build has no JSON library. It accepts objects, strings,
// integers and arrays of integers only, all a safetensors header may hold:
// floats, true/false, null and other arrays are rejected. Integer arrays are
// stored flat so a hostile "[0,0,0,...]" costs 4x its text, not 50x.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atelier {

struct JsonValue {
  enum class Kind : std::uint8_t { object, array, string, integer };
  Kind kind = Kind::object;
  std::string text;               // string
  std::int64_t integer = 0;       // integer
  std::vector<std::int64_t> ints; // array elements
  std::vector<std::string> keys;  // object: keys[i] names items[i], in file order
  std::vector<JsonValue> items;   // object members
};

// Parses `text` (one value, surrounded by optional whitespace). Errors throw
// FormatError(source_name, "invalid JSON header: <why> at byte <k>"). Nesting
// is limited to max_depth levels; duplicate keys are kept (callers decide).
JsonValue parse_json_restricted(std::string_view text, const std::string& source_name,
                                int max_depth = 32);

} // namespace atelier
