// The training loop of the denoiser recipe and its run directory.
#include "core/recipes/denoise/denoise_trainer.h"

#include "core/base/error.h"
#include "core/engine/backend_factory.h"
#include "core/engine/executor.h"
#include "core/engine/param_init.h"
#include "core/engine/unet.h"
#include "core/io/json_writer.h"
#include "core/nn/lr_schedule.h"
#include "core/recipes/denoise/pair_loader.h"
#include "core/recipes/denoise/run_normalisation.h"
#include "core/recipes/denoise/unet_checkpoint.h"
#include "core/run/gpu_monitor.h"
#include "core/run/run_dir.h"
#include "core/run/run_json.h"
#include "core/run/stop_signal.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <optional>

namespace atelier::denoise {

using namespace atelier::engine;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kRecipe = "denoise";

void require(bool ok, const std::string& what) {
  if (!ok) throw Error("train: " + what);
}

RunNormalisation run_normalisation(const DenoiseTrainOptions& o) {
  RunNormalisation n;
  n.scheme = parse_normalisation_scheme(o.normalisation);
  if (n.scheme == NormalisationScheme::dataset) {
    n.record = o.normalisation_record.value_or(NormalizationRecord{});
    n.source = o.normalisation_source;
  }
  return n;
}

std::string run_json_text(const DenoiseTrainOptions& o, const std::vector<ImagePair>& train,
                          const std::vector<ImagePair>& val) {
  JsonWriter j(2);
  j.begin_object();
  j.key("recipe").value(kRecipe);
  j.key("code_version").value(ATELIER_CORE_VERSION);
  j.key("model_config").value(model_config_of(o).json());
  j.key("options").begin_object();
  j.key("pairs_list").value(o.pairs_list);
  j.key("steps").value(o.steps);
  j.key("batch").value(o.batch);
  j.key("crop").value(o.crop);
  j.key("device").value(o.device);
  j.key("precision").value(effective_precision(o.device, o.precision));
  j.key("deterministic").value(o.deterministic);
  j.key("model").value(o.model);
  j.key("optimizer").value(o.optimizer);
  j.key("schedule").value(o.schedule);
  j.key("lr").value(o.lr);
  j.key("min_lr").value(o.min_lr);
  j.key("warmup_steps").value(o.warmup_steps);
  j.key("weight_decay").value(o.weight_decay);
  j.key("momentum").value(o.momentum);
  j.key("clip_norm").value(o.clip_norm);
  j.key("loss").value(o.loss);
  j.key("val_fraction").value(o.val_fraction);
  j.key("val_every").value(o.val_every);
  j.key("val_batches").value(o.val_batches);
  j.key("log_every").value(o.log_every);
  j.key("checkpoint_every").value(o.checkpoint_every);
  j.key("seed").value(std::uint64_t(o.seed));
  j.key("loader_threads").value(o.loader_threads);
  j.key("cache_gib").value(o.cache_gib);
  j.key("normalisation").value(o.normalisation);
  j.key("init_from").value(o.init_from);
  j.end_object();
  // Where the pairs came from and how pixels are scaled: with the exact
  // pairs below, what a later run needs to do the same.
  j.key("source").begin_object();
  j.key("project").value(o.source_project);
  j.key("filter").value(o.source_filter);
  j.key("pairs_list").value(o.pairs_list);
  j.key("train_pairs").value(static_cast<std::int64_t>(train.size()));
  j.key("val_pairs").value(static_cast<std::int64_t>(val.size()));
  j.end_object();
  j.key("normalisation");
  write_normalisation_json(j, run_normalisation(o));
  for (const auto& [key, list] : {std::pair{"train_pairs", &train}, std::pair{"val_pairs", &val}}) {
    j.key(key).begin_array();
    for (const ImagePair& p : *list)
      j.begin_array().value(p.odd_path).value(p.even_path).end_array();
    j.end_array();
  }
  j.end_object();
  return j.str() + "\n";
}

const run::JsonNode& member(const run::JsonNode& n, const char* key, const std::string& src) {
  const run::JsonNode* m = n.find(key);
  if (!m) throw FormatError(src, std::string("run.json lacks \"") + key + "\"");
  return *m;
}

std::vector<ImagePair> pairs_from(const run::JsonNode& list, const std::string& src) {
  std::vector<ImagePair> out;
  for (const run::JsonNode& p : list.items) {
    if (p.items.size() != 2) throw FormatError(src, "run.json: a pair is not [odd, even]");
    out.push_back({p.items[0].text, p.items[1].text});
  }
  return out;
}

nn::LrSchedule make_schedule(const DenoiseTrainOptions& o) {
  if (o.schedule == "constant") return nn::constant_schedule(o.lr, o.warmup_steps);
  if (o.schedule == "cosine")
    return nn::warmup_cosine_schedule(o.lr, o.min_lr, o.warmup_steps, o.steps);
  return nn::warmup_stable_decay_schedule(o.lr, o.min_lr, o.warmup_steps, o.steps, 0.2,
                                          nn::LrSchedule::DecayShape::linear);
}

OptimizerStep make_optimizer(const DenoiseTrainOptions& o) {
  OptimizerStep s;
  s.kind = o.optimizer == "sgd"     ? OptimizerKind::sgd
           : o.optimizer == "adamw" ? OptimizerKind::adamw
                                    : OptimizerKind::adam;
  s.adam.weight_decay = o.weight_decay;
  s.sgd.weight_decay = o.weight_decay;
  s.sgd.momentum = o.momentum;
  s.clip_norm = o.clip_norm;
  return s;
}

struct Session {
  const DenoiseTrainOptions& o;
  run::RunDirectory& dir;
  std::vector<ImagePair> train_pairs, val_pairs;
  std::int64_t start_step = 0;
  std::optional<run::Checkpoint> resume;
  std::string resume_path;
  double time_offset_s = 0;
};

// The weights of o.init_from, which must be the run's model.
std::vector<float> initial_weights(const Graph& g, const UnetConfig& config,
                                   const DenoiseTrainOptions& o) {
  const run::Checkpoint c = read_unet_weights(o.init_from);
  const UnetConfig found = unet_config_from_checkpoint(c, o.init_from);
  if (found.json() != config.json())
    throw FormatError(o.init_from, "holds a U-Net " + found.json() + ", not this run's model " +
                                       o.model + " " + config.json() +
                                       " (leave --model out to train the weights' own model)");
  std::vector<float> params = unet_params_from_checkpoint(g, c, o.init_from);
  require_finite_params(g, params, o.init_from);
  return params;
}

// With weights to start from and no model named, the model they are.
void resolve_model(DenoiseTrainOptions& o) {
  if (o.init_from.empty() || !o.model.empty()) return;
  const run::Checkpoint c = read_unet_weights(o.init_from);
  const UnetConfig found = unet_config_from_checkpoint(c, o.init_from);
  o.model = found.name();
  if (o.model == "custom") o.model_config = found;
}

TrainResult run_session(Session& s, const std::function<void(const TrainProgress&)>& progress) {
  const DenoiseTrainOptions& o = s.o;
  const UnetConfig config = model_config_of(o);
  const LossKind loss_kind = o.loss == "l1" ? LossKind::l1 : LossKind::mse;
  auto backend = make_backend(o.device, o.precision, o.deterministic);
  Executor ex(build_unet(config, o.batch, o.crop, o.crop), *backend, ExecMode::train);
  const Graph& g = ex.graph();
  if (s.resume) {
    backend->set_params(unet_params_from_checkpoint(g, *s.resume, s.resume_path));
    restore_optimizer_state(g, *backend, *s.resume, s.resume_path);
  } else if (!o.init_from.empty()) {
    backend->set_params(initial_weights(g, config, o));
    s.dir.log("initial weights from " + o.init_from);
  } else {
    backend->set_params(init_params(g, o.seed));
  }
  s.dir.log("backend " + backend->name() + ", model " + o.model + " " + config.json() + ", arena " +
            std::to_string(ex.arena_bytes() >> 20) + " MiB");

  LoaderOptions lo;
  lo.threads = o.loader_threads;
  lo.cache_bytes = std::size_t(o.cache_gib * double(1ull << 30));
  lo.crop.crop = o.crop;
  lo.seed = o.seed;
  if (o.normalisation == "dataset") {
    require(o.normalisation_record.has_value(), "the dataset normalisation has no record");
    lo.normalization = o.normalisation_record;
  }
  PairLoader loader(s.train_pairs, lo);
  std::optional<PairLoader> val_loader;
  if (!s.val_pairs.empty()) {
    LoaderOptions vo = lo;
    vo.seed = o.seed ^ 0x5eedf00dULL;
    vo.swap_halves = false;
    vo.threads = 1;
    val_loader.emplace(s.val_pairs, vo);
  }
  const std::size_t count = std::size_t(o.batch) * std::size_t(o.crop) * std::size_t(o.crop);
  std::vector<float> input(count), target(count);
  const nn::LrSchedule schedule = make_schedule(o);
  OptimizerStep opt = make_optimizer(o);
  const auto t0 = Clock::now();
  auto elapsed = [&] {
    return s.time_offset_s + std::chrono::duration<double>(Clock::now() - t0).count();
  };

  run::StopSignalGuard guard; // installs the SIGTERM/SIGINT handlers
  run::RunStatus status;
  status.state = run::RunState::running;
  status.step = s.start_step;
  status.total_steps = o.steps;
  s.dir.write_status(status);

  TrainResult result;
  result.step = s.start_step;
  std::int64_t last_saved = s.resume ? s.start_step : -1;
  auto save = [&](std::int64_t step) {
    const std::string path = s.dir.checkpoint_path(step);
    run::write_checkpoint(path, make_unet_checkpoint(g, *backend, step, config, s.dir.run_json()));
    result.last_checkpoint = path;
    last_saved = step;
    s.dir.log("checkpoint " + path);
  };
  auto validate = [&]() -> double {
    double sum = 0;
    for (int b = 0; b < o.val_batches; ++b) {
      val_loader->fill_batch(b, o.batch, input.data(), target.data());
      ex.set_input(input);
      ex.set_target(target);
      sum += ex.evaluate(loss_kind);
    }
    return sum / o.val_batches;
  };

  const int gpu_index = o.device.rfind("cuda:", 0) == 0 ? std::atoi(o.device.c_str() + 5) : 0;
  try {
    auto interval_start = Clock::now();
    std::int64_t interval_steps = 0;
    bool graph_failure_logged = false;
    for (std::int64_t step = s.start_step + 1; step <= o.steps; ++step) {
      loader.fill_batch(step, o.batch, input.data(), target.data());
      if (step < o.steps) loader.prefetch(step + 1, o.batch);
      ex.set_input(input);
      ex.set_target(target);
      ex.train_step(loss_kind);
      if (!ex.graph_failure().empty() && !graph_failure_logged) {
        s.dir.log("CUDA graph capture failed, steps run eagerly: " + ex.graph_failure());
        graph_failure_logged = true;
      }
      const double lr = schedule.lr_at(step - 1);
      opt.step = step;
      opt.adam.lr = lr;
      opt.sgd.lr = lr;
      backend->optimizer_step(opt);
      ++interval_steps;
      result.step = step;
      const bool last = step == o.steps;
      const bool stopping = run::stop_requested();
      if (step % o.log_every == 0 || last || stopping) {
        const double loss = backend->read_loss();
        const double grad_norm = backend->read_grad_norm();
        const double dt = std::chrono::duration<double>(Clock::now() - interval_start).count();
        const double images_per_s = double(interval_steps) * o.batch / std::max(dt, 1e-9);
        double val_loss = std::numeric_limits<double>::quiet_NaN();
        if (val_loader && (step % o.val_every == 0 || last)) {
          val_loss = validate();
          result.last_val_loss = val_loss;
        }
        run::MetricsRecord m;
        m.add("step", step)
            .add("time_s", elapsed())
            .add("loss", loss)
            .add("val_loss", val_loss)
            .add("lr", lr)
            .add("grad_norm", grad_norm)
            .add("images_per_s", images_per_s)
            .add("gpu_mem_gib", backend->is_gpu()
                                    ? double(backend->peak_memory_bytes()) / double(1ull << 30)
                                    : std::numeric_limits<double>::quiet_NaN());
        // f16 training: the loss scale, and the steps skipped because their
        // gradients overflowed it (grad_norm is then not finite, written null).
        if (const Backend::LossScale scale = backend->read_loss_scale(); scale.scale > 0)
          m.add("loss_scale", scale.scale).add("skipped_steps", scale.skipped_steps);
        // The device's utilisation and memory as the driver sees them (NVML,
        // loaded at run time; absent without a driver or on the CPU).
        if (backend->is_gpu()) {
          if (const auto gpus = run::sample_gpus())
            for (const run::GpuSample& sample : *gpus)
              if (sample.index == gpu_index) {
                m.add("gpu_util_pct", sample.utilisation_pct)
                    .add("gpu_mem_used_gib", sample.memory_used_gib);
                break;
              }
        }
        s.dir.append_metrics(m);
        if (!std::isfinite(loss))
          throw Error("the loss is " + std::to_string(loss) + " at step " + std::to_string(step) +
                      (effective_precision(o.device, o.precision) == "fp16"
                           ? " (fp16 activations stop at 65504: train in bf16, or lower the "
                             "learning rate)"
                           : " (lower the learning rate or enable --clip-norm)"));
        result.last_loss = loss;
        status.step = step;
        s.dir.write_status(status);
        if (progress) progress({step, o.steps, loss, images_per_s});
        interval_start = Clock::now();
        interval_steps = 0;
      }
      if (step % o.checkpoint_every == 0 && !last) save(step);
      if (stopping && !last) {
        save(step);
        result.stopped = true;
        status.state = run::RunState::stopped;
        status.message = "stopped by signal " + std::to_string(run::stop_signal_number()) +
                         " at step " + std::to_string(step);
        s.dir.write_status(status);
        s.dir.log(status.message);
        return result;
      }
    }
    if (last_saved != result.step) save(result.step);
    status.state = run::RunState::done;
    status.step = result.step;
    s.dir.write_status(status);
    s.dir.log("done at step " + std::to_string(result.step));
  } catch (const std::exception& e) {
    status.state = run::RunState::failed;
    status.message = e.what();
    try {
      s.dir.write_status(status);
      s.dir.log(std::string("failed: ") + e.what());
    } catch (...) {
    }
    throw;
  }
  return result;
}

} // namespace

