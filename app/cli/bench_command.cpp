// `atelier-cli bench denoise-train|denoise-infer`: the Noise2Noise U-Net's
// training step and whole-micrograph denoising, timed like
// ../shared/bench/peer_unet_pytorch.py (5 warm-up iterations, then the mean
// over the timed ones) and printed as one JSON line with its field names.
#include "app/cli/cli_options.h"
#include "app/cli/commands.h"
#include "app/cli/precision_option.h"
#include "core/base/error.h"
#include "core/engine/backend_factory.h"
#include "core/engine/executor.h"
#include "core/engine/param_init.h"
#include "core/engine/tiled_inference.h"
#include "core/engine/unet.h"
#include "core/io/json_writer.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>

namespace atelier::cli {

namespace {

using namespace atelier::engine;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::vector<float> random_normal(std::size_t n, std::uint64_t seed) {
  std::vector<float> v(n);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d;
  for (float& x : v)
    x = d(rng);
  return v;
}

// "fused_epilogues": "F/N" of the convolutions with a bias or activation,
// where the backend chooses.
void fusion_field(JsonWriter& j, const Backend& backend) {
  const auto [fused, total] = backend.fused_epilogues();
  if (total > 0)
    j.key("fused_epilogues").value(std::to_string(fused) + "/" + std::to_string(total));
}

void common_fields(JsonWriter& j, const Backend& backend, const std::string& precision,
                   const std::string& model) {
  j.key("engine").value("atelier");
  j.key("device").value(backend.name());
  j.key("precision").value(precision);
  j.key("model").value(model);
}

// One more step with every op timed alone (synchronised), to stderr.
template <typename F>
void print_profile(Executor& ex, Backend& backend, F&& optimizer) {
  ex.set_profiling(true);
  ex.forward();
  ex.backward(LossKind::mse);
  backend.synchronize();
  const auto t = Clock::now();
  optimizer();
  backend.synchronize();
  const double opt_ms = seconds_since(t) * 1e3;
  ex.set_profiling(false);
  double total = opt_ms;
  for (const auto& op : ex.op_times())
    total += op.total_ms;
  std::fprintf(stderr, "profile (ms, each op synchronised): total %.2f\n", total);
  for (const auto& op : ex.op_times())
    std::fprintf(stderr, "  %8.3f  %5.1f%%  %s\n", op.total_ms, 100 * op.total_ms / total,
                 op.op.c_str());
  std::fprintf(stderr, "  %8.3f  %5.1f%%  optimizer\n", opt_ms, 100 * opt_ms / total);
  const std::string convs = backend.conv_algorithms();
  if (!convs.empty()) std::fprintf(stderr, "convolutions:\n%s", convs.c_str());
}

int bench_train(const CliOptions& o) {
  const int crop = int(o.integer("crop", 512, 32, 8192));
  const int batch = int(o.integer("batch", 8, 1, 4096));
  const int steps = int(o.integer("steps", 50, 1, 1000000));
  const std::string device = o.text("device", default_device());
  const std::string precision = precision_option(o, device);
  const std::string model = o.text("model", default_model(device));
  const UnetConfig config = UnetConfig::named(model);
  auto backend = make_backend(device, precision, o.flag("deterministic"));
  Graph g = build_unet(config, batch, crop, crop);
  const auto setup = Clock::now();
  Executor ex(g, *backend, ExecMode::train);
  ex.set_use_graphs(!o.flag("no-graphs"));
  backend->set_params(init_params(ex.graph(), 0));
  const std::size_t count = std::size_t(batch) * crop * crop;
  ex.set_input(random_normal(count, 1));
  ex.set_target(random_normal(count, 2));
  const double setup_s = seconds_since(setup);
  OptimizerStep opt;
  opt.kind = OptimizerKind::adam;
  opt.adam.lr = 1e-3;
  std::int64_t step = 0;
  auto one = [&] {
    ex.train_step(LossKind::mse);
    opt.step = ++step;
    backend->optimizer_step(opt);
  };
  for (int i = 0; i < 5; ++i)
    one();
  backend->synchronize();
  const auto t = Clock::now();
  for (int i = 0; i < steps; ++i)
    one();
  backend->synchronize();
  const double s = seconds_since(t) / steps;
  if (o.flag("profile"))
    print_profile(ex, *backend, [&] {
      opt.step = ++step;
      backend->optimizer_step(opt);
    });
  JsonWriter j;
  j.begin_object().key("bench").value("train_step");
  common_fields(j, *backend, effective_precision(device, precision), model);
  j.key("crop").value(crop).key("batch").value(batch).key("steps").value(steps);
  j.key("step_ms").value(s * 1e3);
  j.key("images_per_s").value(batch / s);
  j.key("megapixels_per_s").value(double(count) / s / 1e6);
  j.key("peak_mem_gib").value(double(backend->peak_memory_bytes()) / double(1ull << 30));
  j.key("arena_gib").value(double(ex.arena_bytes()) / double(1ull << 30));
  j.key("setup_s").value(setup_s);
  j.key("cuda_graphs").value(ex.uses_graphs());
  fusion_field(j, *backend);
  if (!ex.graph_failure().empty()) j.key("cuda_graph_failure").value(ex.graph_failure());
  j.key("final_loss").value(backend->read_loss());
  // fp16: steps skipped by the loss scale did no update (and were timed).
  if (const Backend::LossScale scale = backend->read_loss_scale(); scale.scale > 0)
    j.key("loss_scale").value(scale.scale).key("skipped_steps").value(scale.skipped_steps);
  j.end_object();
  std::cout << j.str() << std::endl;
  return kExitOk;
}

int bench_infer(const CliOptions& o) {
  const int size = int(o.integer("size", 4096, 32, 65536));
  const int reps = int(o.integer("reps", 10, 1, 100000));
  const std::string device = o.text("device", default_device());
  const std::string precision = precision_option(o, device);
  const std::string model = o.text("model", default_model(device));
  const UnetConfig config = UnetConfig::named(model);
  TileOptions tiles;
  tiles.tile = int(o.integer("tile", 1024, 64, 65536));
  tiles.overlap = int(o.integer("overlap", engine::default_tile_overlap(tiles.tile), 0, 4096));
  tiles.memory_budget_bytes =
      std::size_t(o.number("memory-budget-gib", 2.0, 0.01, 1e6) * double(1ull << 30));
  auto backend = make_backend(device, precision);
  const Graph g = build_unet(config, 1, 64, 64);
  TiledInference ti(config, init_params(g, 0), *backend, size, size, tiles);
  const std::vector<float> image = random_normal(std::size_t(size) * size, 3);
  std::vector<float> out(image.size());
  ti.upload(image);
  for (int i = 0; i < 3; ++i)
    ti.run_resident();
  backend->synchronize();
  const auto t = Clock::now();
  for (int i = 0; i < reps; ++i)
    ti.run_resident();
  backend->synchronize();
  const double s = seconds_since(t) / reps;
  const auto t2 = Clock::now();
  ti.run(image, out);
  const double end_to_end = seconds_since(t2);
  JsonWriter j;
  j.begin_object().key("bench").value("denoise_micrograph");
  common_fields(j, *backend, effective_precision(device, precision), model);
  j.key("size").value(size).key("tile").value(ti.tile_h()).key("overlap").value(tiles.overlap);
  j.key("tiles").value(ti.tiles());
  fusion_field(j, *backend);
  j.key("ms").value(s * 1e3);
  j.key("megapixels_per_s").value(double(size) * size / s / 1e6);
  j.key("end_to_end_ms").value(end_to_end * 1e3);
  j.key("peak_mem_gib").value(double(backend->peak_memory_bytes()) / double(1ull << 30));
  j.end_object();
  std::cout << j.str() << std::endl;
  return kExitOk;
}

} // namespace

int run_bench(const std::vector<std::string>& args) {
  static const char* usage =
      "usage: atelier-cli bench denoise-train [--crop 512] [--batch 8] [--steps 50]\n"
      "                                       [--precision bf16|fp16|tf32|fp32] [--device "
      "cuda:0|cpu]\n"
      "                                       [--model unet|unet-small] [--profile] [--no-graphs]\n"
      "                                       [--deterministic]\n"
      "       atelier-cli bench denoise-infer [--size 4096] [--reps 10] [--tile 1024]\n"
      "                                       [--overlap 128] [--memory-budget-gib 2]\n"
      "                                       [--precision bf16|fp16|tf32|fp32] [--device ...] "
      "[--model "
      "...]\n"
      "  Prints one JSON line with the fields of peer_unet_pytorch.py.\n";
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? std::cerr : std::cout) << usage;
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::string which = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    if (which == "denoise-train")
      return bench_train(CliOptions(rest,
                                    {"crop", "batch", "steps", "precision", "device", "model"},
                                    {"profile", "no-graphs", "deterministic"}));
    if (which == "denoise-infer")
      return bench_infer(CliOptions(rest, {"size", "reps", "tile", "overlap", "memory-budget-gib",
                                           "precision", "device", "model"}));
    std::cerr << "atelier-cli bench: unknown benchmark '" << which << "'\n" << usage;
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "error: bench " << which << ": " << e.what() << '\n';
    return kExitFileError;
  }
}

} // namespace atelier::cli
