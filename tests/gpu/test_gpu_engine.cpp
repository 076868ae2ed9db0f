// The training engine on the CUDA backend: the PyTorch golden U-Net (fp32:
// forward, gradients and 5 Adam steps; bf16: within bf16 tolerances), the
// GPU against the CPU backend on the same random batch, inference mode and
// tiled inference. Exits 77 without a CUDA device.
#include "core/engine/cpu_backend.h"
#include "core/engine/cuda_backend.h"
#include "core/engine/executor.h"
#include "core/engine/param_init.h"
#include "core/engine/tiled_inference.h"
#include "kernels/device_info.h"
#include "tests/support/golden_unet.h"
#include "tests/support/plain_check.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <random>
#include <utility>

using namespace atelier;
using namespace atelier::engine;

namespace {

double rel_error(const std::vector<float>& a, const std::vector<float>& b, std::size_t begin = 0,
                 std::size_t count = std::size_t(-1)) {
  count = std::min(count, b.size() - begin);
  double diff = 0, scale = 1e-6;
  for (std::size_t i = begin; i < begin + count; ++i) {
    diff = std::max(diff, std::abs(double(a[i]) - double(b[i])));
    scale = std::max(scale, std::abs(double(b[i])));
  }
  return diff / scale;
}

// How many values differ (a NaN differs from everything).
std::size_t count_differing(const std::vector<float>& a, const std::vector<float>& b) {
  std::size_t differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    differ += a[i] != b[i];
  return differ;
}

// A standard normal input and target for g, the same for a seed.
std::pair<std::vector<float>, std::vector<float>> random_batch(const Graph& g, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n;
  std::vector<float> x(g.value(g.input()).shape.count()), t(x.size());
  for (float& v : x)
    v = n(rng);
  for (float& v : t)
    v = n(rng);
  return {std::move(x), std::move(t)};
}

// param_tol bounds the RMS distance to PyTorch's final weights relative to
// the RMS distance the 5 steps moved them (Adam moves every weight by about
// lr per step whatever its gradient's size, so bf16 rounding of tiny
// gradients shows up as sign flips of up to 2 lr). reshape: the folded stem
// and widened head in fp32 too (bf16 has them by default), so the 5 Adam
// steps on their stored shapes meet fp32's tolerances.
void golden(Precision precision, double out_tol, double grad_tol, double loss_tol, double param_tol,
            bool reshape = false) {
  const test::GoldenUnet gold = test::load_golden_unet(ATELIER_GOLDEN_UNET_DEFAULT);
  CudaBackend gpu(0, precision);
  if (reshape) {
    gpu.set_stem_fold(true);
    gpu.set_wide_head(true);
  }
  Executor ex(build_unet(gold.config, 1, gold.size, gold.size), gpu, ExecMode::train);
  gpu.set_params(gold.params);
  ex.set_input(gold.input);
  ex.set_target(gold.target);
  OptimizerStep opt;
  opt.adam.lr = 1e-3;
  double worst_grad = 0;
  for (int step = 1; step <= 5; ++step) {
    ex.forward();
    if (step == 1) {
      std::vector<float> out(gold.output.size());
      ex.get_output(out);
      const double e = rel_error(out, gold.output);
      std::printf("%s output rel error %.3g\n", precision_name(precision), e);
      CHECK(e < out_tol);
    }
    ex.backward(LossKind::mse);
    const double loss = gpu.read_loss();
    std::printf("%s step %d loss %.6f (PyTorch %.6f)\n", precision_name(precision), step, loss,
                double(gold.losses[std::size_t(step - 1)]));
    CHECK_NEAR(loss, gold.losses[std::size_t(step - 1)], 0, loss_tol);
    if (step == 1) {
      std::vector<float> grads(gold.grads.size());
      gpu.get_grads(grads);
      for (const Param& p : ex.graph().params()) {
        const double e = rel_error(grads, gold.grads, p.offset, p.count);
        worst_grad = std::max(worst_grad, e);
        if (e >= grad_tol) std::printf("  %s gradient rel error %.3g\n", p.name.c_str(), e);
        CHECK(e < grad_tol);
      }
      std::printf("%s worst gradient rel error %.3g\n", precision_name(precision), worst_grad);
    }
    opt.step = step;
    gpu.optimizer_step(opt);
  }
  std::vector<float> params(gold.params.size());
  gpu.get_params(params);
  double worst = 0, err2 = 0, move2 = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const double e = double(params[i]) - gold.final_params[i];
    const double m = double(gold.final_params[i]) - gold.params[i];
    worst = std::max(worst, std::abs(e));
    err2 += e * e;
    move2 += m * m;
  }
  const double ratio = std::sqrt(err2 / move2);
  std::printf("%s final weights: max abs error %.3g, RMS error / RMS move %.3g\n",
              precision_name(precision), worst, ratio);
  CHECK(ratio < param_tol);
  // fp16 trains under a loss scale: 2^16 from the start, no step of these
  // gradients overflows it (a skipped step would also miss the weights).
  const Backend::LossScale scale = gpu.read_loss_scale();
  if (precision == Precision::fp16) {
    std::printf("fp16 loss scale %g, %lld skipped steps\n", scale.scale,
                (long long)scale.skipped_steps);
    CHECK(scale.scale == 65536.0 && scale.skipped_steps == 0);
  } else {
    CHECK(scale.scale == 0);
  }
}