UnetConfig model_config_of(const DenoiseTrainOptions& o) {
  if (o.model == "custom") {
    require(o.model_config.has_value(), "model \"custom\" needs its widths (model_config)");
    return *o.model_config;
  }
  return UnetConfig::named(o.model);
}

void DenoiseTrainOptions::validate() const {
  require(!pairs_list.empty(), "a pair list is required (--pairs LIST)");
  require(!run_dir.empty(), "a run directory is required (--run-dir DIR)");
  require(steps >= 1, "--steps must be at least 1");
  require(batch >= 1, "--batch must be at least 1");
  require(crop >= 64 && crop % kUnetSizeMultiple == 0,
          "--crop must be a multiple of 32 and at least 64");
  if (model == "custom")
    require(model_config.has_value(), "model \"custom\" needs its widths (model_config)");
  else if (!(model.empty() && !init_from.empty())) // empty: the weights' model
    (void)UnetConfig::named(model);
  require(optimizer == "adam" || optimizer == "adamw" || optimizer == "sgd",
          "--optimizer must be adam, adamw or sgd");
  require(schedule == "constant" || schedule == "cosine" || schedule == "wsd",
          "--schedule must be constant, cosine or wsd");
  require(loss == "mse" || loss == "l1", "--loss must be mse or l1");
  require(engine::is_precision_name(precision),
          "--precision must be " + engine::precision_choices());
  require(std::isfinite(lr) && lr > 0, "--lr must be positive");
  require(val_fraction >= 0 && val_fraction < 1, "--val-fraction must be in [0, 1)");
  require(log_every >= 1 && val_every >= 1 && checkpoint_every >= 1 && val_batches >= 1,
          "--log-every, --val-every, --checkpoint-every must be at least 1");
  // The same bounds as the command line's: run.json is read back on resume.
  require(loader_threads >= 1 && loader_threads <= 256, "--loader-threads must be 1 to 256");
  require(cache_gib > 0, "--cache-gib must be positive");
  const NormalisationScheme scheme = parse_normalisation_scheme(normalisation);
  if (normalisation_record) {
    require(scheme == NormalisationScheme::dataset,
            "a normalisation record needs --normalisation dataset");
    check_normalisation_record(*normalisation_record, "train");
  }
  make_schedule(*this).validate();
}

