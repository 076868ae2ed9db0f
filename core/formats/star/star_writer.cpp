// STAR writer. Quoting follows the reader's rules exactly (star_reader.h), so
// every value written comes back unchanged.
#include "core/formats/star/star_writer.h"

#include "core/base/error.h"
#include "core/io/atomic_file.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace atelier {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

bool has_control(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return true;
  }
  return false;
}

bool has_blank(std::string_view s) {
  for (const char c : s)
    if (is_blank(c)) return true;
  return false;
}

// A quote character q closes a quoted value when a blank follows it.
bool quote_closes_inside(std::string_view s, char q) {
  for (std::size_t i = 0; i + 1 < s.size(); ++i)
    if (s[i] == q && is_blank(s[i + 1])) return true;
  return false;
}

bool needs_quotes(std::string_view v) {
  if (v.empty() || has_blank(v)) return true;
  const char c = v.front();
  if (c == '#' || c == '_' || c == '\'' || c == '"' || c == ';') return true;
  return v.starts_with("data_") || v.starts_with("loop_") || v.starts_with("save_") ||
         v == "global_" || v == "stop_";
}

// where: "data_x, row 3, column _rlnY" for the error message.
std::string quoted(const std::string& v, const std::string& where) {
  if (has_control(v))
    throw Error(where + ": the value holds a newline or control byte, which STAR cannot hold");
  if (!needs_quotes(v)) return v;
  for (const char q : {'\'', '"'})
    if (!quote_closes_inside(v, q)) return q + v + q;
  throw Error(where + ": the value holds both ' and \" before a blank, which STAR cannot hold");
}

void check_word(const std::string& s, const std::string& what) {
  if (has_control(s) || has_blank(s))
    throw Error(what + " '" + s + "' holds whitespace or a control byte");
}

bool is_number(std::string_view s) {
  if (s.empty()) return false;
  double v = 0.0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

void pad(std::string& out, std::size_t n) {
  out.append(n, ' ');
}

void format_loop(const StarTable& t, const std::string& title, std::string& out) {
  if (t.columns() == 0) throw Error(title + ": a loop needs at least one column");
  out += "loop_\n";
  for (std::size_t c = 0; c < t.columns(); ++c) {
    check_word(t.labels()[c], title + ": column label");
    out += '_' + t.labels()[c] + " #" + std::to_string(c + 1) + '\n';
  }
  // Quote first, then measure, so widths count what is written.
  std::vector<std::string> cells;
  cells.reserve(t.rows() * t.columns());
  std::vector<std::size_t> width(t.columns(), 0);
  std::vector<bool> numeric(t.columns(), true);
  for (std::size_t r = 0; r < t.rows(); ++r) {
    for (std::size_t c = 0; c < t.columns(); ++c) {
      const std::string& v = t.value(r, c);
      cells.push_back(
          quoted(v, title + ", row " + std::to_string(r + 1) + ", column _" + t.labels()[c]));
      width[c] = std::max(width[c], cells.back().size());
      if (numeric[c] && !is_number(v)) numeric[c] = false;
    }
  }
  // Numbers right-aligned as RELION writes them; text left-aligned with no
  // trailing blanks.
  for (std::size_t r = 0; r < t.rows(); ++r) {
    for (std::size_t c = 0; c < t.columns(); ++c) {
      const std::string& cell = cells[r * t.columns() + c];
      if (c > 0) out += ' ';
      const bool last = c + 1 == t.columns();
      if (numeric[c]) pad(out, width[c] - cell.size());
      out += cell;
      if (!numeric[c] && !last) pad(out, width[c] - cell.size());
    }
    out += '\n';
  }
}

void format_pairs(const StarTable& t, const std::string& title, std::string& out) {
  std::size_t width = 0;
  for (const auto& key : t.labels()) {
    check_word(key, title + ": key");
    width = std::max(width, key.size());
  }
  for (std::size_t c = 0; c < t.columns(); ++c) {
    const std::string& key = t.labels()[c];
    out += '_' + key;
    pad(out, width - key.size() + 1);
    out += quoted(t.value(0, c), title + ", _" + key);
    out += '\n';
  }
}

} // namespace

std::string format_star(const StarFile& file) {
  if (!file.version.empty()) check_word(file.version, "version");
  std::string out;
  for (std::size_t i = 0; i < file.blocks.size(); ++i) {
    const StarTable& t = file.blocks[i];
    const std::string title = "data_" + t.name();
    check_word(t.name(), "block name");
    if (i > 0) out += '\n';
    if (!file.version.empty()) out += "# version " + file.version + "\n\n";
    out += title + "\n\n";
    if (t.is_loop())
      format_loop(t, title, out);
    else
      format_pairs(t, title, out);
  }
  return out;
}

void write_star(const std::string& path, const StarFile& file) {
  std::string text;
  try {
    text = format_star(file);
  } catch (const FormatError&) {
    throw;
  } catch (const Error& e) {
    throw FormatError(path, e.message());
  }
  const std::string tmp = temp_path_beside(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) throw FormatError(path, std::string("cannot create: ") + std::strerror(errno));
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw FormatError(path, std::string("cannot write: ") + std::strerror(err));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw FormatError(path, std::string("cannot write: ") + std::strerror(err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw FormatError(path, std::string("cannot rename the temporary file: ") + std::strerror(err));
  }
}

} // namespace atelier