// GPU fp32 against the CPU backend on a batch of 2 random 128x96 crops;
// with reshape, the 11x11 one-channel stem runs folded and the one-channel
// output layer widened to 8 filters (as in bf16 and tf32), which must give
// the same numbers, weights and gradients coming back in their own shapes.
void gpu_matches_cpu(bool reshape) {
  const Graph g = build_unet(UnetConfig::small(), 2, 128, 96);
  const std::vector<float> params = init_params(g, 4);
  const auto [x, t] = random_batch(g, 8);
  CpuBackend cpu;
  CudaBackend gpu(0, Precision::fp32);
  gpu.set_stem_fold(reshape);
  gpu.set_wide_head(reshape);
  std::printf("stem folded, head widened: %s\n", reshape ? "yes" : "no");
  Executor a(g, cpu, ExecMode::train), b(g, gpu, ExecMode::train);
  std::vector<float> back(params.size());
  gpu.set_params(params);
  gpu.get_params(back);
  CHECK(back == params); // folded and unfolded exactly
  cpu.set_params(params);
  gpu.set_params(params);
  for (Executor* e : {&a, &b}) {
    e->set_input(x);
    e->set_target(t);
    e->forward();
    e->backward(LossKind::l1);
  }
  std::vector<float> ya(x.size()), yb(x.size()), ga(params.size()), gb(params.size());
  a.get_output(ya);
  b.get_output(yb);
  cpu.get_grads(ga);
  gpu.get_grads(gb);
  std::printf("gpu vs cpu: output %.3g, loss %.8f vs %.8f\n", rel_error(yb, ya), gpu.read_loss(),
              cpu.read_loss());
  CHECK(rel_error(yb, ya) < 1e-4);
  CHECK_NEAR(gpu.read_loss(), cpu.read_loss(), 0, 1e-5);
  for (const Param& p : g.params()) {
    const double e = rel_error(gb, ga, p.offset, p.count);
    if (e >= 2e-3) std::printf("  %s gradient rel error %.3g\n", p.name.c_str(), e);
    CHECK(e < 2e-3);
  }
  // Inference mode gives the training forward's output (engines may differ:
  // both are FMA-exact f32, so only the summation order).
  CudaBackend gpu2(0, Precision::fp32);
  gpu2.set_stem_fold(reshape);
  gpu2.set_wide_head(reshape);
  Executor c(g, gpu2, ExecMode::infer);
  gpu2.set_params(params);
  c.set_input(x);
  c.forward();
  std::vector<float> yc(x.size());
  c.get_output(yc);
  CHECK(rel_error(yc, yb) < 1e-5);
  CHECK(c.arena_bytes() < b.arena_bytes());
}

// Tiled inference on the GPU against the CPU on a 300 x 200 image.
void tiled_matches_cpu(bool reshape) {
  const Graph g = build_unet(UnetConfig::small(), 1, 64, 64);
  const std::vector<float> params = init_params(g, 6);
  std::vector<float> image(300 * 200), a(image.size()), b(image.size());
  std::mt19937 rng(3);
  std::normal_distribution<float> n;
  for (float& v : image)
    v = n(rng);
  TileOptions opt;
  opt.tile = 128;
  opt.overlap = 32;
  CpuBackend cpu;
  CudaBackend gpu(0, Precision::fp32);
  gpu.set_stem_fold(reshape); // as in bf16 and tf32, the resident graph captured
  gpu.set_wide_head(reshape);
  TiledInference ta(UnetConfig::small(), params, cpu, 300, 200, opt);
  TiledInference tb(UnetConfig::small(), params, gpu, 300, 200, opt);
  CHECK(ta.tiles() == 6 && tb.tiles() == 6);
  ta.run(image, a);
  tb.run(image, b);
  std::printf("tiled gpu vs cpu (reshaped: %d): %.3g\n", int(reshape), rel_error(b, a));
  CHECK(rel_error(b, a) < 1e-4);
}

