// Reading STAR micrograph metrics and matching their names to items.
#include "core/import/star_metrics.h"

#include "core/base/error.h"
#include "core/formats/star/star_file.h"
#include "core/formats/star/star_micrograph_columns.h"
#include "core/formats/star/star_reader.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace atelier::import {
namespace {

std::string file_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string stem(const std::string& name) {
  const auto dot = name.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

// Number of whole trailing path components a and b share.
int shared_suffix(const std::string& a, const std::string& b) {
  int parts = 0;
  std::size_t i = a.size(), j = b.size();
  while (i > 0 && j > 0) {
    const std::size_t ai = a.find_last_of('/', i - 1), bj = b.find_last_of('/', j - 1);
    const std::size_t as = ai == std::string::npos ? 0 : ai + 1,
                      bs = bj == std::string::npos ? 0 : bj + 1;
    if (a.compare(as, i - as, b, bs, j - bs) != 0) break;
    ++parts;
    if (ai == std::string::npos || bj == std::string::npos) break;
    i = ai, j = bj;
  }
  return parts;
}

std::optional<std::int64_t>
best_of(const std::vector<std::pair<std::int64_t, std::string>>& candidates,
        const std::string& name) {
  std::optional<std::int64_t> best;
  int best_score = -1;
  bool tie = false;
  for (const auto& [id, rel] : candidates) {
    const int score = shared_suffix(rel, name);
    if (score > best_score)
      best = id, best_score = score, tie = false;
    else if (score == best_score)
      tie = true;
  }
  return tie ? std::nullopt : best;
}

std::optional<double> number(const std::string& text) {
  double v = 0;
  const char* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, v);
  if (r.ec != std::errc() || r.ptr != end) return std::nullopt;
  return v;
}

} // namespace

std::vector<StarMicrographMetrics> read_star_micrograph_metrics(const std::string& path) {
  const StarFile file = read_star(path);
  const StarTable* table = file.find_main_table();
  if (!table) return {};
  const auto name_col = table->find_column("rlnMicrographName");
  if (!name_col) return {};
  std::vector<std::pair<std::string, std::size_t>> columns; // metric, column
  for (const auto& c : kStarMetricColumns)
    if (const auto col = table->find_column(c.label)) columns.emplace_back(c.metric, *col);
  const bool particles = table->has_column("rlnImageName") || table->has_column("rlnCoordinateX");
  const bool has_pixel_size = file.optics() || table->has_column("rlnMicrographPixelSize") ||
                              table->has_column("rlnDetectorPixelSize");
  if (columns.empty() && !particles && !has_pixel_size) return {};

  // Per micrograph: sums and counts per metric (particle tables repeat the
  // micrograph's values, or refine them per particle: the mean is kept).
  struct Acc {
    std::vector<double> sum, count;
    std::size_t rows = 0;
    double pixel_size_A = 0.0;
  };
  std::map<std::string, Acc> by_micrograph;
  std::vector<std::string> order;
  for (std::size_t row = 0; row < table->rows(); ++row) {
    const std::string& name = table->value(row, *name_col);
    auto [it, fresh] = by_micrograph.try_emplace(name);
    if (fresh) {
      order.push_back(name);
      it->second.sum.assign(columns.size(), 0.0);
      it->second.count.assign(columns.size(), 0.0);
      try {
        it->second.pixel_size_A = file.pixel_size_A(row).value_or(0.0);
      } catch (const std::exception&) {
        // An optics group that is missing: no pixel size for this one.
      }
    }
    ++it->second.rows;
    for (std::size_t k = 0; k < columns.size(); ++k)
      if (const auto v = number(table->value(row, columns[k].second))) {
        it->second.sum[k] += *v;
        it->second.count[k] += 1;
      }
  }
  std::vector<StarMicrographMetrics> out;
  for (const std::string& name : order) {
    const Acc& a = by_micrograph.at(name);
    StarMicrographMetrics m{name, {}, a.pixel_size_A};
    for (std::size_t k = 0; k < columns.size(); ++k)
      if (a.count[k] > 0) m.metrics.emplace_back(columns[k].first, a.sum[k] / a.count[k]);
    if (particles) m.metrics.emplace_back("particle_count", static_cast<double>(a.rows));
    if (!m.metrics.empty() || m.pixel_size_A > 0) out.push_back(std::move(m));
  }
  return out;
}

void ItemNameIndex::add(std::int64_t id, const std::string& rel_path) {
  const std::string name = file_name(rel_path);
  by_name_[name].emplace_back(id, rel_path);
  by_stem_[stem(name)].emplace_back(id, rel_path);
}

std::optional<std::int64_t> ItemNameIndex::find(const std::string& star_name) const {
  // "000012@stack.mrcs" names an image in a stack; the file is after the '@'.
  std::string path = star_name;
  if (const auto at = path.find('@'); at != std::string::npos) path = path.substr(at + 1);
  const std::string name = file_name(path);
  if (const auto it = by_name_.find(name); it != by_name_.end()) return best_of(it->second, path);
  if (const auto it = by_stem_.find(stem(name)); it != by_stem_.end())
    return best_of(it->second, path);
  return std::nullopt;
}

} // namespace atelier::import
