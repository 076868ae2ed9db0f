// Training engine on the CPU: liveness memory planning, the U-Net graph's
// parameter names and shapes, and forward, gradients and five Adam steps
// against the PyTorch golden file (tests/golden/gen_unet.py --small); plain
// PyTorch state dicts in f16 and bf16 (tests/golden/gen_state_dict.py).
#include "core/base/error.h"
#include "core/base/half.h"
#include "core/engine/backend_factory.h"
#include "core/engine/cpu_backend.h"
#include "core/engine/executor.h"
#include "core/engine/memory_plan.h"
#include "core/engine/param_init.h"
#include "core/engine/tiled_inference.h"
#include "core/engine/unet.h"
#include "core/io/file_inspect.h"
#include "core/nn/loss_reference.h"
#include "core/nn/pad_reference.h"
#include "core/recipes/denoise/unet_checkpoint.h"
#include "core/run/checkpoint.h"
#include "tests/support/golden_unet.h"
#include "tests/support/pool_runs.h"
#include "tests/support/test_support.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

using namespace atelier;
using namespace atelier::engine;

namespace {

std::string golden_path() {
  const char* env = std::getenv("ATELIER_GOLDEN_UNET");
  return env ? env : ATELIER_GOLDEN_UNET_DEFAULT;
}

// max |a - b| / max(max |b|, floor): one scale per tensor, since values
// near zero carry the summation-order noise of the larger ones.
double rel_error(std::span<const float> a, std::span<const float> b, std::size_t begin = 0,
                 std::size_t count = std::size_t(-1), double floor = 1e-6) {
  count = std::min(count, b.size() - begin);
  double diff = 0, scale = floor;
  for (std::size_t i = begin; i < begin + count; ++i) {
    diff = std::max(diff, std::abs(double(a[i]) - double(b[i])));
    scale = std::max(scale, std::abs(double(b[i])));
  }
  return diff / scale;
}

// Child mode of trainingIsTheSameOnAnyPoolSize: three Adam steps of the full
// U-Net (two 64x64 images) on the CPU, a hash of the losses and weights.
int print_step_bits() {
  const Graph g = build_unet(UnetConfig::full(), 2, 64, 64);
  std::vector<float> params = init_params(g, 3);
  std::vector<float> input(2 * 64 * 64), target(input.size());
  std::mt19937 rng(2);
  std::normal_distribution<float> n;
  for (float& v : input)
    v = n(rng);
  for (float& v : target)
    v = n(rng);
  CpuBackend cpu;
  Executor ex(g, cpu, ExecMode::train);
  cpu.set_params(params);
  ex.set_input(input);
  ex.set_target(target);
  OptimizerStep opt;
  opt.kind = OptimizerKind::adam;
  opt.adam.lr = 1e-3;
  std::uint64_t hash = 1469598103934665603ull;
  for (int step = 1; step <= 3; ++step) {
    ex.forward();
    ex.backward(LossKind::mse);
    const double loss = cpu.read_loss();
    hash = test::fnv1a(&loss, sizeof loss, hash);
    opt.step = step;
    cpu.optimizer_step(opt);
  }
  cpu.get_params(params);
  test::print_pool_bits(test::fnv1a(params.data(), params.size() * sizeof(float), hash));
  return 0;
}

// The CPU backend with a graph capture that fails the way a CUDA one can
// (an engine that cannot be captured invalidates the capture): the executor
// must carry on eagerly. Captured work runs here as it is queued, which
// changes nothing for a step that overwrites what it writes.
class FailingCaptureBackend : public CpuBackend {
public:
  bool supports_graphs() const override { return true; }
  void begin_capture() override { ++captures; }
  void* end_capture() override { throw Error("stream capture invalidated"); }
  void launch_graph(void*) override { ++launches; }
  int captures = 0, launches = 0;
};
} // namespace

class TestEngine : public QObject {
  Q_OBJECT

private slots:
  void memoryPlanReusesDisjointBuffers() {
    const MemoryPlan p = plan_memory({{1000, 0, 1}, {1000, 2, 3}, {500, 1, 2}});
    QCOMPARE(p.offsets[0], p.offsets[1]); // not live together: same bytes
    QVERIFY(p.offsets[2] >= 1024);        // live with both: elsewhere
    QCOMPARE(p.arena_bytes, std::size_t(1024 + 512));
    QCOMPARE(p.sum_bytes, std::size_t(1024 + 1024 + 512));
    ATELIER_VERIFY_THROWS(plan_memory({{10, 3, 2}}), Error, "read before it is written");
  }