DenoiseTrainOptions read_run_options(const std::string& run_dir) {
  run::RunDirectory dir = run::RunDirectory::open_for_resume(run_dir);
  const std::string src = run_dir + "/run.json";
  const run::JsonNode root = run::parse_json(dir.run_json(), src);
  if (const run::JsonNode* r = root.find("recipe"); !r || r->text != kRecipe)
    throw FormatError(src, "not a denoise run");
  const run::JsonNode& o = member(root, "options", src);
  DenoiseTrainOptions opt;
  auto text = [&](const char* k) { return member(o, k, src).text; };
  auto integer = [&](const char* k) { return member(o, k, src).integer; };
  auto number = [&](const char* k) { return member(o, k, src).number; };
  opt.pairs_list = text("pairs_list");
  opt.run_dir = run_dir;
  opt.steps = integer("steps");
  opt.batch = int(integer("batch"));
  opt.crop = int(integer("crop"));
  opt.device = text("device");
  opt.precision = text("precision");
  opt.model = text("model");
  if (opt.model == "custom") {
    // The widths, from the JSON text run_json_text wrote.
    const run::JsonNode widths =
        run::parse_json(member(root, "model_config", src).text, src + " model_config");
    UnetConfig c;
    int* fields[] = {&c.nf, &c.base, &c.top, &c.h1, &c.h2};
    const char* keys[] = {"nf", "base", "top", "h1", "h2"};
    for (int i = 0; i < 5; ++i) {
      const run::JsonNode& v = member(widths, keys[i], src);
      if (v.kind != run::JsonNode::Kind::integer || v.integer <= 0 || v.integer > 4096)
        throw FormatError(src, std::string("model_config.") + keys[i] + " is not a width");
      *fields[i] = int(v.integer);
    }
    if (const run::JsonNode* depth = widths.find("depth")) {
      if (depth->kind != run::JsonNode::Kind::integer || depth->integer < kMinUnetDepth ||
          depth->integer > kMaxUnetDepth)
        throw FormatError(src, "model_config.depth is not a U-Net depth (" +
                                   std::to_string(kMinUnetDepth) + ".." +
                                   std::to_string(kMaxUnetDepth) + ")");
      c.depth = int(depth->integer);
    }
    opt.model_config = c;
  }
  opt.optimizer = text("optimizer");
  opt.schedule = text("schedule");
  opt.lr = number("lr");
  opt.min_lr = number("min_lr");
  opt.warmup_steps = integer("warmup_steps");
  opt.weight_decay = number("weight_decay");
  opt.momentum = number("momentum");
  opt.clip_norm = number("clip_norm");
  opt.loss = text("loss");
  opt.val_fraction = number("val_fraction");
  opt.val_every = integer("val_every");
  opt.val_batches = int(integer("val_batches"));
  opt.log_every = integer("log_every");
  opt.checkpoint_every = integer("checkpoint_every");
  opt.seed = std::uint64_t(integer("seed"));
  opt.loader_threads = int(integer("loader_threads"));
  opt.cache_gib = number("cache_gib");
  // Runs from before the option started from random weights.
  if (const run::JsonNode* n = o.find("init_from")) {
    if (n->kind != run::JsonNode::Kind::string)
      throw FormatError(src, "options.init_from is not a string");
    opt.init_from = n->text;
  }
  // Runs from before the option were not deterministic.
  if (const run::JsonNode* n = o.find("deterministic")) {
    if (n->kind != run::JsonNode::Kind::boolean)
      throw FormatError(src, "options.deterministic is not true or false");
    opt.deterministic = n->boolean;
  }
  // Runs from before the choice normalised per image.
  if (const run::JsonNode* n = o.find("normalisation")) {
    if (n->kind != run::JsonNode::Kind::string)
      throw FormatError(src, "options.normalisation is not a string");
    opt.normalisation = n->text;
  }
  const RunNormalisation rn = read_normalisation_json(root.find("normalisation"), src);
  if (opt.normalisation != normalisation_scheme_name(rn.scheme))
    throw FormatError(src, "options.normalisation '" + opt.normalisation +
                               "' disagrees with the normalisation record");
  if (rn.scheme == NormalisationScheme::dataset) {
    opt.normalisation_record = rn.record;
    opt.normalisation_source = rn.source;
  }
  return opt;
}

