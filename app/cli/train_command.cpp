// `atelier-cli train --recipe denoise ...`: trains the Noise2Noise denoiser
// into a run directory, with a progress line; `--resume RUN` continues one.
#include "app/cli/cli_options.h"
#include "app/cli/commands.h"
#include "app/cli/precision_option.h"
#include "core/base/error.h"
#include "core/engine/backend_factory.h"
#include "core/recipes/denoise/denoise_trainer.h"
#include "core/recipes/denoise/run_normalisation.h"
#include "core/run/progress_bar.h"
#if ATELIER_WITH_FORMAT_LIBS
#include "core/project/project.h"
#include "core/recipes/denoise/project_pairs.h"
#endif

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>

namespace atelier::cli {

namespace {

const char* kUsage =
    "usage: atelier-cli train --recipe denoise (--pairs LIST | --project P [--where EXPR])\n"
    "                         --run-dir DIR [options]\n"
    "       atelier-cli train --resume DIR [--steps N]\n"
    "  LIST: one 'odd_path even_path' pair per line (paths relative to the list)\n"
    "  --steps N (1000)  --batch B (8)  --crop C (512, a multiple of 32)\n"
    "  --device cpu|cuda|cuda:N (cuda:0 when present)  --precision bf16|fp16|tf32|fp32 (bf16)\n"
    "  --deterministic: on a GPU, the same bits run after run (slower); the CPU always is\n"
    "  --model unet|unet-small (unet-small on the CPU)\n"
    "  --optimizer adam|adamw|sgd  --lr 1e-3  --schedule constant|cosine|wsd\n"
    "  --warmup-steps 0  --min-lr 0  --weight-decay 0  --clip-norm 0  --loss mse|l1\n"
    "  --val-fraction 0.1  --val-every 100  --log-every 10  --checkpoint-every 500\n"
    "  --seed 0  --loader-threads 2  --cache-gib 2  --quiet\n"
    "  --init-from FILE: start from these weights (fine-tuning): a checkpoint of another\n"
    "    run, or a PyTorch state dict of a U-Net (safetensors; f32, f16, bf16; Atelier's\n"
    "    or Topaz-Denoise's layer names); without --model, the model they are\n"
    "  --normalisation image|dataset (image): each half sum by its own mean and std, or\n"
    "    every image by one record: the training pairs' pooled mean and std (with\n"
    "    --project from the statistics import stored, with --pairs measured first)\n"
    "  --project P: the odd/even half sums among P's items (those matching --where, e.g.\n"
    "    'status = accept'), split as `atelier-cli split` assigned (test left out), else\n"
    "    by --val-fraction\n"
    "  SIGTERM / SIGINT write a checkpoint and stop cleanly; --resume continues.\n";

} // namespace

int run_train(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kUsage;
    return kExitOk;
  }
  try {
    const std::set<std::string> valued{"recipe",        "pairs",
                                       "project",       "where",
                                       "run-dir",       "resume",
                                       "steps",         "batch",
                                       "crop",          "device",
                                       "precision",     "model",
                                       "optimizer",     "lr",
                                       "schedule",      "warmup-steps",
                                       "min-lr",        "weight-decay",
                                       "clip-norm",     "loss",
                                       "val-fraction",  "val-every",
                                       "log-every",     "checkpoint-every",
                                       "seed",          "loader-threads",
                                       "cache-gib",     "momentum",
                                       "normalisation", "init-from"};
    const CliOptions o(args, valued, {"quiet", "deterministic"});
    if (!o.positional().empty()) throw Error("unexpected argument " + o.positional().front());
    std::optional<run::ProgressPrinter> bar;
    auto progress = [&](const denoise::TrainProgress& p) {
      if (o.flag("quiet")) return;
      if (!bar) bar.emplace(p.total);
      char extra[96];
      std::snprintf(extra, sizeof extra, "loss %.5f  %.1f img/s", p.loss, p.images_per_s);
      bar->update(p.step, extra);
    };
    denoise::TrainResult r;
    if (o.has("resume")) {
      // The run's settings are in its run.json; only the length may change.
      if (o.flag("deterministic"))
        throw Error("--deterministic is fixed by the run (its run.json); --resume takes only "
                    "--steps and --quiet");
      for (const std::string& fixed : valued)
        if (fixed != "resume" && fixed != "steps" && o.has(fixed))
          throw Error("--" + fixed +
                      " is fixed by the run (its run.json); --resume takes only --steps and "
                      "--quiet");
      auto notice = [](const std::string& line) { std::cerr << "note: " << line << '\n'; };
      r = denoise::resume_denoiser(o.required("resume"), o.integer("steps", 0, 1, 1LL << 40),
                                   progress, notice);
    } else {
      const std::string recipe = o.required("recipe");
      if (recipe != "denoise") throw Error("unknown recipe '" + recipe + "' (available: denoise)");
      if (o.has("project") == o.has("pairs"))
        throw Error("give either --pairs LIST or --project P");
      denoise::DenoiseTrainOptions t;
      t.pairs_list = o.has("pairs") ? o.required("pairs")
                                    : "project " + o.required("project") +
                                          (o.has("where") ? " where " + o.text("where", "") : "");
      t.run_dir = o.required("run-dir");
      t.device = o.text("device", engine::default_device());
      // With --init-from and no --model, the model the weights are.
      t.model = o.has("init-from") && !o.has("model")
                    ? std::string()
                    : o.text("model", engine::default_model(t.device));
      t.steps = o.integer("steps", t.steps, 1, 1LL << 40);
      t.batch = int(o.integer("batch", t.batch, 1, 65536));
      t.crop = int(o.integer("crop", t.crop, 64, 16384));
      t.precision = precision_option(o, t.device);
      t.deterministic = o.flag("deterministic");
      t.optimizer = o.text("optimizer", t.optimizer);
      t.schedule = o.text("schedule", t.schedule);
      t.loss = o.text("loss", t.loss);
      t.lr = o.number("lr", t.lr, 0, 10);
      t.min_lr = o.number("min-lr", t.min_lr, 0, 10);
      t.warmup_steps = o.integer("warmup-steps", t.warmup_steps, 0, 1LL << 40);
      t.weight_decay = o.number("weight-decay", t.weight_decay, 0, 10);
      t.momentum = o.number("momentum", t.momentum, 0, 1);
      t.clip_norm = o.number("clip-norm", t.clip_norm, 0, 1e9);
      t.val_fraction = o.number("val-fraction", t.val_fraction, 0, 0.99);
      t.val_every = o.integer("val-every", t.val_every, 1, 1LL << 40);
      t.log_every = o.integer("log-every", t.log_every, 1, 1LL << 40);
      t.checkpoint_every = o.integer("checkpoint-every", t.checkpoint_every, 1, 1LL << 40);
      t.seed = std::uint64_t(o.integer("seed", 0, 0, 1LL << 62));
      t.loader_threads = int(o.integer("loader-threads", t.loader_threads, 1, 256));
      t.cache_gib = o.number("cache-gib", t.cache_gib, 0.001, 1e6);
      t.normalisation = o.text("normalisation", t.normalisation);
      if (o.has("init-from"))
        t.init_from =
            std::filesystem::absolute(o.required("init-from")).lexically_normal().string();
      const bool dataset_norm = denoise::parse_normalisation_scheme(t.normalisation) ==
                                denoise::NormalisationScheme::dataset;
      if (o.has("project")) {
#if ATELIER_WITH_FORMAT_LIBS
        const project::Project p = project::Project::open(o.required("project"));
        denoise::ProjectPairs pp = denoise::pairs_from_project(p, o.text("where", ""));
        t.source_project =
            std::filesystem::absolute(o.required("project")).lexically_normal().string();
        t.source_filter = o.text("where", "");
        if (!pp.unsplit.empty()) {
          // Pairs without a project split: split them as a pair list would be.
          auto [train, val] = denoise::split_pairs(pp.unsplit, t.val_fraction, t.seed);
          pp.train.insert(pp.train.end(), train.begin(), train.end());
          pp.val.insert(pp.val.end(), val.begin(), val.end());
        }
        if (dataset_norm && !pp.train.empty())
          t.normalisation_record =
              denoise::project_normalisation(p, pp, pp.train, &t.normalisation_source);
        if (!o.flag("quiet")) {
          std::cerr << pp.train.size() << " training and " << pp.val.size()
                    << " validation pairs from the project (" << pp.test << " in test, "
                    << pp.unpaired << " halves without a partner)\n";
          if (t.normalisation_record)
            std::cerr << "normalising by mean " << t.normalisation_record->mean << ", std "
                      << t.normalisation_record->std << " (" << t.normalisation_source << ")\n";
        }
        r = denoise::train_denoiser(t, std::move(pp.train), std::move(pp.val), progress);
#else
        throw Error("--project: this build has no project store; give --pairs LIST");
#endif
      } else {
        if (dataset_norm && !o.flag("quiet"))
          std::cerr << "measuring the training pairs' mean and std for --normalisation dataset\n";
        r = denoise::train_denoiser(t, progress);
      }
    }
    if (bar) bar->finish();
    std::cout << (r.stopped ? "stopped" : "done") << " at step " << r.step << ", loss "
              << r.last_loss;
    if (r.last_val_loss >= 0) std::cout << ", val_loss " << r.last_val_loss;
    std::cout << "\ncheckpoint " << r.last_checkpoint << '\n';
    return kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "error: train: " << e.what() << '\n';
    return kExitFileError;
  }
}

} // namespace atelier::cli
