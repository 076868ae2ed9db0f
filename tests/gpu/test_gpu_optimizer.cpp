// The fused optimizer and gradient-clipping kernels against the CPU
// references (core/nn/optimizer.h, core/nn/grad_clip.h): 1M-element random
// buffers, 5 steps of Adam, AdamW, SGD with momentum and Nesterov, from f32
// gradients and from bf16 gradients (the reference gets the same
// bf16-rounded values), the bf16 and f16 weight copies, global-norm clipping,
// the skipped update of f16 training and its loss-scale bookkeeping.
#include "core/base/half.h"
#include "core/nn/grad_clip.h"
#include "core/nn/optimizer.h"
#include "kernels/device_info.h"
#include "kernels/loss_scale.h"
#include "kernels/optimizer.h"
#include "tests/support/plain_check.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <span>
#include <stdexcept>
#include <vector>

using namespace atelier;

namespace {

constexpr std::size_t kCount = (1u << 20) + 3; // odd: exercises the tail
constexpr int kSteps = 5;

std::uint16_t to_bf16(float f) { // round to nearest even, as __float2bfloat16_rn
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  if (std::isnan(f)) return 0x7fc0;
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>(u >> 16);
}

float from_bf16(std::uint16_t b) {
  const std::uint32_t u = static_cast<std::uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

template <typename T>
struct DeviceBuffer {
  T* ptr = nullptr;
  explicit DeviceBuffer(std::size_t n) { CHECK(cudaMalloc(&ptr, n * sizeof(T)) == cudaSuccess); }
  ~DeviceBuffer() { cudaFree(ptr); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void upload(const std::vector<T>& h) {
    CHECK(cudaMemcpy(ptr, h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice) == cudaSuccess);
  }
  std::vector<T> download(std::size_t n) const {
    std::vector<T> h(n);
    CHECK(cudaMemcpy(h.data(), ptr, n * sizeof(T), cudaMemcpyDeviceToHost) == cudaSuccess);
    return h;
  }
};

std::vector<float> random_vector(std::size_t n, std::mt19937& rng, float sigma) {
  std::normal_distribution<float> nd(0.0f, sigma);
  std::vector<float> v(n);
  for (auto& x : v)
    x = nd(rng);
  return v;
}

// |gpu - cpu| <= 1e-6 |cpu| + 3e-7 * (largest |cpu|): f32 rounding
// differences (the GPU contracts to FMA) in values that may cancel to ~0 (m).
// A host emulation with FMA contraction used up to 0.2 of this on Adam's m.
void compare(const char* what, const std::vector<float>& gpu, const std::vector<float>& cpu) {
  float scale = 0.0f;
  for (const float x : cpu)
    scale = std::max(scale, std::fabs(x));
  const double abs_tol = 3e-7 * scale;
  std::size_t bad = 0, worst = 0;
  double worst_err = 0.0;
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    const double err = std::fabs(double(gpu[i]) - double(cpu[i]));
    if (err > abs_tol + 1e-6 * std::fabs(cpu[i])) ++bad;
    if (err > worst_err) {
      worst_err = err;
      worst = i;
    }
  }
  if (bad) {
    std::fprintf(stderr, "%s: %zu of %zu values off; worst [%zu] gpu %.9g cpu %.9g\n", what, bad,
                 cpu.size(), worst, gpu[worst], cpu[worst]);
    ++test::check_failures();
  }
}

void check_bf16_copy(const char* what, const std::vector<std::uint16_t>& copy,
                     const std::vector<float>& params) {
  std::size_t bad = 0;
  for (std::size_t i = 0; i < params.size(); ++i)
    bad += copy[i] != to_bf16(params[i]);
  if (bad) {
    std::fprintf(stderr, "%s: bf16 copy differs in %zu values\n", what, bad);
    ++test::check_failures();
  }
}

// The buffers of one update of kCount parameters with a bf16 copy.
kernels::UpdateBuffers update(float* params, const void* grads, kernels::Storage grad_type,
                              void* copy) {
  kernels::UpdateBuffers b;
  b.params = params;
  b.grads = grads;
  b.grad_type = grad_type;
  b.params_copy = copy;
  b.copy_type = kernels::Storage::bf16;
  b.count = kCount;
  return b;
}

void run_adam(bool decoupled, double weight_decay, bool bf16_grads) {
  const char* what = decoupled ? (bf16_grads ? "adamw bf16" : "adamw f32")
                               : (bf16_grads ? "adam bf16" : "adam f32");
  std::mt19937 rng(decoupled ? 11 : 12);
  std::vector<float> params = random_vector(kCount, rng, 1.0f);
  nn::AdamOptions o;
  o.lr = 2e-3;
  o.weight_decay = weight_decay;
  o.decoupled_weight_decay = decoupled;
  nn::AdamState state;

  DeviceBuffer<float> d_p(kCount), d_m(kCount), d_v(kCount), d_g(kCount);
  DeviceBuffer<std::uint16_t> d_gb(kCount), d_pb(kCount);
  d_p.upload(params);
  CHECK(cudaMemset(d_m.ptr, 0, kCount * 4) == cudaSuccess);
  CHECK(cudaMemset(d_v.ptr, 0, kCount * 4) == cudaSuccess);

  for (int t = 1; t <= kSteps; ++t) {
    std::vector<float> grads = random_vector(kCount, rng, 0.05f * float(t));
    kernels::AdamHyper h;
    h.lr = o.lr;
    h.weight_decay = o.weight_decay;
    h.decoupled_weight_decay = decoupled;
    h.step = t;
    if (bf16_grads) {
      std::vector<std::uint16_t> gb(kCount);
      for (std::size_t i = 0; i < kCount; ++i) {
        gb[i] = to_bf16(grads[i]);
        grads[i] = from_bf16(gb[i]);
      }
      d_gb.upload(gb);
      kernels::adam_step(update(d_p.ptr, d_gb.ptr, kernels::Storage::bf16, d_pb.ptr), d_m.ptr,
                         d_v.ptr, h, nullptr);
    } else {
      d_g.upload(grads);
      kernels::adam_step(
          update(d_p.ptr, d_g.ptr, kernels::Storage::f32, t == kSteps ? d_pb.ptr : nullptr),
          d_m.ptr, d_v.ptr, h, nullptr);
    }
    nn::adam_step(o, params, grads, state);
  }
  CHECK(cudaDeviceSynchronize() == cudaSuccess);
  const auto gpu_p = d_p.download(kCount);
  compare(what, gpu_p, params);
  compare(what, d_m.download(kCount), state.m);
  compare(what, d_v.download(kCount), state.v);
  check_bf16_copy(what, d_pb.download(kCount), gpu_p);
}

void run_sgd(bool nesterov, bool bf16_grads) {
  const char* what = nesterov ? (bf16_grads ? "nesterov bf16" : "nesterov f32")
                              : (bf16_grads ? "momentum bf16" : "momentum f32");
  std::mt19937 rng(nesterov ? 21 : 22);
  std::vector<float> params = random_vector(kCount, rng, 1.0f);
  nn::SgdOptions o;
  o.lr = 0.05;
  o.momentum = 0.9;
  o.weight_decay = 1e-4;
  o.nesterov = nesterov;
  nn::SgdState state;

  DeviceBuffer<float> d_p(kCount), d_b(kCount), d_g(kCount);
  DeviceBuffer<std::uint16_t> d_gb(kCount), d_pb(kCount);
  d_p.upload(params);
  for (int t = 1; t <= kSteps; ++t) {
    std::vector<float> grads = random_vector(kCount, rng, 0.1f);
    kernels::SgdHyper h;
    h.lr = o.lr;
    h.momentum = o.momentum;
    h.weight_decay = o.weight_decay;
    h.nesterov = nesterov;
    h.step = t;
    if (bf16_grads) {
      std::vector<std::uint16_t> gb(kCount);
      for (std::size_t i = 0; i < kCount; ++i) {
        gb[i] = to_bf16(grads[i]);
        grads[i] = from_bf16(gb[i]);
      }
      d_gb.upload(gb);
      kernels::sgd_step(update(d_p.ptr, d_gb.ptr, kernels::Storage::bf16, d_pb.ptr), d_b.ptr, h,
                        nullptr);
    } else {
      d_g.upload(grads);
      kernels::sgd_step(update(d_p.ptr, d_g.ptr, kernels::Storage::f32, d_pb.ptr), d_b.ptr, h,
                        nullptr);
    }
    nn::sgd_step(o, params, grads, state);
  }
  CHECK(cudaDeviceSynchronize() == cudaSuccess);
  const auto gpu_p = d_p.download(kCount);
  compare(what, gpu_p, params);
  compare(what, d_b.download(kCount), state.momentum_buffer);
  check_bf16_copy(what, d_pb.download(kCount), gpu_p);
}

void run_clip() {
  std::mt19937 rng(31);
  std::vector<float> a = random_vector(kCount, rng, 0.01f), b = random_vector(12345, rng, 0.3f);
  DeviceBuffer<float> d_a(a.size()), d_b(b.size());
  DeviceBuffer<double> d_sum(1);
  DeviceBuffer<char> d_ws(kernels::grad_sum_squares_workspace_bytes());
  d_a.upload(a);
  d_b.upload(b);
  kernels::zero_sum_squares(d_sum.ptr, nullptr);
  kernels::grad_sum_squares(kernels::Storage::f32, d_a.ptr, a.size(), d_sum.ptr, d_ws.ptr, nullptr);
  kernels::grad_sum_squares(kernels::Storage::f32, d_b.ptr, b.size(), d_sum.ptr, d_ws.ptr, nullptr);
  const double gpu_norm = kernels::read_grad_norm(d_sum.ptr, nullptr);
  // Deterministic: the same gradients give the same bits, time after time.
  const double first_sum = d_sum.download(1)[0];
  for (int again = 0; again < 20; ++again) {
    kernels::zero_sum_squares(d_sum.ptr, nullptr);
    kernels::grad_sum_squares(kernels::Storage::f32, d_a.ptr, a.size(), d_sum.ptr, d_ws.ptr,
                              nullptr);
    kernels::grad_sum_squares(kernels::Storage::f32, d_b.ptr, b.size(), d_sum.ptr, d_ws.ptr,
                              nullptr);
    CHECK(d_sum.download(1)[0] == first_sum);
  }
  std::vector<std::span<float>> spans = {a, b};

  // Above max_norm: both scale by the same f32 coefficient.
  const double max_norm = 1.5;
  const double cpu_norm = nn::clip_grad_norm(spans, max_norm);
  CHECK_NEAR(gpu_norm, cpu_norm, 0.0, 1e-12);
  CHECK(cpu_norm > 5.0);
  kernels::grad_clip_scale(kernels::Storage::f32, d_a.ptr, a.size(), d_sum.ptr, max_norm, 1e-6,
                           nullptr);
  kernels::grad_clip_scale(kernels::Storage::f32, d_b.ptr, b.size(), d_sum.ptr, max_norm, 1e-6,
                           nullptr);
  compare("clip a", d_a.download(a.size()), a);
  compare("clip b", d_b.download(b.size()), b);
  kernels::zero_sum_squares(d_sum.ptr, nullptr);
  kernels::grad_sum_squares(kernels::Storage::f32, d_a.ptr, a.size(), d_sum.ptr, d_ws.ptr, nullptr);
  kernels::grad_sum_squares(kernels::Storage::f32, d_b.ptr, b.size(), d_sum.ptr, d_ws.ptr, nullptr);
  CHECK_NEAR(kernels::read_grad_norm(d_sum.ptr, nullptr), max_norm, 1e-6, 1e-6);

  // Below max_norm: untouched, bit for bit.
  const auto clipped = d_a.download(a.size());
  kernels::grad_clip_scale(kernels::Storage::f32, d_a.ptr, a.size(), d_sum.ptr, 2 * max_norm, 1e-6,
                           nullptr);
  CHECK(d_a.download(a.size()) == clipped);

  // bf16 gradients: norm of the bf16 values, scaled in f32 and rounded back.
  std::vector<std::uint16_t> gb(kCount);
  std::vector<float> gf(kCount);
  for (std::size_t i = 0; i < kCount; ++i) {
    gb[i] = to_bf16(2.0f * a[i]);
    gf[i] = from_bf16(gb[i]);
  }
  DeviceBuffer<std::uint16_t> d_gb(kCount);
  d_gb.upload(gb);
  kernels::zero_sum_squares(d_sum.ptr, nullptr);
  kernels::grad_sum_squares(kernels::Storage::bf16, d_gb.ptr, kCount, d_sum.ptr, d_ws.ptr, nullptr);
  const double gpu_bf16_norm = kernels::read_grad_norm(d_sum.ptr, nullptr);
  std::vector<std::span<float>> one = {gf};
  const double cpu_bf16_norm = nn::clip_grad_norm(one, 1.0);
  CHECK_NEAR(gpu_bf16_norm, cpu_bf16_norm, 0.0, 1e-12);
  kernels::grad_clip_scale(kernels::Storage::bf16, d_gb.ptr, kCount, d_sum.ptr, 1.0, 1e-6, nullptr);
  const auto scaled = d_gb.download(kCount);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < kCount; ++i)
    bad += scaled[i] != to_bf16(gf[i]);
  CHECK(bad == 0);
}

// An f16 copy rounds to nearest even like the CPU's float_to_half; a skip
// flag that is not finite leaves every buffer as it was.
void run_f16_copy_and_skip() {
  std::mt19937 rng(41);
  std::vector<float> params = random_vector(kCount, rng, 1.0f);
  const std::vector<float> grads = random_vector(kCount, rng, 0.05f);
  DeviceBuffer<float> d_p(kCount), d_m(kCount), d_v(kCount), d_g(kCount);
  DeviceBuffer<std::uint16_t> d_copy(kCount);
  DeviceBuffer<double> d_flag(1);
  d_p.upload(params);
  d_g.upload(grads);
  CHECK(cudaMemset(d_m.ptr, 0, kCount * 4) == cudaSuccess);
  CHECK(cudaMemset(d_v.ptr, 0, kCount * 4) == cudaSuccess);
  CHECK(cudaMemset(d_copy.ptr, 0, kCount * 2) == cudaSuccess);
  kernels::UpdateBuffers b = update(d_p.ptr, d_g.ptr, kernels::Storage::f32, d_copy.ptr);
  b.copy_type = kernels::Storage::f16;
  b.skip_unless_finite = d_flag.ptr;
  kernels::AdamHyper h;

  for (const double flag : {HUGE_VAL, std::nan("")}) {
    d_flag.upload({flag});
    kernels::adam_step(b, d_m.ptr, d_v.ptr, h, nullptr);
    CHECK(d_p.download(kCount) == params);
    CHECK(d_m.download(kCount) == std::vector<float>(kCount, 0.0f));
    CHECK(d_copy.download(kCount) == std::vector<std::uint16_t>(kCount, 0));
    kernels::SgdHyper sh;
    kernels::sgd_step(b, nullptr, sh, nullptr);
    CHECK(d_p.download(kCount) == params);
  }

  // Two steps were skipped: the third is Adam's first (bias corrections of
  // t = 1, computed on the device).
  DeviceBuffer<std::int32_t> d_skipped(1);
  d_skipped.upload({2});
  b.skipped_steps = d_skipped.ptr;
  h.step = 3;
  d_flag.upload({1.0});
  kernels::adam_step(b, d_m.ptr, d_v.ptr, h, nullptr);
  nn::AdamOptions o;
  nn::AdamState state;
  std::vector<float> g = grads;
  nn::adam_step(o, params, g, state);
  const auto gpu_p = d_p.download(kCount);
  compare("adam f16 copy", gpu_p, params);
  const auto copy = d_copy.download(kCount);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < kCount; ++i)
    bad += copy[i] != float_to_half(gpu_p[i]);
  CHECK(bad == 0);

