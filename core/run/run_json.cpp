// Recursive-descent JSON parser for run files; see run_json.h.
#include "core/run/run_json.h"

#include "core/base/error.h"

#include <charconv>
#include <cmath>
#include <system_error>

namespace atelier::run {

const JsonNode* JsonNode::find(std::string_view key) const {
  if (kind != Kind::object) return nullptr;
  for (std::size_t i = keys.size(); i-- > 0;)
    if (keys[i] == key) return &items[i];
  return nullptr;
}

namespace {

class Parser {
public:
  Parser(std::string_view text, const std::string& source, int max_depth)
      : s_(text), source_(source), max_depth_(max_depth) {}

  JsonNode parse_document() {
    skip_ws();
    JsonNode v = parse_value(0);
    skip_ws();
    if (pos_ != s_.size()) fail("trailing characters");
    return v;
  }

private:
  [[noreturn]] void fail(const std::string& why) const {
    throw FormatError(source_, "invalid JSON: " + why + " at byte " + std::to_string(pos_));
  }

  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }

  bool consume_word(std::string_view w) {
    if (s_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }

  JsonNode parse_value(int depth) {
    if (depth >= max_depth_) fail("nesting deeper than " + std::to_string(max_depth_));
    if (pos_ >= s_.size()) fail("unexpected end");
    const char c = s_[pos_];
    JsonNode v;
    if (c == '{') return parse_object(depth);
    if (c == '[') return parse_array(depth);
    if (c == '"') {
      v.kind = JsonNode::Kind::string;
      v.text = parse_string();
      return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
    if (consume_word("null")) return v;
    if (consume_word("true")) {
      v.kind = JsonNode::Kind::boolean;
      v.boolean = true;
      return v;
    }
    if (consume_word("false")) {
      v.kind = JsonNode::Kind::boolean;
      return v;
    }
    fail("unexpected character");
  }

  JsonNode parse_object(int depth) {
    JsonNode v;
    v.kind = JsonNode::Kind::object;
    ++pos_; // {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return v;
    }
    for (;;) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a key");
      v.keys.push_back(parse_string());
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') fail("expected ':'");
      ++pos_;
      skip_ws();
      v.items.push_back(parse_value(depth + 1));
      skip_ws();
      if (pos_ >= s_.size()) fail("unexpected end");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        return v;
      }
      fail("expected ',' or '}'");
    }
  }

  JsonNode parse_array(int depth) {
    JsonNode v;
    v.kind = JsonNode::Kind::array;
    ++pos_; // [
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return v;
    }
    for (;;) {
      skip_ws();
      v.items.push_back(parse_value(depth + 1));
      skip_ws();
      if (pos_ >= s_.size()) fail("unexpected end");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        return v;
      }
      fail("expected ',' or ']'");
    }
  }

  JsonNode parse_number() {
    const std::size_t start = pos_;
    auto digits = [&] {
      const std::size_t d = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9')
        ++pos_;
      return pos_ - d;
    };
    if (s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
    } else if (digits() == 0) {
      fail("invalid number");
    }
    bool integral = true;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      integral = false;
      if (digits() == 0) fail("invalid number");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      integral = false;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) fail("invalid number");
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + pos_;
    JsonNode v;
    if (integral) {
      std::int64_t i = 0;
      const auto r = std::from_chars(first, last, i);
      if (r.ec == std::errc() && r.ptr == last) {
        v.kind = JsonNode::Kind::integer;
        v.integer = i;
        v.number = static_cast<double>(i);
        return v;
      }
    }
    // Out-of-range magnitudes become +-inf / 0 rather than errors: a metrics
    // reader should not drop a line for an extreme value.
    double d = 0.0;
    const auto r = std::from_chars(first, last, d);
    if (r.ptr != last) fail("invalid number");
    if (r.ec == std::errc::result_out_of_range) {
      bool big = true;
      for (const char* p = first; p < last; ++p)
        if ((*p == 'e' || *p == 'E') && p + 1 < last && p[1] == '-') big = false;
      d = big ? HUGE_VAL : 0.0;
      if (*first == '-') d = -d;
    }
    v.kind = JsonNode::Kind::number;
    v.number = d;
    return v;
  }

  unsigned hex4() {
    if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
    unsigned u = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = s_[pos_++];
      u <<= 4;
      if (h >= '0' && h <= '9')
        u |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f')
        u |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        u |= static_cast<unsigned>(h - 'A' + 10);
      else
        fail("invalid \\u escape");
    }
    return u;
  }

  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  std::string parse_string() {
    ++pos_; // opening quote
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) fail("control character in string");
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) fail("unterminated string");
      const char e = s_[pos_++];
      switch (e) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        unsigned cp = hex4();
        if (cp >= 0xD800 && cp <= 0xDBFF && s_.substr(pos_, 2) == "\\u") {
          pos_ += 2;
          const unsigned lo = hex4();
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else {
            put_utf8(out, 0xFFFD);
            cp = lo;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD; // lone surrogate
        put_utf8(out, cp);
        break;
      }
      default: fail("invalid escape");
      }
    }
  }

  std::string_view s_;
  const std::string& source_;
  int max_depth_ = 64;
  std::size_t pos_ = 0;
};

} // namespace

JsonNode parse_json(std::string_view text, const std::string& source_name, int max_depth) {
  return Parser(text, source_name, max_depth).parse_document();
}

} // namespace atelier::run
