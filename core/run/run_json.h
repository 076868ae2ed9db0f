// A complete JSON reader for the run directory's own files (run.json,
// status.json, metrics.jsonl lines). core/io/json_reader.h accepts only what
// a safetensors header may hold; run files carry floats, booleans and null.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atelier::run {

struct JsonNode {
  enum class Kind : std::uint8_t { null = 1, boolean, integer, number, string, array, object };
  Kind kind = Kind::null;
  bool boolean = false;
  std::int64_t integer = 0;      // integer: no fraction or exponent, fits int64
  double number = 0.0;           // integer and number
  std::string text;              // string
  std::vector<std::string> keys; // object: keys[i] names items[i], in file order
  std::vector<JsonNode> items;   // array elements or object members

  bool is_number() const { return kind == Kind::integer || kind == Kind::number; }
  // Object member by key (the last one if repeated); nullptr when absent.
  const JsonNode* find(std::string_view key) const;
};

// Parses one JSON value (RFC 8259) surrounded by optional whitespace. Errors
// throw FormatError(source_name, "invalid JSON: <why> at byte <k>"). Nesting
// deeper than max_depth levels is refused.
JsonNode parse_json(std::string_view text, const std::string& source_name, int max_depth = 64);

} // namespace atelier::run
