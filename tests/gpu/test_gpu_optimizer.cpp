// The fused optimizer and gradient-clipping kernels against the CPU
// references (core/nn/optimizer.h, core/nn/grad_clip.h): 1M-element random
// buffers, 5 steps of Adam, AdamW, SGD with momentum and Nesterov, from f32
// gradients and from bf16 gradients (the reference gets the same
// bf16-rounded values), the bf16 weight copy, and global-norm clipping.
#include "core/nn/grad_clip.h"
#include "core/nn/optimizer.h"
#include "kernels/device_info.h"
#include "kernels/optimizer.h"
#include "tests/support/plain_check.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <span>
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
      kernels::adam_step_bf16_grad(d_p.ptr, d_m.ptr, d_v.ptr, d_gb.ptr, d_pb.ptr, kCount, h,
                                   nullptr);
    } else {
      d_g.upload(grads);
      kernels::adam_step_f32(d_p.ptr, d_m.ptr, d_v.ptr, d_g.ptr, t == kSteps ? d_pb.ptr : nullptr,
                             kCount, h, nullptr);
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
      kernels::sgd_step_bf16_grad(d_p.ptr, d_b.ptr, d_gb.ptr, d_pb.ptr, kCount, h, nullptr);
    } else {
      d_g.upload(grads);
      kernels::sgd_step_f32(d_p.ptr, d_b.ptr, d_g.ptr, d_pb.ptr, kCount, h, nullptr);
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
  kernels::grad_sum_squares_f32(d_a.ptr, a.size(), d_sum.ptr, d_ws.ptr, nullptr);
  kernels::grad_sum_squares_f32(d_b.ptr, b.size(), d_sum.ptr, d_ws.ptr, nullptr);
  const double gpu_norm = kernels::read_grad_norm(d_sum.ptr, nullptr);
  // Deterministic: the same gradients give the same bits, time after time.
  const double first_sum = d_sum.download(1)[0];
  for (int again = 0; again < 20; ++again) {
    kernels::zero_sum_squares(d_sum.ptr, nullptr);
    kernels::grad_sum_squares_f32(d_a.ptr, a.size(), d_sum.ptr, d_ws.ptr, nullptr);
    kernels::grad_sum_squares_f32(d_b.ptr, b.size(), d_sum.ptr, d_ws.ptr, nullptr);
    CHECK(d_sum.download(1)[0] == first_sum);
  }
  std::vector<std::span<float>> spans = {a, b};

  // Above max_norm: both scale by the same f32 coefficient.
  const double max_norm = 1.5;
  const double cpu_norm = nn::clip_grad_norm(spans, max_norm);
  CHECK_NEAR(gpu_norm, cpu_norm, 0.0, 1e-12);
  CHECK(cpu_norm > 5.0);
  kernels::grad_clip_scale_f32(d_a.ptr, a.size(), d_sum.ptr, max_norm, 1e-6, nullptr);
  kernels::grad_clip_scale_f32(d_b.ptr, b.size(), d_sum.ptr, max_norm, 1e-6, nullptr);
  compare("clip a", d_a.download(a.size()), a);
  compare("clip b", d_b.download(b.size()), b);
  kernels::zero_sum_squares(d_sum.ptr, nullptr);
  kernels::grad_sum_squares_f32(d_a.ptr, a.size(), d_sum.ptr, d_ws.ptr, nullptr);
  kernels::grad_sum_squares_f32(d_b.ptr, b.size(), d_sum.ptr, d_ws.ptr, nullptr);
  CHECK_NEAR(kernels::read_grad_norm(d_sum.ptr, nullptr), max_norm, 1e-6, 1e-6);

  // Below max_norm: untouched, bit for bit.
  const auto clipped = d_a.download(a.size());
  kernels::grad_clip_scale_f32(d_a.ptr, a.size(), d_sum.ptr, 2 * max_norm, 1e-6, nullptr);
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
  kernels::grad_sum_squares_bf16(d_gb.ptr, kCount, d_sum.ptr, d_ws.ptr, nullptr);
  const double gpu_bf16_norm = kernels::read_grad_norm(d_sum.ptr, nullptr);
  std::vector<std::span<float>> one = {gf};
  const double cpu_bf16_norm = nn::clip_grad_norm(one, 1.0);
  CHECK_NEAR(gpu_bf16_norm, cpu_bf16_norm, 0.0, 1e-12);
  kernels::grad_clip_scale_bf16(d_gb.ptr, kCount, d_sum.ptr, 1.0, 1e-6, nullptr);
  const auto scaled = d_gb.download(kCount);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < kCount; ++i)
    bad += scaled[i] != to_bf16(gf[i]);
  CHECK(bad == 0);
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
  return test::check_exit_code();
}
