// Matching odd/even half sums among a project's items (see project_pairs.h).
#include "core/recipes/denoise/project_pairs.h"

#include "core/base/error.h"
#include "core/project/filter_expr.h"
#include "core/recipes/denoise/run_normalisation.h"

#include <algorithm>
#include <cctype>
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
  const std::string readable = project::filter_and(filter, "import = ok");
  struct Half {
    std::string path;
    project::Split split = project::Split::none;
    std::int64_t dataset = 0;
    ProjectPairs::HalfItem item;
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
    (which == 1 ? slot.first : slot.second) =
        Half{abs, row.split, row.dataset_id, {row.id, row.width * row.height}};
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
    out.halves[pair.first.path] = pair.first.item;
    out.halves[pair.second.path] = pair.second.item;
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

NormalizationRecord project_normalisation(const project::Project& project, const ProjectPairs& from,
                                          const std::vector<ImagePair>& pairs,
                                          std::string* source) {
  if (pairs.empty()) throw Error("normalisation: no pairs");
  PixelMoments all;
  for (const ImagePair& pair : pairs)
    for (const std::string* path : {&pair.odd_path, &pair.even_path}) {
      const auto half = from.halves.find(*path);
      if (half == from.halves.end())
        throw Error(*path + ": not one of the project's paired halves");
      const auto metrics = project.item_metrics(half->second.id);
      const auto mean = metrics.find("mean"), spread = metrics.find("std");
      if (mean == metrics.end() || spread == metrics.end() || !(half->second.pixels > 0))
        throw Error(*path + ": import stored no mean and std for it (import it again, or use "
                            "--normalisation image)");
      all = merge_moments(
          all, pixel_moments(double(half->second.pixels), {mean->second, spread->second}));
    }
  const NormalizationRecord out = all.record();
  check_normalisation_record(out, "the training pairs");
  if (source) {
    std::map<std::int64_t, std::string> names;
    for (const auto& d : project.datasets())
      names[d.id] = d.name;
    std::string list;
    for (const std::int64_t id : from.datasets)
      if (const auto named = names.find(id); named != names.end())
        list += (list.empty() ? "" : ", ") + named->second;
    *source = "pooled from the import statistics (mean, std) of the " +
              std::to_string(pairs.size()) + " training pairs' " +
              std::to_string(2 * pairs.size()) + " half sums, project dataset" +
              (from.datasets.size() == 1 ? " " : "s ") + list;
  }
  return out;
}

} // namespace atelier::denoise