  void memoryPlanNeverOverlapsLiveBuffers() {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 50; ++trial) {
      std::vector<BufferRequest> req;
      for (int i = 0; i < 60; ++i) {
        const int a = int(rng() % 40), b = int(rng() % 40);
        req.push_back({std::size_t(rng() % 5000), std::min(a, b), std::max(a, b)});
      }
      const MemoryPlan p = plan_memory(req);
      QVERIFY(p.arena_bytes <= p.sum_bytes);
      for (std::size_t i = 0; i < req.size(); ++i) {
        QCOMPARE(p.offsets[i] % kArenaAlign, std::size_t(0));
        QVERIFY(p.offsets[i] + req[i].bytes <= p.arena_bytes || req[i].bytes == 0);
        for (std::size_t j = i + 1; j < req.size(); ++j) {
          if (!req[i].bytes || !req[j].bytes) continue;
          const bool time = req[i].first <= req[j].last && req[j].first <= req[i].last;
          const bool space = p.offsets[i] < p.offsets[j] + req[j].bytes &&
                             p.offsets[j] < p.offsets[i] + req[i].bytes;
          QVERIFY2(!(time && space), "two live buffers share bytes");
        }
      }
    }
  }

  void unetMatchesThePyTorchStateDict() {
    const Graph g = build_unet(UnetConfig::small(), 1, 64, 64);
    SafetensorsFile file(golden_path());
    std::size_t golden_params = 0;
    for (const std::string& name : file.names())
      if (name.rfind("param.", 0) == 0) ++golden_params;
    QCOMPARE(g.params().size(), golden_params);
    for (const Param& p : g.params()) {
      QVERIFY2(file.contains("param." + p.name), p.name.c_str());
      QCOMPARE(file.info("param." + p.name).shape, p.shape);
      QCOMPARE(p.offset % kParamAlign, std::size_t(0));
    }
    // Weights first, then biases (one contiguous reduced-precision range).
    for (const Param& p : g.params())
      QCOMPARE(p.is_weight, p.offset < g.weight_count());
    QCOMPARE(g.value(g.output()).shape, (Nchw{1, 1, 64, 64}));
    // Full model: 1.7 MFLOP per pixel per training step = 3 x fwd 2 x MACs.
    const Graph full = build_unet(UnetConfig::full(), 1, 512, 512);
    const double flop_per_px_step = 3 * 2 * full.forward_macs() / (512.0 * 512.0);
    QVERIFY2(flop_per_px_step > 1.6e6 && flop_per_px_step < 1.8e6,
             std::to_string(flop_per_px_step).c_str());
  }

  void unetRejectsSizesThatDoNotPoolFiveTimes() {
    ATELIER_VERIFY_THROWS(build_unet(UnetConfig::small(), 1, 48, 64), Error, "multiple of 32");
    ATELIER_VERIFY_THROWS(build_unet(UnetConfig::small(), 0, 64, 64), Error, "multiple of 32");
    ATELIER_VERIFY_THROWS(UnetConfig::named("resnet"), Error, "unknown model 'resnet'");
  }

  void convRejectsActivationsThatLoseTheSign() {
    // Their derivative cannot be taken from the output (gelu(-1) < 0 but
    // gelu'(-1) < 0 too; a negative slope flips the sign).
    Graph g(Nchw{1, 2, 8, 8});
    ATELIER_VERIFY_THROWS(g.conv(g.input(), 3, 3, true, Activation::gelu_tanh, 0, "c"), Error,
                          "graph: conv c: GELU");
    ATELIER_VERIFY_THROWS(g.conv(g.input(), 3, 3, true, Activation::leaky_relu, -0.1f, "c"), Error,
                          "negative slope");
    g.set_output(g.conv(g.input(), 3, 3, true, Activation::leaky_relu, 0.1f, "c"));
    g.finish();
  }

  void cpuAllocationsBeyondAvailableMemoryAreRefused() {
    // Before the allocator (and overcommit) sees them, naming what is there.
    CpuBackend cpu;
    ATELIER_VERIFY_THROWS((void)cpu.allocate(std::size_t(1) << 50), Error,
                          "MiB of memory is available (lower the batch or crop size)");
    QCOMPARE(cpu.peak_memory_bytes(), std::size_t(0));
    void* small = cpu.allocate(1 << 20);
    QVERIFY(small);
    cpu.deallocate(small);
  }

  void oneExecutorPerBackendAtATime() {
    // A second executor re-binds the backend (parameters laid out anew, the
    // first graph's buffers gone): the first then refuses to run, clearly,
    // and the backend is free again once the second is gone.
    CpuBackend cpu;
    const Graph g = build_unet(UnetConfig::named("unet-small"), 1, 64, 64);
    std::vector<float> input(64 * 64, 0.5f), out(64 * 64);
    Executor first(g, cpu, ExecMode::infer);
    cpu.set_params(init_params(first.graph(), 1));
    first.set_input(input);
    first.forward_step();
    first.get_output(out);
    {
      Executor second(g, cpu, ExecMode::train);
      QCOMPARE(cpu.bound_executor(), static_cast<const void*>(&second));
      ATELIER_VERIFY_THROWS(first.set_input(input), Error,
                            "its backend has since been bound to another graph");
      ATELIER_VERIFY_THROWS(first.forward_step(), Error, "one executor per backend at a time");
      ATELIER_VERIFY_THROWS((void)first.output_buffer(), Error, "bound to another graph");
    }
    QCOMPARE(cpu.bound_executor(), static_cast<const void*>(nullptr));
    ATELIER_VERIFY_THROWS(first.forward_step(), Error, "bound to another graph");
  }

  void precisionsAreNamedOnce() {
    // One list for the command line, the trainer's check and the GUI.
    QCOMPARE(precision_names(), (std::vector<std::string>{"bf16", "fp16", "tf32", "fp32"}));
    QCOMPARE(precision_choices(), std::string("bf16, fp16, tf32 or fp32"));
    QVERIFY(is_precision_name("fp16") && !is_precision_name("f16") && !is_precision_name(""));
    ATELIER_VERIFY_THROWS((void)make_backend("cpu", "fp8"), Error,
                          "unknown precision 'fp8' (choices: bf16, fp16, tf32 or fp32)");
    // The CPU computes in fp32 whatever is asked, and says so.
    QCOMPARE(effective_precision("cpu", "fp16"), std::string("fp32"));
    QCOMPARE(precision_note("cpu", "fp16"),
             std::string("the CPU computes in fp32; --precision fp16 applies to CUDA devices"));
    QVERIFY(precision_note("cpu", "fp32").empty());
    QVERIFY(precision_note("cuda:0", "fp16").empty());
    QVERIFY(make_backend("cpu", "fp16") != nullptr);
  }

  void poolIndicesCoverPaddedChannels() {
    // A pool on 3 channels stored as 8 (the GPU's alignment) writes one index
    // byte per stored element: its buffer holds them all, for both modes.
    Graph g(Nchw{2, 3, 16, 16});
    g.set_output(g.max_pool2x2(g.input()));
    g.finish();
    const int node = 0;
    const std::size_t stored = stored_count(g.value(g.output()).shape, 8);
    QCOMPARE(stored, std::size_t(2 * 8 * 8 * 8));
    for (ExecMode mode : {ExecMode::train, ExecMode::infer}) {
      const StepLayout layout = plan_step(g, mode, 2, 0, 8);
      const int buffer = layout.argmax[std::size_t(node)];
      QVERIFY(buffer >= 0);
      QVERIFY2(layout.plan.bytes[std::size_t(buffer)] >= stored,
               "the indices overrun their buffer");
    }
  }

  void failedCaptureRunsEagerly() {
    const Graph g = build_unet(UnetConfig::small(), 1, 64, 64);
    const std::vector<float> params = init_params(g, 3);
    std::vector<float> input(std::size_t(64) * 64), target(input.size());
    std::mt19937 rng(5);
    std::normal_distribution<float> normal;
    for (std::size_t i = 0; i < input.size(); ++i) {
      input[i] = normal(rng);
      target[i] = normal(rng);
    }
    auto losses = [&](CpuBackend& backend, Executor& ex) {
      backend.set_params(params);
      ex.set_input(input);
      ex.set_target(target);
      OptimizerStep opt;
      opt.kind = OptimizerKind::adam;
      std::vector<double> out;
      for (int step = 1; step <= 4; ++step) {
        ex.train_step(LossKind::mse);
        out.push_back(backend.read_loss());
        opt.step = step;
        backend.optimizer_step(opt);
      }
      return out;
    };
    CpuBackend plain;
    Executor plain_ex(g, plain, ExecMode::train);
    const std::vector<double> expected = losses(plain, plain_ex);
    FailingCaptureBackend failing;
    Executor ex(g, failing, ExecMode::train);
    QVERIFY(ex.uses_graphs());
    QCOMPARE(losses(failing, ex), expected); // bit for bit: the failed step ran again, eagerly
    QCOMPARE(failing.captures, 1);           // step 2 tried, later steps did not
    QCOMPARE(failing.launches, 0);
    QVERIFY(!ex.uses_graphs());
    QVERIFY2(ex.graph_failure().find("stream capture invalidated") != std::string::npos,
             ex.graph_failure().c_str());
  }

  void forwardAndGradientsMatchPyTorch() {
    const test::GoldenUnet gold = test::load_golden_unet(golden_path());
    CpuBackend cpu;
    Executor ex(build_unet(gold.config, 1, gold.size, gold.size), cpu, ExecMode::train);
    cpu.set_params(gold.params);
    ex.set_input(gold.input);
    ex.set_target(gold.target);
    ex.forward();
    std::vector<float> out(gold.output.size());
    ex.get_output(out);
    QVERIFY2(rel_error(out, gold.output) < 1e-5,
             std::to_string(rel_error(out, gold.output)).c_str());
    ex.backward(LossKind::mse);
    QVERIFY(std::abs(cpu.read_loss() - gold.losses[0]) < 1e-6 * gold.losses[0]);
    std::vector<float> grads(gold.grads.size());
    cpu.get_grads(grads);
    for (const Param& p : ex.graph().params()) {
      const double e = rel_error(grads, gold.grads, p.offset, p.count);
      QVERIFY2(e < 1e-4, (p.name + " gradient off by " + std::to_string(e)).c_str());
    }
  }

  // State dicts PyTorch saved in half precision (the golden initial weights
  // rounded by PyTorch, one with nn.DataParallel's "module." prefix) load
  // as those roundings exactly, and forward like the f32 weights within
  // the rounding.
  void pytorchHalfPrecisionStateDictsLoad() {
    const test::GoldenUnet gold = test::load_golden_unet(golden_path());
    const std::string dir = std::filesystem::path(golden_path()).parent_path().string();
    const auto bf16_round = [](float f) {
      std::uint32_t u;
      std::memcpy(&u, &f, 4);
      u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u; // nearest even, as PyTorch
      std::memcpy(&f, &u, 4);
      return f;
    };
    for (const bool f16 : {true, false}) {
      const std::string path = dir + (f16 ? "/unet_small.state_dict.f16.safetensors"
                                          : "/unet_small.state_dict.bf16.safetensors");
      try {
        (void)run::read_checkpoint(path);
        QFAIL("a plain state dict read as an Atelier checkpoint");
      } catch (const FormatError& e) {
        QVERIFY2(std::string(e.what()).find("not an Atelier checkpoint") != std::string::npos,
                 e.what());
      }
      const run::Checkpoint c = run::read_weights(path);
      QCOMPARE(c.step, std::int64_t(0));
      QVERIFY(c.recipe_json.empty());
      const UnetConfig config = denoise::unet_config_from_checkpoint(c, path);
      QCOMPARE(config.json(), gold.config.json());
      const Graph g = build_unet(config, 1, gold.size, gold.size);
      const std::vector<float> params = denoise::unet_params_from_checkpoint(g, c, path);
      std::size_t differ = 0;
      for (std::size_t i = 0; i < params.size(); ++i)
        differ += params[i] !=
                  (f16 ? half_to_float(float_to_half(gold.params[i])) : bf16_round(gold.params[i]));
      QCOMPARE(differ, std::size_t(0));
      CpuBackend cpu;
      Executor ex(g, cpu, ExecMode::infer);
      cpu.set_params(params);
      ex.set_input(gold.input);
      ex.forward();
      std::vector<float> out(gold.output.size());
      ex.get_output(out);
      const double e = rel_error(out, gold.output);
      qInfo("%s state dict: output off by %.3g of its range", f16 ? "f16" : "bf16", e);
      QVERIFY2(e < (f16 ? 2e-3 : 1e-2), std::to_string(e).c_str());
      QVERIFY(e > 0);
    }
  }

  // Weights saved from a network with Topaz-Denoise's module names (enc1,
  // ..., dec1; a 3x3 head of 64 and 32 channels) load under this engine's
  // names and forward as PyTorch forwarded that model: UDenoiseNet's layout
  // (depth 5) and UDenoiseNetSmall's (depth 3).
  void topazNamedWeightsForwardAsInPyTorch_data() {
    QTest::addColumn<QString>("stem");
    QTest::addColumn<int>("depth");
    QTest::newRow("unet") << "topaz_names" << 5;
    QTest::newRow("unet-small") << "topaz_small_names" << 3;
  }
  void topazNamedWeightsForwardAsInPyTorch() {
    QFETCH(QString, stem);
    QFETCH(int, depth);
    const std::string dir =
        std::filesystem::path(golden_path()).parent_path().string() + "/" + stem.toStdString();
    const std::string path = dir + ".state_dict.safetensors";
    const run::Checkpoint c = denoise::read_unet_weights(path);
    QVERIFY(c.find("mid.0.weight") && c.find("head.4.bias") && !c.find("enc1.0.weight"));
    QVERIFY(c.find("dec." + std::to_string(depth - 2) + ".2.weight"));
    QVERIFY(!c.find("dec." + std::to_string(depth - 1) + ".0.weight"));
    const UnetConfig config = denoise::unet_config_from_checkpoint(c, path);
    QCOMPARE(config.nf, 8);
    QCOMPARE(config.top, 3);
    QCOMPARE(config.h1, 64);
    QCOMPARE(config.h2, 32);
    QCOMPARE(config.depth, depth);
    QCOMPARE(config.size_multiple(), 1 << depth);
    const SafetensorsFile expect(dir + ".expect.safetensors");
    const std::vector<float> input = test::golden_tensor(expect, "input");
    const std::vector<float> output = test::golden_tensor(expect, "output");
    const Graph g = build_unet(config, 1, 64, 64);
    QCOMPARE(g.params().size(), std::size_t(2 * (depth + 1 + 2 * (depth - 1) + 3)));
    CpuBackend cpu;
    Executor ex(g, cpu, ExecMode::infer);
    cpu.set_params(denoise::unet_params_from_checkpoint(g, c, path));
    ex.set_input(input);
    ex.forward();
    std::vector<float> out(output.size());
    ex.get_output(out);
    QVERIFY2(rel_error(out, output) < 1e-5, std::to_string(rel_error(out, output)).c_str());
  }

  // `info` on weights names the U-Net they are, read off names and shapes:
  // Topaz's three-level layout as a custom model, a PyTorch state dict with
  // a module. prefix as unet-small; the golden file's param.* names none.
  void weightsInfoNamesTheModel() {
    const std::string dir = std::filesystem::path(golden_path()).parent_path().string();
    const FileInfo topaz = inspect_file(dir + "/topaz_small_names.state_dict.safetensors");
    QCOMPARE(topaz.extra_text("model"), std::string("custom"));
    QVERIFY(topaz.extra_text("model_config").find("\"depth\": 3") != std::string::npos);
    QCOMPARE(topaz.extra_text("layer_names"), std::string("Topaz-Denoise"));
    const FileInfo half = inspect_file(dir + "/unet_small.state_dict.f16.safetensors");
    QCOMPARE(half.extra_text("model"), std::string("unet-small"));
    QCOMPARE(half.find_extra("layer_names"), nullptr);
    const FileInfo golden = inspect_file(golden_path());
    QCOMPARE(golden.find_extra("model"), nullptr);
    QVERIFY(golden.extra_number("tensors").value_or(0) > 0);
  }

  // Depths outside 2..5 and inputs that are not multiples of 2^depth are
  // refused; a shallower U-Net takes smaller multiples.
  void unetDepthIsChecked() {
    UnetConfig c = UnetConfig::small();
    c.depth = 3;
    QCOMPARE(c.json(),
             std::string(R"({"base": 11, "depth": 3, "h1": 16, "h2": 8, "nf": 8, "top": 5})"));
    QCOMPARE(UnetConfig::small().json().find("depth"), std::string::npos);
    (void)build_unet(c, 1, 24, 40);
    QVERIFY_THROWS_EXCEPTION(Error, build_unet(c, 1, 24, 36));
    c.depth = 1;
    QVERIFY_THROWS_EXCEPTION(Error, build_unet(c, 1, 64, 64));
    c.depth = 6;
    QVERIFY_THROWS_EXCEPTION(Error, build_unet(c, 1, 64, 64));
  }

  void fiveAdamStepsMatchPyTorch() {
    const test::GoldenUnet gold = test::load_golden_unet(golden_path());
    CpuBackend cpu;
    Executor ex(build_unet(gold.config, 1, gold.size, gold.size), cpu, ExecMode::train);
    cpu.set_params(gold.params);
    ex.set_input(gold.input);
    ex.set_target(gold.target);
    OptimizerStep opt;
    opt.kind = OptimizerKind::adam;
    opt.adam.lr = 1e-3;
    for (int step = 1; step <= 5; ++step) {
      ex.forward();
      ex.backward(LossKind::mse);
      const double loss = cpu.read_loss();
      QVERIFY2(std::abs(loss - gold.losses[std::size_t(step - 1)]) < 2e-5 * loss,
               ("step " + std::to_string(step) + " loss " + std::to_string(loss)).c_str());
      opt.step = step;
      cpu.optimizer_step(opt);
    }
    std::vector<float> params(gold.params.size());
    cpu.get_params(params);
    double worst = 0;
    for (std::size_t i = 0; i < params.size(); ++i)
      worst = std::max(worst, std::abs(double(params[i]) - gold.final_params[i]));
    // lr 1e-3 over 5 steps moves a weight by up to 5e-3; agreement far below.
    QVERIFY2(worst < 5e-5, std::to_string(worst).c_str());
    QCOMPARE(cpu.optimizer_state_names(), (std::vector<std::string>{"exp_avg", "exp_avg_sq"}));
  }

  void inferencePlanIsSmallerAndGivesTheSameOutput() {
    const Graph g = build_unet(UnetConfig::small(), 2, 128, 96);
    const std::vector<float> params = init_params(g, 3);
    std::vector<float> input(std::size_t(2) * 128 * 96);
    std::mt19937 rng(1);
    std::normal_distribution<float> n;
    for (float& v : input)
      v = n(rng);
    std::vector<float> a(input.size()), b(input.size());
    CpuBackend cpu_train, cpu_infer;
    Executor train(g, cpu_train, ExecMode::train);
    Executor infer(g, cpu_infer, ExecMode::infer);
    cpu_train.set_params(params);
    cpu_infer.set_params(params);
    train.set_input(input);
    infer.set_input(input);
    train.forward();
    infer.forward();
    train.get_output(a);
    infer.get_output(b);
    QCOMPARE(a, b);
    // Activations only (the conv workspace is the same in both).
    const std::size_t infer_act = infer.arena_bytes() - infer.workspace_bytes();
    const std::size_t train_act = train.arena_bytes() - train.workspace_bytes();
    QVERIFY2(infer_act * 2 < train_act,
             (std::to_string(infer_act) + " vs " + std::to_string(train_act)).c_str());
    QVERIFY(train.plan().arena_bytes < train.plan().sum_bytes);
    ATELIER_VERIFY_THROWS(infer.backward(LossKind::mse), Error, "inference mode");
    ATELIER_VERIFY_THROWS(infer.set_input(std::vector<float>(7)), Error, "input has 7 values");
  }

  void oneTileEqualsAPlainForwardPass() {
    const Graph g = build_unet(UnetConfig::small(), 1, 64, 96);
    const std::vector<float> params = init_params(g, 5);
    std::vector<float> image(64 * 96), direct(image.size()), tiled(image.size());
    std::mt19937 rng(2);
    std::normal_distribution<float> n;
    for (float& v : image)
      v = n(rng);
    CpuBackend a, b;
    Executor ex(g, a, ExecMode::infer);
    a.set_params(params);
    ex.set_input(image);
    ex.forward();
    ex.get_output(direct);
    TileOptions opt;
    opt.tile = 128;
    opt.overlap = 0;
    TiledInference ti(UnetConfig::small(), params, b, 64, 96, opt);
    QCOMPARE(ti.tiles(), 1);
    ti.run(image, tiled);
    QCOMPARE(tiled, direct);
  }

  void tilesCoverTheImageWithReflectedBorders() {
    // Identity-like check of the tile loop: every output pixel is written
    // once, by the tile whose centre holds it (70 x 100 in 32-pixel tiles
    // with 16 pixels of context, so tiles end past the image).
    const int h = 70, w = 100;
    const Graph g = build_unet(UnetConfig::small(), 1, 64, 64);
    const std::vector<float> params = init_params(g, 9);
    std::vector<float> image(std::size_t(h) * w), out(image.size(), -1e30f);
    for (std::size_t i = 0; i < image.size(); ++i)
      image[i] = float(i % 17) * 0.1f;
    CpuBackend cpu;
    TileOptions opt;
    opt.tile = 64;
    opt.overlap = 16;
    TiledInference ti(UnetConfig::small(), params, cpu, h, w, opt);
    QCOMPARE(ti.tile_h(), 64);
    QCOMPARE(ti.tiles(), 2 * 2);
    ti.run(image, out);
    for (float v : out)
      QVERIFY(std::isfinite(v) && v > -1e29f);
    // Reflection: index -1 mirrors 1, index n mirrors n - 2.
    std::vector<float> tile(4 * 4);
    const std::vector<float> small{0, 1, 2, 3, 4, 5, 6, 7, 8}; // 3 x 3
    cpu.extract_tile(small.data(), 3, 3, -1, 1, tile.data(), 4, 4);
    QCOMPARE(tile, (std::vector<float>{4, 5, 4, 3, 1, 2, 1, 0, 4, 5, 4, 3, 7, 8, 7, 6}));
    // More context than tile is refused, saying what it would cost.
    opt.overlap = 1008;
    ATELIER_VERIFY_THROWS(TiledInference(UnetConfig::small(), params, cpu, h, w, opt), Error,
                          "compute 1056 times the pixels it keeps");
  }

  void tilesSplitTheImageEvenly() {
    // 300 rows in tiles of at most 256: two of 160 (not 256 and a last one
    // of 44 rows in a 256-row window); 200 columns: one of 224.
    const Graph g = build_unet(UnetConfig::small(), 1, 64, 64);
    const std::vector<float> params = init_params(g, 1);
    CpuBackend cpu;
    TileOptions opt;
    opt.tile = 256;
    TiledInference ti(UnetConfig::small(), params, cpu, 300, 200, opt);
    QCOMPARE(ti.tile_h(), 160);
    QCOMPARE(ti.tile_w(), 224);
    QCOMPARE(ti.tiles(), 2);
    // A side that fills whole tiles keeps them.
    TiledInference whole(UnetConfig::small(), params, cpu, 512, 96, opt);
    QCOMPARE(whole.tile_h(), 256);
    QCOMPARE(whole.tile_w(), 96);
  }

  void trainingIsTheSameOnAnyPoolSize() {
    // Training steps in child processes with 1, 2 and 3 CPU pool threads
    // give the same bits (convolutions, SGEMM blocks and reductions are cut
    // by shape, not by thread), so a CPU run resumed on another machine goes
    // on as it would have.
    const test::PoolCheckResult r = test::check_same_bits_per_pool_size("--print-step-bits");
    if (r.outcome == test::PoolCheck::one_size)
      QSKIP("this build's pool size does not follow OPENBLAS_NUM_THREADS");
    QVERIFY2(r.outcome == test::PoolCheck::same, qPrintable(r.detail));
  }

  void tileSizeFollowsTheMemoryBudget() {
    const Graph g = build_unet(UnetConfig::small(), 1, 64, 64);
    const std::vector<float> params = init_params(g, 1);
    CpuBackend cpu;
    TileOptions opt;
    opt.memory_budget_bytes = std::size_t{400} << 20;
    TiledInference ti(UnetConfig::small(), params, cpu, 2048, 2048, opt);
    QVERIFY(ti.tile_h() < 1024);
    QVERIFY(ti.planned_bytes() <= opt.memory_budget_bytes);
    opt.memory_budget_bytes = std::size_t{1} << 20;
    ATELIER_VERIFY_THROWS(TiledInference(UnetConfig::small(), params, cpu, 2048, 2048, opt), Error,
                          "over the memory budget");
    // A large overlap stops the shrinking at its own size, and says so.
    opt.overlap = 256;
    opt.tile = 256;
    opt.memory_budget_bytes = std::size_t{2} << 30;
    const std::size_t at_256 =
        TiledInference(UnetConfig::small(), params, cpu, 2048, 2048, opt).planned_bytes();
    opt.tile = 1024;
    opt.memory_budget_bytes = at_256 - 1; // 128-pixel tiles would fit, but are not tried
    ATELIER_VERIFY_THROWS(TiledInference(UnetConfig::small(), params, cpu, 2048, 2048, opt), Error,
                          "256-pixel tiles");
    ATELIER_VERIFY_THROWS(TiledInference(UnetConfig::small(), params, cpu, 2048, 2048, opt), Error,
                          "lower the overlap");
    opt.memory_budget_bytes = at_256;
    QCOMPARE(TiledInference(UnetConfig::small(), params, cpu, 2048, 2048, opt).tile_h(), 256);
    opt.overlap = 64;
    opt.tile = 100;
    ATELIER_VERIFY_THROWS(TiledInference(UnetConfig::small(), params, cpu, 256, 256, opt), Error,
                          "multiple of 32");
  }

  void reflectPaddedConvIsPadThenConv() {
    // A 5x5 conv with reflect padding against the manual composition of the
    // reference ops, forward and weight gradient.
    Graph g(Nchw{2, 3, 12, 10});
    g.set_output(g.conv(g.input(), 4, 5, true, Activation::identity, 0, "c", Padding::reflect));
    g.finish();
    QCOMPARE(g.nodes().front().kind, OpKind::reflect_pad);
    const std::vector<float> params = init_params(g, 2);
    std::mt19937 rng(4);
    std::normal_distribution<float> n;
    std::vector<float> x(g.value(g.input()).shape.count()), t(x.size() / 3 * 4);
    for (float& v : x)
      v = n(rng);
    for (float& v : t)
      v = n(rng);
    CpuBackend cpu;
    Executor ex(g, cpu, ExecMode::train);
    cpu.set_params(params);
    ex.set_input(x);
    ex.set_target(t);
    ex.forward();
    ex.backward(LossKind::mse);
    std::vector<float> y(t.size()), grads(params.size());
    ex.get_output(y);
    cpu.get_grads(grads);

    const Nchw s{2, 3, 12, 10};
    std::vector<float> padded(nn::reflect_pad_output(s, 2).count()), ref(t.size());
    nn::reflect_pad_forward(s, 2, nn::Layout::nchw, x, padded);
    const auto cs = nn::Conv2dShape::square(2, 3, 16, 14, 4, 5, 5);
    const Param& w = g.params()[0];
    const Param& b = g.params()[1];
    nn::conv2d_forward(cs, padded, std::span<const float>(params).subspan(w.offset, w.count), ref);
    for (int i = 0; i < 2 * 4; ++i)
      for (int p = 0; p < 12 * 10; ++p)
        ref[std::size_t(i) * 120 + p] += params[b.offset + i % 4];
    QVERIFY2(rel_error(y, ref) < 1e-5, std::to_string(rel_error(y, ref)).c_str());
    std::vector<float> dy(t.size()), dw(w.count);
    nn::mse_loss_backward(ref, t, dy);
    nn::conv2d_backward_filter(cs, padded, dy, dw);
    QVERIFY(rel_error(std::span<const float>(grads).subspan(w.offset, w.count), dw) < 1e-4);
  }

  void initBoundsFollowPyTorch() {
    const Graph g = build_unet(UnetConfig::small(), 1, 64, 64);
    const std::vector<float> p = init_params(g, 11);
    QCOMPARE(init_params(g, 11), p);
    for (const Param& q : g.params()) {
      const float bound = 1.0f / std::sqrt(float(q.fan_in));
      float lo = 1, hi = -1;
      for (std::size_t i = 0; i < q.count; ++i) {
        lo = std::min(lo, p[q.offset + i]);
        hi = std::max(hi, p[q.offset + i]);
      }
      QVERIFY(lo >= -bound && hi <= bound);
      if (q.count > 100) QVERIFY(hi - lo > bound); // spread over the range
    }
  }
};

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--print-step-bits") return print_step_bits();
  QCoreApplication app(argc, argv); // applicationFilePath() for the child runs
  TestEngine test;
  QTEST_SET_MAIN_SOURCE_PATH
  return QTest::qExec(&test, argc, argv);
}
#include "test_engine.moc"