TrainResult train_denoiser(const DenoiseTrainOptions& options,
                           const std::function<void(const TrainProgress&)>& progress) {
  options.validate();
  std::vector<ImagePair> pairs = read_pair_list(options.pairs_list);
  auto [train, val] = split_pairs(pairs, options.val_fraction, options.seed);
  return train_denoiser(options, std::move(train), std::move(val), progress);
}

TrainResult train_denoiser(const DenoiseTrainOptions& options, std::vector<ImagePair> train,
                           std::vector<ImagePair> val,
                           const std::function<void(const TrainProgress&)>& progress) {
  options.validate();
  require(!train.empty(), "no training pairs");
  DenoiseTrainOptions o = options;
  resolve_model(o);
  if (o.normalisation == "dataset" && !o.normalisation_record) {
    // The training pairs' own record: every pixel of both halves, pooled.
    // A run folder in the way is reported before the pass over the data.
    run::RunDirectory::require_new(o.run_dir);
    o.normalisation_record = pairs_statistics(train, o.loader_threads);
    check_normalisation_record(*o.normalisation_record, "train: the training pairs");
    o.normalisation_source = "pooled over the " + std::to_string(train.size()) + " training pairs";
  }
  std::error_code ec;
  const bool existed = std::filesystem::exists(o.run_dir, ec);
  run::RunDirectory dir = run::RunDirectory::create(o.run_dir, run_json_text(o, train, val));
  try {
    Session s{o, dir, std::move(train), std::move(val), 0, std::nullopt, {}, 0};
    return run_session(s, progress);
  } catch (...) {
    // A run that failed before it logged a step or saved a checkpoint (a
    // device that is not there, an unreadable image, too little memory)
    // leaves nothing behind: the same command can be run again once the
    // cause is mended. Later failures keep their curves and log.
    bool saved = !dir.checkpoint_files().empty();
    try {
      saved = saved || !run::read_run_metrics(o.run_dir).empty();
    } catch (...) {
      saved = true; // unsure: keep it
    }
    if (!saved) dir.discard(!existed);
    throw;
  }
}

