// Line, token and number scanning shared by the text point-cloud readers
// (PLY and PCD headers, ASCII bodies, XYZ/CSV). Works on string_views into a
// buffer the caller owns, so a large ASCII body is never copied line by line.
#pragma once

#include "core/io/byte_source.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atelier::pointcloud {

// The next line of text starting at pos (without "\n" or "\r\n"); advances pos
// past the line break. Returns false at the end of text.
bool next_line(std::string_view text, std::size_t& pos, std::string_view& line);

// Splits on spaces and tabs, dropping empty tokens.
void split_whitespace(std::string_view line, std::vector<std::string_view>& out);

// A whole token as a number; false for anything else ("1.5x", "", "abc").
// Accepts a leading '+', "nan" and "inf" as written by C printf.
bool parse_double(std::string_view token, double& out);
bool parse_float(std::string_view token, float& out);
bool parse_u64(std::string_view token, std::uint64_t& out);

std::string lower(std::string_view s);
std::string_view trim(std::string_view s);

// The text header at the start of src: the bytes up to and including the line
// for which is_last(line) is true. Reads at most max_bytes. Throws FormatError
// naming `what` when no such line exists.
template <typename Pred>
std::string read_text_header(const ByteSource& src, Pred is_last, const char* what,
                             std::size_t max_bytes = std::size_t{4} << 20) {
  std::size_t want = 64 * 1024;
  while (true) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(src.size(), std::min(want, max_bytes)));
    std::string text(n, '\0');
    if (n) src.read_at(0, text.data(), n);
    std::size_t pos = 0;
    std::string_view line;
    while (true) {
      const std::size_t line_start = pos;
      if (!next_line(text, pos, line)) break;
      // A last line without its line break may still be cut short.
      if (pos >= text.size() && text.back() != '\n' && n < src.size()) {
        pos = line_start;
        break;
      }
      if (is_last(line)) {
        text.resize(pos);
        return text;
      }
    }
    if (n >= src.size() || n >= max_bytes) src.fail(std::string("header has no ") + what);
    want *= 8;
  }
}

} // namespace atelier::pointcloud
