// Noise2Noise pairs from a project: the odd/even half sums among its
// readable items, matched by name, with the train/validation split the
// project assigned (`atelier-cli split`) when it has one.
#pragma once

#include "core/project/project.h"
#include "core/recipes/denoise/pair_image.h"
#include "core/recipes/denoise/pair_list.h"

#include <map>
#include <string>
#include <vector>

namespace atelier::denoise {

struct ProjectPairs {
  std::vector<ImagePair> train, val;  // by the odd item's project split
  std::vector<ImagePair> unsplit;     // odd item without a split
  std::size_t test = 0;               // left out: the odd item is in the test split
  std::size_t unpaired = 0;           // odd or even items without their other half
  std::vector<std::int64_t> datasets; // of the pairs in train, val and unsplit, ascending
  // Every paired half by its absolute path: its item and width x height.
  struct HalfItem {
    std::int64_t id = 0, pixels = 0;
  };
  std::map<std::string, HalfItem> halves;
};

// Items (import ok, matching filter) whose paths are equal but for one
// path token "odd" / "even" (tokens split at '/', '_', '-' and '.', any
// case): sim_0001_odd.mrc + sim_0001_even.mrc, odd_003.mrc + even_003.mrc,
// odd/a.mrc + even/a.mrc. Paths are absolute (the dataset root joined with
// the item's path); pairs come in the order of the odd items' paths.
// Throws Error for a bad filter.
ProjectPairs pairs_from_project(const project::Project& project, const std::string& filter);

// The normalisation record of `pairs` (both halves of each, halves of
// `from`): the mean and std import measured on each half's item, pooled over
// all their pixels (items weighted by width x height) as
// Project::update_normalisation pools a dataset's items, without reading a
// pixel. The dataset-wide record would also count the dataset's other items
// (full sums sit beside the halves, on twice their scale), so it is not used
// as it stands. *source says where the record came from. Throws Error naming
// a half that is not in `from` or has no statistics, and for a record that
// cannot scale pixels.
NormalizationRecord project_normalisation(const project::Project& project, const ProjectPairs& from,
                                          const std::vector<ImagePair>& pairs, std::string* source);

} // namespace atelier::denoise