// Steps replayed from a captured CUDA graph train like eager steps.
void graphs_match_eager() {
  const Graph g = build_unet(UnetConfig::small(), 2, 128, 128);
  const std::vector<float> params = init_params(g, 12);
  const auto [x, t] = random_batch(g, 5);
  CudaBackend ga(0, Precision::bf16), gb(0, Precision::bf16);
  Executor a(g, ga, ExecMode::train), b(g, gb, ExecMode::train);
  a.set_use_graphs(false);
  OptimizerStep opt;
  for (auto* e : {&a, &b}) {
    e->backend().set_params(params);
    e->set_input(x);
    e->set_target(t);
  }
  double worst = 0;
  for (int step = 1; step <= 6; ++step) {
    opt.step = step;
    a.train_step(LossKind::mse);
    b.train_step(LossKind::mse);
    const double la = ga.read_loss(), lb = gb.read_loss();
    worst = std::max(worst, std::abs(la - lb) / la);
    ga.optimizer_step(opt);
    gb.optimizer_step(opt);
  }
  std::vector<float> pa(params.size()), pb(params.size());
  ga.get_params(pa);
  gb.get_params(pb);
  // cuDNN's bf16 filter gradients are not bitwise deterministic, and Adam
  // turns sign flips of near-zero gradients into full lr-sized moves: compare
  // the RMS difference with the RMS distance the steps moved the weights.
  double diff2 = 0, move2 = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    diff2 += (double(pb[i]) - pa[i]) * (double(pb[i]) - pa[i]);
    move2 += (double(pa[i]) - params[i]) * (double(pa[i]) - params[i]);
  }
  const double ratio = std::sqrt(diff2 / move2);
  std::printf("cuda graph vs eager: loss rel diff %.3g, RMS weight diff / RMS move %.3g\n", worst,
              ratio);
  CHECK(worst < 1e-3);
  CHECK(ratio < 0.1);
}

// Deterministic backends: two trainings of 6 bf16 Adam steps with gradient
// clipping (the norm enters every step), one replaying a CUDA graph, one
// eager, end with the same weights bit for bit.
void deterministic_runs_match() {
  const Graph g = build_unet(UnetConfig::small(), 2, 128, 128);
  const std::vector<float> params = init_params(g, 21);
  const auto [x, t] = random_batch(g, 6);
  CudaBackend ga(0, Precision::bf16, true), gb(0, Precision::bf16, true);
  CHECK(ga.name().find("deterministic") != std::string::npos);
  Executor a(g, ga, ExecMode::train), b(g, gb, ExecMode::train);
  a.set_use_graphs(false);
  OptimizerStep opt;
  opt.clip_norm = 0.5;
  for (auto* e : {&a, &b}) {
    e->backend().set_params(params);
    e->set_input(x);
    e->set_target(t);
  }
  for (int step = 1; step <= 6; ++step) {
    opt.step = step;
    a.train_step(LossKind::mse);
    b.train_step(LossKind::mse);
    ga.optimizer_step(opt);
    gb.optimizer_step(opt);
    CHECK(ga.read_grad_norm() == gb.read_grad_norm());
  }
  std::vector<float> pa(params.size()), pb(params.size());
  ga.get_params(pa);
  gb.get_params(pb);
  const std::size_t differ = count_differing(pa, pb);
  const auto [fused, with_epilogue] = ga.fused_epilogues();
  std::printf("deterministic: %zu of %zu weights differ after 6 steps; %d of %d epilogues "
              "fused\n%s",
              differ, pa.size(), fused, with_epilogue, ga.conv_algorithms().c_str());
  CHECK(differ == 0);
  CHECK(with_epilogue > 0);
  // Chosen by heuristics, so on the engine's target (Hopper) runtime fusion
  // covers the U-Net's conv + bias + leaky ReLU layers.
  if (kernels::list_devices().front().compute_capability_major >= 9) CHECK(fused > 0);
  CHECK(pa != params);
}

// A deterministic backend with the folded stem and widened head, training
// g on (x, t) from params, eagerly.
struct ReshapedRun {
  CudaBackend backend;
  std::optional<Executor> ex;
  ReshapedRun(const Graph& g, Precision precision, const std::vector<float>& params,
              const std::vector<float>& x, const std::vector<float>& t)
      : backend(0, precision, true) {
    backend.set_stem_fold(true);
    backend.set_wide_head(true);
    ex.emplace(g, backend, ExecMode::train);
    ex->set_use_graphs(false);
    backend.set_params(params);
    ex->set_input(x);
    ex->set_target(t);
  }
  void steps(OptimizerStep& opt, int from) {
    for (int step = from; step < from + 3; ++step) {
      opt.step = step;
      ex->train_step(LossKind::mse);
      backend.optimizer_step(opt);
    }
  }
};

