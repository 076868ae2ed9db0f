// Project::update_normalisation / normalisation: the per-dataset, per-band
// statistics training normalises with (see project.h).
#include "core/project/project.h"
#include "core/project/sqlite_db.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace atelier::project {
namespace {

struct ItemBand {
  double weight = 0, mean = 0, std = 0, p01 = 0, p50 = 0, p99 = 0;
};

// The value at half of the total weight.
double weighted_median(std::vector<std::pair<double, double>> value_weight) {
  std::sort(value_weight.begin(), value_weight.end());
  double total = 0;
  for (const auto& [v, w] : value_weight)
    total += w;
  double seen = 0;
  for (const auto& [v, w] : value_weight) {
    seen += w;
    if (seen >= total / 2) return v;
  }
  return value_weight.empty() ? 0.0 : value_weight.back().first;
}

} // namespace

std::vector<BandNormalisation> Project::update_normalisation(std::int64_t dataset_id) {
  // Band b's metrics are "mean_b<b>" etc.; band 0 the unsuffixed ones.
  Statement s(db_, "SELECT m.item_id, m.name, m.value, items.width * items.height FROM metrics m "
                   "JOIN items ON items.id = m.item_id WHERE items.dataset_id = ? AND "
                   "items.import_status = 'ok' AND (m.name GLOB 'mean*' OR m.name GLOB 'std*' "
                   "OR m.name GLOB 'p01*' OR m.name GLOB 'p50*' OR m.name GLOB 'p99*')");
  s.bind(1, dataset_id);
  std::map<int, std::map<std::int64_t, ItemBand>> bands;
  std::map<int, std::map<std::int64_t, int>> seen; // fields found per item (all 5 needed)
  while (s.step()) {
    const std::string name = s.column_text(1);
    const auto under = name.find("_b");
    const std::string stat = name.substr(0, under);
    int band = 0;
    if (under != std::string::npos) {
      const std::string digits = name.substr(under + 2);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos ||
          digits.size() > 4)
        continue;
      band = std::stoi(digits);
    }
    const double v = s.column_double(2);
    ItemBand& ib = bands[band][s.column_int(0)];
    ib.weight = static_cast<double>(s.column_int(3));
    if (stat == "mean")
      ib.mean = v;
    else if (stat == "std")
      ib.std = v;
    else if (stat == "p01")
      ib.p01 = v;
    else if (stat == "p50")
      ib.p50 = v;
    else if (stat == "p99")
      ib.p99 = v;
    else
      continue;
    ++seen[band][s.column_int(0)];
  }
  std::vector<BandNormalisation> out;
  for (const auto& [band, items] : bands) {
    BandNormalisation n;
    n.band = band;
    double w_total = 0, sum = 0, sum2 = 0;
    std::vector<std::pair<double, double>> p01, p50, p99;
    for (const auto& [id, ib] : items) {
      if (seen[band][id] < 5 || !(ib.weight > 0)) continue;
      ++n.items;
      w_total += ib.weight;
      sum += ib.weight * ib.mean;
      sum2 += ib.weight * (ib.std * ib.std + ib.mean * ib.mean);
      p01.emplace_back(ib.p01, ib.weight);
      p50.emplace_back(ib.p50, ib.weight);
      p99.emplace_back(ib.p99, ib.weight);
    }
    if (n.items == 0) continue;
    n.mean = sum / w_total;
    n.std = std::sqrt(std::max(0.0, sum2 / w_total - n.mean * n.mean));
    n.p01 = weighted_median(p01);
    n.p50 = weighted_median(p50);
    n.p99 = weighted_median(p99);
    out.push_back(n);
  }
  Transaction tx(db_);
  Statement clear(db_, "DELETE FROM normalisation WHERE dataset_id = ?");
  clear.bind(1, dataset_id).run();
  Statement put(db_, "INSERT INTO normalisation (dataset_id, band, items, mean, std, p01, p50, "
                     "p99) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  for (const auto& n : out) {
    put.reset();
    put.bind(1, dataset_id).bind(2, n.band).bind(3, n.items).bind(4, n.mean).bind(5, n.std);
    put.bind(6, n.p01).bind(7, n.p50).bind(8, n.p99).run();
  }
  tx.commit();
  return out;
}

std::vector<BandNormalisation> Project::normalisation(std::int64_t dataset_id) const {
  Statement s(db_, "SELECT band, items, mean, std, p01, p50, p99 FROM normalisation WHERE "
                   "dataset_id = ? ORDER BY band");
  s.bind(1, dataset_id);
  std::vector<BandNormalisation> out;
  while (s.step())
    out.push_back({static_cast<int>(s.column_int(0)), s.column_int(1), s.column_double(2),
                   s.column_double(3), s.column_double(4), s.column_double(5), s.column_double(6)});
  return out;
}

} // namespace atelier::project