  // f16 gradients, as the CPU sees their values.
  std::vector<std::uint16_t> gh(kCount);
  for (std::size_t i = 0; i < kCount; ++i) {
    gh[i] = float_to_half(grads[i]);
    g[i] = half_to_float(gh[i]);
  }
  DeviceBuffer<std::uint16_t> d_gh(kCount);
  d_gh.upload(gh);
  b.grads = d_gh.ptr;
  b.grad_type = kernels::Storage::f16;
  h.step = 4; // the second update after two skipped steps
  kernels::adam_step(b, d_m.ptr, d_v.ptr, h, nullptr);
  nn::adam_step(o, params, g, state);
  compare("adam f16 grads", d_p.download(kCount), params);
}

void run_loss_scale() {
  DeviceBuffer<kernels::LossScaleState> d_state(1);
  DeviceBuffer<double> d_sum(1);
  kernels::loss_scale_init(d_state.ptr, 1024.0f, nullptr);
  auto s = kernels::read_loss_scale(d_state.ptr, nullptr);
  CHECK(s.scale == 1024.0f && s.inverse == 1.0f / 1024.0f && s.good_steps == 0 &&
        s.skipped_steps == 0);
  d_sum.upload({HUGE_VAL}); // overflow: halve, count it
  kernels::loss_scale_update(d_state.ptr, d_sum.ptr, 3, nullptr);
  s = kernels::read_loss_scale(d_state.ptr, nullptr);
  CHECK(s.scale == 512.0f && s.inverse == 1.0f / 512.0f && s.skipped_steps == 1);
  d_sum.upload({2.5}); // three good steps: double
  for (int i = 0; i < 2; ++i)
    kernels::loss_scale_update(d_state.ptr, d_sum.ptr, 3, nullptr);
  CHECK(kernels::read_loss_scale(d_state.ptr, nullptr).scale == 512.0f);
  kernels::loss_scale_update(d_state.ptr, d_sum.ptr, 3, nullptr);
  s = kernels::read_loss_scale(d_state.ptr, nullptr);
  CHECK(s.scale == 1024.0f && s.good_steps == 0 && s.skipped_steps == 1);
  // Bounded at 2^24 and 2^-24.
  kernels::loss_scale_init(d_state.ptr, kernels::kMaxLossScale, nullptr);
  kernels::loss_scale_update(d_state.ptr, d_sum.ptr, 1, nullptr);
  CHECK(kernels::read_loss_scale(d_state.ptr, nullptr).scale == kernels::kMaxLossScale);
  kernels::loss_scale_init(d_state.ptr, kernels::kMinLossScale, nullptr);
  d_sum.upload({std::nan("")});
  kernels::loss_scale_update(d_state.ptr, d_sum.ptr, 1, nullptr);
  CHECK(kernels::read_loss_scale(d_state.ptr, nullptr).scale == kernels::kMinLossScale);
  bool threw = false;
  try {
    kernels::loss_scale_init(d_state.ptr, 1000.0f, nullptr); // not a power of two
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
}

} // namespace

int main() {
  if (kernels::device_count() == 0) {
    std::printf("SKIP: no CUDA device\n");
    return test::kSkipExitCode;
  }
  for (const bool bf16 : {false, true}) {
    run_adam(false, 0.01, bf16);
    run_adam(true, 0.1, bf16);
    run_sgd(false, bf16);
    run_sgd(true, bf16);
  }
  run_adam(false, 0.0, false); // no weight decay at all
  run_clip();
  run_f16_copy_and_skip();
  run_loss_scale();
  return test::check_exit_code();
}
