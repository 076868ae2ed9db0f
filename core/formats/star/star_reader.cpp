// STAR parser: a line-based state machine, since RELION writes one row per
// line and reports are clearer with line numbers; and `inspect_star`.
#include "core/formats/star/star_reader.h"

#include "core/base/error.h"

#include <cstdio>
#include <string_view>
#include <vector>

namespace atelier {
namespace {

struct Token {
  std::string_view text;
  bool quoted = false;
};

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

class StarParser {
public:
  StarParser(std::string name, std::string_view text) : name_(std::move(name)), text_(text) {
    file_.source = name_;
  }

  StarFile run() {
    std::size_t pos = 0;
    while (pos < text_.size()) {
      std::size_t end = text_.find('\n', pos);
      if (end == std::string_view::npos) end = text_.size();
      std::string_view line = text_.substr(pos, end - pos);
      pos = end + 1;
      ++line_no_;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      parse_line(line);
    }
    finish_block();
    if (file_.blocks.empty()) throw FormatError(name_, "no data_ block found");
    return std::move(file_);
  }

private:
  enum class State : unsigned char { before_block = 1, block_start, pairs, loop_labels, loop_rows };

  [[noreturn]] void fail(const std::string& reason) const { fail_at(line_no_, reason); }
  [[noreturn]] void fail_at(std::size_t line, const std::string& reason) const {
    throw FormatError(name_, "line " + std::to_string(line) + ": " + reason);
  }

  StarTable& block() { return file_.blocks.back(); }
  std::string block_title() { return "data_" + block().name(); }

  static std::string shorten(std::string_view s) {
    if (s.size() > 40) return std::string(s.substr(0, 40)) + "...";
    return std::string(s);
  }

  void check_bytes(std::string_view line) const {
    for (const char c : line) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", u);
        fail(std::string("binary data (byte ") + hex + ")");
      }
    }
  }

  void tokenize(std::string_view line) {
    tokens_.clear();
    const std::size_t n = line.size();
    std::size_t i = 0;
    while (true) {
      while (i < n && is_blank(line[i]))
        ++i;
      if (i >= n || line[i] == '#') return;
      const char c = line[i];
      if (c == '\'' || c == '"') {
        // As in CIF, a quote closes only before whitespace or the line end, so
        // values like 'it's' survive.
        std::size_t j = i + 1;
        while (true) {
          j = line.find(c, j);
          if (j == std::string_view::npos)
            fail(std::string("unterminated ") + (c == '\'' ? "'" : "\"") + " quote");
          if (j + 1 == n || is_blank(line[j + 1])) break;
          ++j;
        }
        tokens_.push_back({line.substr(i + 1, j - i - 1), true});
        i = j + 1;
      } else {
        std::size_t j = i;
        while (j < n && !is_blank(line[j]))
          ++j;
        tokens_.push_back({line.substr(i, j - i), false});
        i = j;
      }
    }
  }

