// StarTable / StarFile: storage, typed accessors and the RELION helpers.
#include "core/formats/star/star_file.h"

#include "core/base/error.h"

#include <charconv>
#include <cmath>

namespace atelier {
namespace {

std::string_view strip_underscore(std::string_view label) {
  if (!label.empty() && label.front() == '_') label.remove_prefix(1);
  return label;
}

std::string block_title(const std::string& name) {
  return "data_" + name;
}

} // namespace

StarTable::StarTable(std::string name, bool is_loop) : name_(std::move(name)), loop_(is_loop) {}

void StarTable::add_column(std::string label) {
  if (!label.empty() && label.front() == '_') label.erase(0, 1);
  if (label.empty()) throw Error(block_title(name_) + ": empty column label");
  if (index_.count(label)) throw Error(block_title(name_) + ": duplicate column label _" + label);
  if (!loop_) throw Error(block_title(name_) + ": add_column() on a key-value block (use set())");
  if (rows_ > 0)
    throw Error(block_title(name_) + ": cannot add column _" + label + " to a loop that has rows");
  index_.emplace(label, labels_.size());
  labels_.push_back(std::move(label));
}

void StarTable::add_row(std::vector<std::string> values) {
  if (!loop_) throw Error(block_title(name_) + ": add_row() on a key-value block");
  if (values.size() != labels_.size())
    throw Error(block_title(name_) + ": row has " + std::to_string(values.size()) +
                " values, the loop has " + std::to_string(labels_.size()) + " columns");
  for (auto& v : values)
    cells_.push_back(std::move(v));
  ++rows_;
}

void StarTable::set(std::string key, std::string value) {
  if (loop_) throw Error(block_title(name_) + ": set() on a loop");
  if (const auto col = find_column(key)) {
    cells_[*col] = std::move(value);
    return;
  }
  if (strip_underscore(key).empty()) throw Error(block_title(name_) + ": empty key");
  index_.emplace(std::string(strip_underscore(key)), labels_.size());
  labels_.emplace_back(strip_underscore(key));
  cells_.push_back(std::move(value));
  rows_ = 1;
}

std::optional<std::size_t> StarTable::find_column(std::string_view label) const {
  const auto it = index_.find(strip_underscore(label));
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::size_t> StarTable::find_column_relaxed(std::string_view name) const {
  if (auto col = find_column(name)) return col;
  const std::string with_prefix = "rln" + std::string(strip_underscore(name));
  return find_column(with_prefix);
}

std::size_t StarTable::column(std::string_view label) const {
  if (auto col = find_column(label)) return *col;
  throw FormatError(source_,
                    block_title(name_) + " has no column _" + std::string(strip_underscore(label)));
}

void StarTable::fail(std::size_t row, std::size_t col, const std::string& what) const {
  std::string where = block_title(name_);
  if (loop_) where += ", row " + std::to_string(row + 1);
  if (col < labels_.size()) where += ", column _" + labels_[col];
  throw FormatError(source_, where + ": " + what);
}

void StarTable::check_cell(std::size_t row, std::size_t col) const {
  if (row >= rows_)
    throw FormatError(source_, block_title(name_) + ": row " + std::to_string(row + 1) +
                                   " is past the last row (" + std::to_string(rows_) + ")");
  if (col >= labels_.size())
    throw FormatError(source_, block_title(name_) + ": column index " + std::to_string(col) +
                                   " is past the last column (" + std::to_string(labels_.size()) +
                                   " columns)");
}

const std::string& StarTable::value(std::size_t row, std::size_t col) const {
  check_cell(row, col);
  return cells_[row * labels_.size() + col];
}

const std::string& StarTable::value(std::size_t row, std::string_view label) const {
  return value(row, column(label));
}

double StarTable::get_double(std::size_t row, std::size_t col) const {
  std::string_view text = value(row, col);
  // from_chars rejects the '+' that some writers (printf "%+f") emit.
  if (text.size() > 1 && text.front() == '+' && text[1] != '-') text.remove_prefix(1);
  double v = 0.0;
  const char* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || p != end)
    fail(row, col, "'" + std::string(value(row, col)) + "' is not a number");
  if (ec == std::errc::result_out_of_range)
    fail(row, col, "'" + std::string(text) + "' is out of the range of a double");
  if (ec != std::errc()) fail(row, col, "'" + std::string(text) + "' is not a number");
  return v;
}

double StarTable::get_double(std::size_t row, std::string_view label) const {
  return get_double(row, column(label));
}

std::int64_t StarTable::get_int(std::size_t row, std::size_t col) const {
  std::string_view text = value(row, col);
  if (text.size() > 1 && text.front() == '+' && text[1] != '-') text.remove_prefix(1);
  std::int64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec == std::errc::result_out_of_range)
    fail(row, col, "'" + std::string(text) + "' is out of the range of a 64-bit integer");
  if (text.empty() || ec != std::errc() || p != end)
    fail(row, col, "'" + std::string(value(row, col)) + "' is not an integer");
  return v;
}

