// Denoising project items into derived/ (see denoise_items.h).
#include "core/recipes/denoise/denoise_items.h"

#include "core/base/error.h"
#include "core/run/run_dir.h"

#include <filesystem>

namespace atelier::denoise {
namespace fs = std::filesystem;

std::string choose_checkpoint(const DenoiseItemsOptions& o) {
  if (o.checkpoint != "best" && o.checkpoint != "latest") return o.checkpoint;
  const auto file = o.checkpoint == "best" ? run::best_checkpoint(o.run_dir)
                                           : run::last_checkpoint_file(o.run_dir);
  if (!file) throw Error(o.run_dir + ": the run has no checkpoint yet");
  return *file;
}

DenoiseItemsResult denoise_items(project::Project& project, const std::vector<std::int64_t>& items,
                                 const DenoiseItemsOptions& options,
                                 const std::function<bool(std::size_t, std::size_t)>& progress) {
  DenoiseItemsResult result;
  result.checkpoint = choose_checkpoint(options);
  MicrographDenoiser denoiser(result.checkpoint, options.denoise);
  const std::string run_name = fs::path(options.run_dir).filename().string();
  const auto step = run::checkpoint_step_from_name(fs::path(result.checkpoint).filename().string());
  const std::string source =
      run_name + (step ? "@step-" + std::to_string(*step) : "@" + result.checkpoint);
  const fs::path out_dir = project.derived_dir() / run_name;
  fs::create_directories(out_dir);
  const project::ItemPaths paths(project);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::int64_t id = items[i];
    try {
      const auto record = project.item(id);
      if (!record) throw Error("no such item");
      const std::string written = denoiser.denoise_file(paths.absolute(*record), out_dir.string());
      project.add_derived(id, "denoised", fs::relative(written, project.dir()).string(), source);
      result.done.push_back(id);
    } catch (const std::exception& e) {
      result.errors.emplace_back(id, e.what());
    }
    if (progress && !progress(i + 1, items.size())) {
      result.cancelled = i + 1 < items.size();
      break;
    }
  }
  return result;
}

} // namespace atelier::denoise
