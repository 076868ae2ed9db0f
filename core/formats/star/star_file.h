// In-memory model of a STAR file as RELION writes it: ordered data blocks,
// each either key-value pairs or one loop table. Values stay strings exactly
// as read (quotes removed); typed accessors parse on demand, so writing a file
// back keeps every value's text. RELION 3.0 / 3.1 helpers (main table, optics
// group of a row, pixel size) live here too.
#pragma once

#include "core/formats/star/star_image_ref.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atelier {

// One data block. A key-value block ("_rlnKey value" lines) is held as a
// table with one row whose columns are the keys, so the same accessors serve
// both kinds; is_loop() records how it is written.
//
// Labels are kept without the leading underscore ("rlnImageName"): every STAR
// label has one, so it carries no information.
class StarTable {
public:
  StarTable() = default;
  // name: the text after "data_" (may be empty, as in RELION 3.0's "data_").
  StarTable(std::string name, bool is_loop);

  const std::string& name() const { return name_; }
  bool is_loop() const { return loop_; }
  const std::vector<std::string>& labels() const { return labels_; }
  std::size_t columns() const { return labels_.size(); }
  // Loops: the number of rows. Key-value blocks: 1 once they hold a pair.
  std::size_t rows() const { return rows_; }

  // Building (the reader uses these too); labels and keys may be given with
  // or without the leading underscore. Throw atelier::Error on misuse:
  // a duplicate label, a column added to a loop that has rows, a row of the
  // wrong length, set() on a loop.
  void add_column(std::string label);
  void add_row(std::vector<std::string> values);
  void set(std::string key, std::string value); // key-value blocks: add or replace

  // Exact label lookup; a leading underscore is accepted and ignored.
  std::optional<std::size_t> find_column(std::string_view label) const;
  // Also accepts the name without RELION's "rln" prefix ("ImageName").
  std::optional<std::size_t> find_column_relaxed(std::string_view name) const;
  bool has_column(std::string_view label) const { return find_column(label).has_value(); }
  // Throws FormatError ("<source>: data_NAME has no column _rlnX").
  std::size_t column(std::string_view label) const;

  // Accessors take 0-based rows and columns; errors name the block, the row
  // (1-based, as people count) and the column. Out-of-range indices throw
  // FormatError too.
  const std::string& value(std::size_t row, std::size_t col) const;
  const std::string& value(std::size_t row, std::string_view label) const;
  double get_double(std::size_t row, std::size_t col) const;
  double get_double(std::size_t row, std::string_view label) const;
  std::int64_t get_int(std::size_t row, std::size_t col) const;
  std::int64_t get_int(std::size_t row, std::string_view label) const;
  ImageRef get_image_ref(std::size_t row, std::string_view label) const;
  // Key-value blocks: the value of a key (row 0).
  const std::string& value(std::string_view key) const { return value(0, key); }

  // The name used in error messages (the file the table was read from).
  const std::string& source() const { return source_; }
  void set_source(std::string source) { source_ = std::move(source); }

  // Compares content only (not source()).
  friend bool operator==(const StarTable& a, const StarTable& b);

private:
  [[noreturn]] void fail(std::size_t row, std::size_t col, const std::string& what) const;
  void check_cell(std::size_t row, std::size_t col) const;

  std::string name_;
  bool loop_ = true;
  std::vector<std::string> labels_;
  // label -> column, so wide tables and long key lists stay O(n log n) to build.
  std::map<std::string, std::size_t, std::less<>> index_;
  std::vector<std::string> cells_; // row-major, rows_ * labels_.size()
  std::size_t rows_ = 0;
  std::string source_;
};

struct StarFile {
  // The path or name it was read from; errors name it. Not compared.
  std::string source;
  // "30001" from RELION 3.1's "# version 30001" line; empty when absent. The
  // writer puts the line before every block, as RELION does.
  std::string version;
  std::vector<StarTable> blocks;

  // The block named `name` (without "data_"); nullptr when absent.
  const StarTable* find_block(std::string_view name) const;
  StarTable& add_block(std::string name, bool is_loop);

  // data_particles, else data_micrographs, else data_movies, else the first
  // loop other than data_optics, else the first loop; nullptr without loops.
  const StarTable* find_main_table() const;
  // As find_main_table() but throws FormatError when the file has no loop.
  const StarTable& main_table() const;
  // RELION 3.1+ data_optics; nullptr for 3.0 files.
  const StarTable* optics() const { return find_block("optics"); }

  // Row of data_optics for row `row` of the main table, via rlnOpticsGroup.
  // nullopt without data_optics. Throws FormatError when the group is absent
  // from data_optics, or when the main table lacks rlnOpticsGroup and
  // data_optics has more than one group.
  std::optional<std::size_t> optics_for_row(std::size_t row) const;

  // Pixel size in Ångström for row `row` of the main table: rlnImagePixelSize,
  // rlnMicrographPixelSize, rlnMicrographOriginalPixelSize or rlnPixelSize
  // from the row's optics group (3.1) or the row itself (3.0), else
  // rlnDetectorPixelSize (µm) * 10000 / rlnMagnification. Values <= 0 count
  // as absent. nullopt when none is found.
  std::optional<double> pixel_size_A(std::size_t row) const;

  // "relion3.1 with data_optics", "relion3.1" (version line, no optics),
  // "relion3.0" (rln labels), or "star" (anything else). The first two and
  // "relion3.0" are the values ../shared/data/manifest.json uses.
  std::string star_style() const;

  friend bool operator==(const StarFile& a, const StarFile& b) {
    return a.version == b.version && a.blocks == b.blocks;
  }
};

} // namespace atelier
