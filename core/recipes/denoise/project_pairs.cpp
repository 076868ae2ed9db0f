// Matching odd/even half sums among a project's items (see project_pairs.h).
#include "core/recipes/denoise/project_pairs.h"

#include "core/base/error.h"
#include "core/recipes/denoise/run_normalisation.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>

namespace atelier::denoise {
namespace {

// The path with its first "odd" or "even" token replaced by a marker, and
// which half it was; nullopt-like (empty key) when neither appears.
std::pair<std::string, int> half_key(const std::string& path) {
  std::size_t start = 0;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    const bool end =
        i == path.size() || path[i] == '/' || path[i] == '_' || path[i] == '-' || path[i] == '.';
    if (!end) continue;
    std::string token = path.substr(start, i - start);
    std::transform(token.begin(), token.end(), token.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (token == "odd" || token == "even")
      return {path.substr(0, start) + "\x01" + path.substr(i), token == "odd" ? 1 : 2};
    start = i + 1;
  }
  return {{}, 0};
}

} // namespace

ProjectPairs pairs_from_project(const project::Project& project, const std::string& filter) {
  const project::ItemPaths paths(project);
  const std::string readable =
      filter.empty() ? std::string("import = ok") : "(" + filter + ") and import = ok";
  struct Half {
    std::string path;
    project::Split split = project::Split::none;
    std::int64_t dataset = 0;
  };
  // (dataset, key) -> odd and even halves
  std::map<std::pair<std::int64_t, std::string>,
           std::pair<std::optional<Half>, std::optional<Half>>>
      halves;
  for (const auto& row : project.query_items(readable, {"path", false}, -1)) {
    const auto [key, which] = half_key(row.rel_path);
    if (which == 0) continue;
    const std::string abs = paths.absolute(row);
    auto& slot = halves[{row.dataset_id, key}];
    (which == 1 ? slot.first : slot.second) = Half{abs, row.split, row.dataset_id};
  }
  ProjectPairs out;
  std::vector<std::pair<std::string, std::pair<Half, Half>>> ordered;
  for (auto& [key, pair] : halves) {
    if (!pair.first || !pair.second) {
      ++out.unpaired;
      continue;
    }
    ordered.push_back({pair.first->path, {*pair.first, *pair.second}});
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [name, pair] : ordered) {
    const ImagePair p{pair.first.path, pair.second.path};
    if (pair.first.split != project::Split::test) out.datasets.push_back(pair.first.dataset);
    switch (pair.first.split) {
    case project::Split::train: out.train.push_back(p); break;
    case project::Split::val: out.val.push_back(p); break;
    case project::Split::test: ++out.test; break;
    default: out.unsplit.push_back(p); break;
    }
  }
  std::sort(out.datasets.begin(), out.datasets.end());
  out.datasets.erase(std::unique(out.datasets.begin(), out.datasets.end()), out.datasets.end());
  return out;
}

NormalizationRecord project_normalisation(const project::Project& project,
                                          const std::vector<std::int64_t>& datasets,
                                          std::string* source) {
  if (datasets.empty()) throw Error("normalisation: no datasets");
  std::map<std::int64_t, std::string> names;
  for (const auto& d : project.datasets())
    names[d.id] = d.name;
  double items = 0, sum = 0, sum2 = 0;
  NormalizationRecord single; // one dataset: its record as stored
  std::string list;
  for (const std::int64_t id : datasets) {
    const auto named = names.find(id);
    const std::string name =
        named != names.end() ? named->second : std::string("#").append(std::to_string(id));
    const auto bands = project.normalisation(id);
    const auto band0 =
        std::find_if(bands.begin(), bands.end(),
                     [](const project::BandNormalisation& b) { return b.band == 0; });
    if (band0 == bands.end())
      throw Error("dataset '" + name +
                  "' has no normalisation record (none of its items has statistics); use "
                  "--normalisation image");
    single = {band0->mean, band0->std};
    check_normalisation_record(single, "dataset '" + name + "'");
    const double n = static_cast<double>(band0->items);
    items += n;
    sum += n * band0->mean;
    sum2 += n * (band0->std * band0->std + band0->mean * band0->mean);
    list += (list.empty() ? "" : ", ") + name;
  }
  NormalizationRecord out = single;
  if (datasets.size() > 1) {
    out.mean = sum / items;
    out.std = std::sqrt(std::max(0.0, sum2 / items - out.mean * out.mean));
  }
  if (source)
    *source = (datasets.size() == 1 ? "the normalisation record of project dataset "
                                    : "the normalisation records of project datasets ") +
              list + (datasets.size() == 1 ? "" : ", pooled by item count");
  return out;
}

} // namespace atelier::denoise
