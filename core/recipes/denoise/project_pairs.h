// Noise2Noise pairs from a project: the odd/even half sums among its
// readable items, matched by name, with the train/validation split the
// project assigned (`atelier-cli split`) when it has one.
#pragma once

#include "core/project/project.h"
#include "core/recipes/denoise/pair_image.h"
#include "core/recipes/denoise/pair_list.h"

#include <string>
#include <vector>

namespace atelier::denoise {

struct ProjectPairs {
  std::vector<ImagePair> train, val;  // by the odd item's project split
  std::vector<ImagePair> unsplit;     // odd item without a split
  std::size_t test = 0;               // left out: the odd item is in the test split
  std::size_t unpaired = 0;           // odd or even items without their other half
  std::vector<std::int64_t> datasets; // of the pairs in train, val and unsplit, ascending
};

// Items (import ok, matching filter) whose paths are equal but for one
// path token "odd" / "even" (tokens split at '/', '_', '-' and '.', any
// case): sim_0001_odd.mrc + sim_0001_even.mrc, odd_003.mrc + even_003.mrc,
// odd/a.mrc + even/a.mrc. Paths are absolute (the dataset root joined with
// the item's path); pairs come in the order of the odd items' paths.
// Throws Error for a bad filter.
ProjectPairs pairs_from_project(const project::Project& project, const std::string& filter);

// The normalisation record of the datasets (band 0, all values together) that
// import keeps (Project::normalisation). Several datasets' records are pooled
// with each weighted by its item count. *source names them. Throws Error
// naming a dataset without a record (none of its items is readable) or with
// one that cannot scale pixels (std 0).
NormalizationRecord project_normalisation(const project::Project& project,
                                          const std::vector<std::int64_t>& datasets,
                                          std::string* source);

} // namespace atelier::denoise