TrainResult resume_denoiser(const std::string& run_dir, std::int64_t steps,
                            const std::function<void(const TrainProgress&)>& progress,
                            const std::function<void(const std::string&)>& notice) {
  DenoiseTrainOptions options = read_run_options(run_dir);
  if (steps > 0) options.steps = steps;
  options.validate();
  run::RunDirectory dir = run::RunDirectory::open_for_resume(run_dir);
  const std::string src = run_dir + "/run.json";
  const run::JsonNode root = run::parse_json(dir.run_json(), src);
  Session s{options,
            dir,
            pairs_from(member(root, "train_pairs", src), src),
            pairs_from(member(root, "val_pairs", src), src),
            0,
            std::nullopt,
            {},
            0};
  // Newest first: the first checkpoint that reads and fits this run's model.
  const Graph model = build_unet(model_config_of(options), 1, 64, 64);
  std::string passed_over;
  std::vector<std::string> unreadable;
  const std::vector<std::string> files = dir.checkpoint_files();
  for (const std::string& path : files) {
    try {
      run::Checkpoint c = run::read_checkpoint(path);
      const auto named =
          run::checkpoint_step_from_name(std::filesystem::path(path).filename().string());
      if (!named || *named != c.step)
        throw FormatError(path, "holds step " + std::to_string(c.step) + ", not its name's");
      (void)unet_params_from_checkpoint(model, c, path);
      s.resume_path = path;
      s.resume = std::move(c);
      s.start_step = s.resume->step;
      break;
    } catch (const std::exception& e) {
      const std::string what = e.what();
      if (!passed_over.empty()) passed_over += "; ";
      passed_over += what.rfind(path, 0) == 0 ? what : path + ": " + what;
      unreadable.push_back(path);
    }
  }
  if (!files.empty() && !s.resume)
    throw Error("no checkpoint of " + run_dir + " can be read (" + passed_over +
                "); move them aside to start the run over");
  if (!passed_over.empty()) {
    // Moved aside, not overwritten by this run's next checkpoint of that
    // step: a file that failed on a passing I/O error is still there.
    std::string moved;
    for (const std::string& path : unreadable)
      moved += (moved.empty() ? "" : ", ") + dir.set_aside(path);
    const std::string line = "passed over unreadable checkpoints (" + passed_over +
                             "), moved aside as " + moved + "; resuming from " + s.resume_path;
    dir.log(line);
    if (notice) notice(line);
  }
  if (const std::size_t dropped = dir.truncate_metrics_after(s.start_step); dropped > 0) {
    const std::string line = std::to_string(dropped) + " metrics lines past step " +
                             std::to_string(s.start_step) + " will be redone; kept in " +
                             dir.dropped_metrics_path();
    dir.log(line);
    if (notice) notice(line);
  }
  const auto metrics = run::read_run_metrics(run_dir);
  if (!metrics.empty())
    if (const auto t = metrics.back().number("time_s")) s.time_offset_s = *t;
  dir.log("resuming at step " + std::to_string(s.start_step));
  if (s.start_step >= options.steps)
    throw Error("run " + run_dir + " is already at step " + std::to_string(s.start_step) + " of " +
                std::to_string(options.steps) + " (give --steps to train further)");
  return run_session(s, progress);
}

} // namespace atelier::denoise