// A run stopped after 3 AdamW steps and resumed on a new backend from its
// weights and optimizer state (as a checkpoint holds them, in the canonical
// shapes) takes the same next 3 steps, bit for bit: bf16 and tf32 with the
// folded stem and widened head, whose stored layouts the state passes
// through, and deterministic engines so both pick the same ones.
void resume_matches_uninterrupted(Precision precision) {
  const Graph g = build_unet(UnetConfig::small(), 2, 64, 96);
  const std::vector<float> params = init_params(g, 31);
  const auto [x, t] = random_batch(g, 9);
  OptimizerStep opt;
  opt.kind = OptimizerKind::adamw;
  opt.adam = nn::adamw_options(1e-3, 0.01);
  ReshapedRun a(g, precision, params, x, t);
  CudaBackend& ga = a.backend;
  a.steps(opt, 1);
  std::vector<float> saved(params.size());
  ga.get_params(saved);
  const std::vector<std::string> states = ga.optimizer_state_names();
  CHECK(states.size() == 2);
  std::vector<std::vector<float>> state(states.size(), std::vector<float>(params.size()));
  for (std::size_t i = 0; i < states.size(); ++i)
    ga.get_optimizer_state(states[i], state[i]);

  ReshapedRun b(g, precision, saved, x, t);
  CudaBackend& gb = b.backend;
  for (std::size_t i = 0; i < states.size(); ++i)
    gb.set_optimizer_state(states[i], state[i]);
  a.steps(opt, 4);
  b.steps(opt, 4);
  std::vector<float> pa(params.size()), pb(params.size());
  ga.get_params(pa);
  gb.get_params(pb);
  const std::size_t differ = count_differing(pa, pb);
  std::printf("%s resumed after 3 AdamW steps: %zu of %zu weights differ after 3 more\n",
              precision_name(precision), differ, pa.size());
  CHECK(differ == 0);
  CHECK(pa != saved);
}

// Uploads return before their copies finish and reuse two page-locked
// buffers in turn: back-to-back uploads whose host vectors change at once
// must all land whole (f32 and bf16, a padded 3-channel extent too).
void uploads_in_flight_land_whole() {
  for (Precision precision : {Precision::fp32, Precision::bf16, Precision::fp16}) {
    CudaBackend gpu(0, precision);
    for (const Nchw s : {Nchw{2, 1, 256, 256}, Nchw{1, 3, 64, 48}}) {
      const std::size_t bytes = stored_count(s, gpu.channel_align()) * 4;
      std::vector<void*> dst;
      std::vector<std::vector<float>> sent;
      std::vector<float> host(s.count());
      for (int i = 0; i < 5; ++i) {
        for (std::size_t j = 0; j < host.size(); ++j) // small integers: exact in bf16
          host[j] = float((j * 7 + std::size_t(i) * 13) % 200) - 100.0f;
        dst.push_back(gpu.allocate(bytes));
        gpu.upload_activation(host.data(), s, dst.back());
        sent.push_back(host);
        std::fill(host.begin(), host.end(), -1.0f); // the caller reuses its buffer
      }
      for (std::size_t i = 0; i < dst.size(); ++i) {
        std::vector<float> back(s.count());
        gpu.download_activation(dst[i], s, back.data());
        CHECK(back == sent[i]);
        gpu.deallocate(dst[i]);
      }
    }
  }
}

} // namespace

int main() {
  if (kernels::device_count() == 0) {
    std::printf("no CUDA device: skipped\n");
    return test::kSkipExitCode;
  }
  try {
    golden(Precision::fp32, 1e-4, 1e-3, 1e-4, 1e-3);
    golden(Precision::fp32, 1e-4, 1e-3, 1e-4, 1e-3, true);
    // bf16 activations and conv inputs: about 3 significant digits.
    golden(Precision::bf16, 5e-2, 0.25, 2e-3, 0.3);
    // tf32 tensor cores round conv inputs to 10 bits: between fp32 and bf16.
    golden(Precision::tf32, 2e-2, 0.1, 1e-3, 0.3);
    // f16 keeps 11 bits (bf16 8): its tolerances are tf32's.
    golden(Precision::fp16, 2e-2, 0.1, 1e-3, 0.3);
    gpu_matches_cpu(false);
    gpu_matches_cpu(true);
    tiled_matches_cpu(false);
    tiled_matches_cpu(true);
    graphs_match_eager();
    deterministic_runs_match();
    resume_matches_uninterrupted(Precision::bf16);
    resume_matches_uninterrupted(Precision::tf32);
    // The new backend's loss scale starts where the first run's still is
    // (2^16: no overflow, fewer than 2000 steps).
    resume_matches_uninterrupted(Precision::fp16);
    uploads_in_flight_land_whole();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "exception: %s\n", e.what());
    return 1;
  }
  return test::check_exit_code();
}