std::int64_t StarTable::get_int(std::size_t row, std::string_view label) const {
  return get_int(row, column(label));
}

ImageRef StarTable::get_image_ref(std::size_t row, std::string_view label) const {
  const std::size_t col = column(label);
  try {
    return parse_image_ref(value(row, col));
  } catch (const FormatError&) {
    throw;
  } catch (const Error& e) {
    fail(row, col, e.message());
  }
}

bool operator==(const StarTable& a, const StarTable& b) {
  return a.name_ == b.name_ && a.loop_ == b.loop_ && a.rows_ == b.rows_ && a.labels_ == b.labels_ &&
         a.cells_ == b.cells_;
}

const StarTable* StarFile::find_block(std::string_view name) const {
  for (const auto& b : blocks)
    if (b.name() == name) return &b;
  return nullptr;
}

StarTable& StarFile::add_block(std::string name, bool is_loop) {
  blocks.emplace_back(std::move(name), is_loop);
  blocks.back().set_source(source);
  return blocks.back();
}

const StarTable* StarFile::find_main_table() const {
  for (const char* name : {"particles", "micrographs", "movies"})
    if (const StarTable* t = find_block(name); t && t->is_loop()) return t;
  const StarTable* first_loop = nullptr;
  for (const auto& b : blocks) {
    if (!b.is_loop()) continue;
    if (b.name() != "optics") return &b;
    if (!first_loop) first_loop = &b;
  }
  return first_loop;
}

const StarTable& StarFile::main_table() const {
  if (const StarTable* t = find_main_table()) return *t;
  throw FormatError(source, "no data table (loop_) in the file");
}

std::optional<std::size_t> StarFile::optics_for_row(std::size_t row) const {
  const StarTable* opt = optics();
  if (!opt || !opt->is_loop()) return std::nullopt;
  const StarTable& main = main_table();
  if (&main == opt) return row;
  const auto group_col = main.find_column("rlnOpticsGroup");
  if (!group_col) {
    if (opt->rows() == 1) return 0;
    throw FormatError(source, block_title(main.name()) +
                                  " has no column _rlnOpticsGroup but data_optics has " +
                                  std::to_string(opt->rows()) + " groups");
  }
  const std::int64_t group = main.get_int(row, *group_col);
  const auto opt_col = opt->find_column("rlnOpticsGroup");
  if (opt_col) {
    for (std::size_t r = 0; r < opt->rows(); ++r)
      if (opt->get_int(r, *opt_col) == group) return r;
  }
  throw FormatError(source, block_title(main.name()) + ", row " + std::to_string(row + 1) +
                                ": optics group " + std::to_string(group) +
                                " is not in data_optics");
}

std::optional<double> StarFile::pixel_size_A(std::size_t row) const {
  static constexpr const char* kDirect[] = {"rlnImagePixelSize", "rlnMicrographPixelSize",
                                            "rlnMicrographOriginalPixelSize", "rlnPixelSize"};
  const StarTable& main = main_table();
  const StarTable* opt = optics();
  std::optional<std::size_t> opt_row;
  if (opt && opt->is_loop() && opt->rows() > 0) opt_row = optics_for_row(row);

  auto positive = [](const StarTable& t, std::size_t r, std::string_view label) {
    std::optional<double> out;
    if (const auto col = t.find_column(label)) {
      const double v = t.get_double(r, *col);
      if (std::isfinite(v) && v > 0.0) out = v;
    }
    return out;
  };
  // The optics group describes the images; a per-row value (3.0) otherwise.
  for (const char* label : kDirect) {
    if (opt_row)
      if (auto v = positive(*opt, *opt_row, label)) return v;
    if (auto v = positive(main, row, label)) return v;
  }
  for (int pass = 0; pass < 2; ++pass) {
    const StarTable* t = pass == 0 ? &main : opt;
    const std::size_t r = pass == 0 ? row : opt_row.value_or(0);
    if (!t || (pass == 1 && !opt_row)) continue;
    const auto det = positive(*t, r, "rlnDetectorPixelSize");
    const auto mag = positive(*t, r, "rlnMagnification");
    if (det && mag) {
      const double v = *det * 10000.0 / *mag;
      if (std::isfinite(v) && v > 0.0) return v;
    }
  }
  return std::nullopt;
}

std::string StarFile::star_style() const {
  if (optics()) return "relion3.1 with data_optics";
  if (!version.empty()) return "relion3.1";
  for (const auto& b : blocks)
    for (const auto& label : b.labels())
      if (label.starts_with("rln")) return "relion3.0";
  return "star";
}

} // namespace atelier