  // "# version 30001" (RELION 3.1): kept so the writer can put it back.
  void read_comment(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && is_blank(line[i]))
      ++i;
    if (i >= line.size() || line[i] != '#') return;
    ++i;
    while (i < line.size() && is_blank(line[i]))
      ++i;
    constexpr std::string_view kVersion = "version";
    if (line.substr(i, kVersion.size()) != kVersion) return;
    i += kVersion.size();
    if (i >= line.size() || !is_blank(line[i])) return;
    while (i < line.size() && is_blank(line[i]))
      ++i;
    std::size_t j = i;
    while (j < line.size() && !is_blank(line[j]))
      ++j;
    if (j > i && file_.version.empty()) file_.version = std::string(line.substr(i, j - i));
  }

  void finish_block() {
    if (state_ == State::loop_labels && block().columns() == 0)
      fail_at(loop_line_, "loop_ in " + block_title() + " has no column labels");
  }

  void parse_line(std::string_view line) {
    check_bytes(line);
    if (!line.empty() && line.front() == ';') fail("multi-line ';' text fields are not supported");
    tokenize(line);
    if (tokens_.empty()) {
      read_comment(line);
      return;
    }
    const Token& first = tokens_.front();
    const std::string_view word = first.text;
    if (!first.quoted) {
      if (word.starts_with("data_")) return start_block(word);
      if (word == "loop_") return start_loop();
      if (word.starts_with("save_") || word == "global_" || word == "stop_")
        fail("unsupported STAR keyword '" + shorten(word) + "'");
    }
    if (state_ == State::before_block)
      fail("expected a data_ block, found '" + shorten(word) + "'");
    if (!first.quoted && word.starts_with('_')) return label_or_key(word);

    switch (state_) {
    case State::block_start:
    case State::pairs:
      fail("unexpected '" + shorten(word) + "' in " + block_title() +
           " (expected loop_ or _key value)");
    case State::loop_labels:
      finish_block(); // a loop_ whose labels are missing
      state_ = State::loop_rows;
      [[fallthrough]];
    case State::loop_rows: add_row(); return;
    case State::before_block: return; // handled above
    }
  }

  void start_block(std::string_view word) {
    finish_block();
    if (tokens_.size() > 1)
      fail("unexpected '" + shorten(tokens_[1].text) + "' after " + shorten(word));
    file_.add_block(std::string(word.substr(5)), false);
    state_ = State::block_start;
  }

  void start_loop() {
    switch (state_) {
    case State::before_block: fail("loop_ before any data_ block");
    case State::pairs:
      fail("loop_ in " + block_title() +
           ", which holds key-value pairs (a block holds pairs or one loop, not both)");
    case State::loop_labels:
    case State::loop_rows:
      fail("second loop_ in " + block_title() + " (one loop per data block is supported)");
    case State::block_start: break;
    }
    if (tokens_.size() > 1) fail("unexpected '" + shorten(tokens_[1].text) + "' after loop_");
    block() = StarTable(block().name(), true);
    block().set_source(name_);
    state_ = State::loop_labels;
    loop_line_ = line_no_;
  }

  void label_or_key(std::string_view word) {
    // Passed with its underscore: the table strips exactly one, so a label
    // written "__x" keeps its second underscore.
    if (word.size() == 1) fail("empty label '_'");
    switch (state_) {
    case State::block_start:
    case State::pairs:
      if (tokens_.size() == 1) fail(shorten(word) + " has no value");
      if (tokens_.size() > 2)
        fail(shorten(word) + " has " + std::to_string(tokens_.size() - 1) +
             " values (expected one)");
      if (block().has_column(word)) fail("duplicate key " + shorten(word) + " in " + block_title());
      block().set(std::string(word), std::string(tokens_[1].text));
      state_ = State::pairs;
      return;
    case State::loop_labels:
      if (tokens_.size() > 1)
        fail("column label " + shorten(word) + " is followed by '" + shorten(tokens_[1].text) +
             "'");
      if (block().has_column(word))
        fail("duplicate column label " + shorten(word) + " in " + block_title());
      block().add_column(std::string(word));
      return;
    case State::loop_rows:
      fail(shorten(word) + " after the rows of the loop in " + block_title() +
           " (a block holds pairs or one loop, not both)");
    case State::before_block: return; // handled by the caller
    }
  }

  void add_row() {
    StarTable& t = block();
    if (tokens_.size() != t.columns())
      fail("row has " + std::to_string(tokens_.size()) + " values, the loop has " +
           std::to_string(t.columns()) + " columns");
    std::vector<std::string> row;
    row.reserve(tokens_.size());
    for (const auto& tok : tokens_)
      row.emplace_back(tok.text);
    t.add_row(std::move(row));
  }

  std::string name_;
  std::string_view text_;
  StarFile file_;
  State state_ = State::before_block;
  std::size_t line_no_ = 0;
  std::size_t loop_line_ = 0;
  std::vector<Token> tokens_;
};

} // namespace

StarFile read_star(const ByteSource& src) {
  const std::vector<std::uint8_t> bytes = src.read_rest(0);
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return StarParser(src.name(), text).run();
}

StarFile read_star(const std::string& path) {
  const FileSource src(path);
  return read_star(src);
}

FileInfo inspect_star(const std::string& path) {
  const StarFile star = read_star(path);
  FileInfo info;
  const StarTable* main = star.find_main_table();
  info.rows = main ? main->rows() : 0;
  info.set_extra("star_style", star.star_style());
  std::string names;
  for (const auto& b : star.blocks) {
    if (!names.empty()) names += ',';
    names += "data_" + b.name();
  }
  info.set_extra("blocks", names);
  info.set_extra("columns", static_cast<std::int64_t>(main ? main->columns() : 0));
  if (const StarTable* opt = star.optics())
    info.set_extra("optics_groups", static_cast<std::int64_t>(opt->rows()));
  if (main && main->rows() > 0) {
    if (const auto px = star.pixel_size_A(0)) {
      info.set_extra("pixel_size_A", *px);
      info.spacing.xyz = {*px, *px, 0.0};
      info.spacing.unit = "A";
      info.spacing.source = PixelSizeSource::star_file;
    }
  }
  return info;
}

} // namespace atelier
