// A small streaming JSON writer (objects, arrays, strings, numbers) so the
// GPU-only build, which has no JSON library, can still write info output,
// metrics.jsonl lines and run files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atelier {

class JsonWriter {
public:
  // indent < 0: one line; otherwise pretty-printed with that many spaces.
  explicit JsonWriter(int indent = -1) : indent_(indent) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(double v); // non-finite numbers become null
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(std::uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(bool v);
  JsonWriter& null();

  const std::string& str() const { return out_; }

private:
  void before_value();
  void newline();

  struct Level {
    bool is_object = false;
    bool empty = true;
  };
  std::string out_;
  std::vector<Level> stack_;
  bool after_key_ = false;
  int indent_ = -1;
};

// s as a JSON string literal, quotes included. Invalid UTF-8 bytes become U+FFFD.
std::string json_quote(std::string_view s);

} // namespace atelier
