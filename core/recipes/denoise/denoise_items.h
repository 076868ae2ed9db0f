// Denoising a project's items with a trained run: each item's micrograph goes
// through the run's checkpoint (the best by validation loss, the latest, or
// a given file) into derived/<run name>/, and is recorded as the item's
// "denoised" output with "<run>@step-N" as its source, so the GUI can show
// raw and denoised side by side.
#pragma once

#include "core/project/project.h"
#include "core/recipes/denoise/micrograph_denoiser.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace atelier::denoise {

struct DenoiseItemsOptions {
  std::string run_dir;
  std::string checkpoint = "best"; // "best", "latest" or a checkpoint path
  DenoiseOptions denoise;
};

struct DenoiseItemsResult {
  std::string checkpoint;                                   // the file used
  std::vector<std::int64_t> done;                           // items denoised
  std::vector<std::pair<std::int64_t, std::string>> errors; // item, reason
  bool cancelled = false;
};

// The checkpoint options.checkpoint names; Error when the run has none.
std::string choose_checkpoint(const DenoiseItemsOptions& options);

// progress(done, total) after each item; returning false stops (cancelled).
// Unreadable items are reported in errors and skipped. Throws Error when the
// run or its checkpoint cannot be used.
DenoiseItemsResult
denoise_items(project::Project& project, const std::vector<std::int64_t>& items,
              const DenoiseItemsOptions& options,
              const std::function<bool(std::size_t, std::size_t)>& progress = {});

} // namespace atelier::denoise
