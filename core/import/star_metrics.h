// STAR tables found next to the data: their RELION / cryoSPARC micrograph
// columns (defocus, CTF fit resolution, astigmatism, motion; see
// star_micrograph_columns.h) become metrics of the items they name. A
// particles table gives per-micrograph means and a particle_count.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace atelier::import {

struct StarMicrographMetrics {
  std::string micrograph; // rlnMicrographName as written
  std::vector<std::pair<std::string, double>> metrics;
  double pixel_size_A = 0.0; // from the row or its optics group; 0 when absent
};

// The per-micrograph metrics of the STAR file's main table (particles,
// micrographs or movies). Empty when the table has no rlnMicrographName or
// none of the known columns. Throws FormatError naming the file and the
// reason when the file cannot be parsed.
std::vector<StarMicrographMetrics> read_star_micrograph_metrics(const std::string& path);

// Finds the item a STAR name refers to. RELION writes names relative to its
// own project ("MotionCorr/job002/Movies/a.mrc"), so names are matched by
// the longest shared path suffix with an item's relative path, falling back
// to the file name without its extension (a movie a.tiff and its sum a.mrc).
// Ambiguous matches (two items equally good) match nothing.
class ItemNameIndex {
public:
  void add(std::int64_t id, const std::string& rel_path);
  std::optional<std::int64_t> find(const std::string& star_name) const;

private:
  std::unordered_map<std::string, std::vector<std::pair<std::int64_t, std::string>>> by_name_,
      by_stem_;
};

} // namespace atelier::import
