// The Noise2Noise denoiser's training run: pairs -> U-Net on a backend, with
// the run directory of DESIGN.md (run.json written once, status.json,
// metrics.jsonl every log_every steps, log.txt, checkpoints every
// checkpoint_every steps and at the end), validation on held-out pairs,
// learning-rate schedules, and stop on SIGTERM/SIGINT with a checkpoint.
// A resumed run reads its frozen settings from run.json and continues from
// the latest checkpoint; crops are drawn by step number, so on the CPU
// backend it continues bit for bit.
#pragma once

#include "core/engine/backend.h"
#include "core/engine/unet.h"
#include "core/recipes/denoise/pair_image.h"
#include "core/recipes/denoise/pair_list.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace atelier::denoise {

struct DenoiseTrainOptions {
  std::string pairs_list; // the pair list file (one "odd even" per line)
  std::string run_dir;
  std::int64_t steps = 1000;
  int batch = 8;
  int crop = 512;
  std::string device = "cpu";
  std::string precision = "bf16";
  // On a GPU: the same bits run after run (cuDNN's deterministic engines,
  // chosen by heuristics, not timing), at some speed. The CPU always is.
  bool deterministic = false;
  std::string model = "unet";
  std::string optimizer = "adam";    // adam, adamw, sgd
  std::string schedule = "constant"; // constant, cosine, wsd
  double lr = 1e-3;
  double min_lr = 0;
  std::int64_t warmup_steps = 0;
  double weight_decay = 0;
  double momentum = 0.9;    // sgd
  double clip_norm = 0;     // 0: no clipping
  std::string loss = "mse"; // mse, l1
  double val_fraction = 0.1;
  std::int64_t val_every = 100;
  int val_batches = 4;
  std::int64_t log_every = 10;
  std::int64_t checkpoint_every = 500;
  std::uint64_t seed = 0;
  int loader_threads = 2;
  double cache_gib = 2.0;
  // "image": each half sum by its own mean and std. "dataset": every image
  // by one record: normalisation_record, or when unset the pooled statistics
  // of the training pairs, measured before the run starts. The record is
  // frozen in run.json, so a resume and the run's checkpoints use it too.
  std::string normalisation = "image";
  std::optional<NormalizationRecord> normalisation_record;
  std::string normalisation_source; // where the record came from (run.json)
  // Where the pairs came from, kept in run.json: the project folder and the
  // item filter they were chosen with (empty for a pair list).
  std::string source_project, source_filter;
  // Start from these weights instead of a random initialisation: a
  // checkpoint of another run or a PyTorch state dict of a U-Net
  // (read_unet_weights); fine-tuning a pretrained model. Kept in run.json.
  // With an empty model, the model is the one the weights are: "unet" or
  // "unet-small" when their widths are those, else "custom" with
  // model_config (kept in run.json as model_config).
  std::string init_from;
  std::optional<engine::UnetConfig> model_config; // model "custom" only

  // Throws Error naming the first bad option.
  void validate() const;
};

// The widths of o's model: model_config for "custom", else the named one.
engine::UnetConfig model_config_of(const DenoiseTrainOptions& o);

struct TrainProgress {
  std::int64_t step = 0, total = 0;
  double loss = 0, images_per_s = 0;
};

struct TrainResult {
  std::int64_t step = 0; // last step done
  bool stopped = false;  // by a signal
  double last_loss = 0;
  double last_val_loss = -1; // -1: no validation ran
  std::string last_checkpoint;
};

// A new run in options.run_dir (which must not exist or be empty), on the
// pairs of options.pairs_list split by val_fraction and seed.
TrainResult train_denoiser(const DenoiseTrainOptions& options,
                           const std::function<void(const TrainProgress&)>& progress = {});
// The same on pairs chosen elsewhere (a project's split); options.pairs_list
// then only describes where they came from (it is kept in run.json). Throws
// Error when train is empty.
TrainResult train_denoiser(const DenoiseTrainOptions& options, std::vector<ImagePair> train,
                           std::vector<ImagePair> val,
                           const std::function<void(const TrainProgress&)>& progress = {});

// Continues the run in run_dir from its latest readable checkpoint; `steps`
// > 0 raises the run's total. Newer checkpoints that cannot be read are
// passed over with a notice (also in log.txt) naming them and why; when the
// run has checkpoints and none can be read it throws instead of starting over.
TrainResult resume_denoiser(const std::string& run_dir, std::int64_t steps = 0,
                            const std::function<void(const TrainProgress&)>& progress = {},
                            const std::function<void(const std::string&)>& notice = {});

// The options a run was started with (from run.json).
DenoiseTrainOptions read_run_options(const std::string& run_dir);

} // namespace atelier::denoise
