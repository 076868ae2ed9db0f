// CudnnConv2d (legacy API) and CudnnGraphConv2d (backend graph API) against
// the CPU reference (core/nn/conv2d_reference.h) on random inputs at the
// U-Net's layer shapes: f32 NCHW and NHWC (FMA math, tight tolerance), tf32
// NHWC and bf16 NHWC (tensor cores, bf16 compared on the bf16-rounded inputs,
// both with a normalised RMS error). Both implementations go through the same templated checks.
// Also beta = 1 accumulation of the filter gradient, the fused bias + activation epilogue
// (forward_epilogue, bf16 and f32 NHWC) and argument checks.
#include "core/nn/bias_activation_reference.h"
#include "core/nn/conv2d_reference.h"
#include "kernels/convert.h"
#include "kernels/cuda_error.h"
#include "kernels/cudnn_conv.h"
#include "kernels/cudnn_graph_conv.h"
#include "kernels/device_info.h"
#include "tests/support/plain_check.h"

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

using namespace atelier;

namespace {

// f32 with FMA math: |gpu - ref| <= kF32Abs * rms(ref) + kF32Rel * |ref|.
// The absolute part is relative to the output's scale because sums of
// thousands of +-terms have outputs near 0 whose error is set by the scale.
constexpr double kF32Abs = 1e-4;
constexpr double kF32Rel = 1e-4;
// bf16 inputs (exactly representable in f32), f32 accumulation, bf16
// outputs: the output rounding alone is ~2^-9 relative (RMS ~0.2%).
constexpr double kBf16RelRms = 1e-2;
// TF32 tensor cores round the f32 inputs to 10 mantissa bits (2^-11
// relative), accumulating in f32; the output stays f32.
constexpr double kTf32RelRms = 2e-3;

#define CUDA_OK(expr) CHECK((expr) == cudaSuccess)

struct DeviceBuffer {
  void* ptr = nullptr;
  explicit DeviceBuffer(std::size_t bytes) { CUDA_OK(cudaMalloc(&ptr, bytes)); }
  ~DeviceBuffer() { cudaFree(ptr); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  float* f32() const { return static_cast<float*>(ptr); }
  std::uint16_t* bf16() const { return static_cast<std::uint16_t*>(ptr); }
};

std::vector<float> random_floats(std::size_t count, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (auto& x : v)
    x = d(rng);
  return v;
}

double rms(const std::vector<float>& v) {
  double s = 0.0;
  for (float x : v)
    s += double(x) * x;
  return std::sqrt(s / double(v.size()));
}

// NCHW <-> NHWC; for weights KCRS <-> KRSC is the same permutation.
std::vector<float> to_nhwc(const std::vector<float>& v, int n, int c, int h, int w) {
  std::vector<float> out(v.size());
  for (int in = 0; in < n; ++in)
    for (int ic = 0; ic < c; ++ic)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          out[((std::size_t(in) * h + y) * w + x) * c + ic] =
              v[((std::size_t(in) * c + ic) * h + y) * w + x];
  return out;
}

std::vector<float> to_nchw(const std::vector<float>& v, int n, int c, int h, int w) {
  std::vector<float> out(v.size());
  for (int in = 0; in < n; ++in)
    for (int ic = 0; ic < c; ++ic)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          out[((std::size_t(in) * c + ic) * h + y) * w + x] =
              v[((std::size_t(in) * h + y) * w + x) * c + ic];
  return out;
}

std::vector<float> download(const DeviceBuffer& buf, std::size_t count) {
  std::vector<float> host(count);
  CUDA_OK(cudaMemcpy(host.data(), buf.ptr, count * sizeof(float), cudaMemcpyDeviceToHost));
  return host;
}

void upload(DeviceBuffer& buf, const std::vector<float>& host) {
  CUDA_OK(cudaMemcpy(buf.ptr, host.data(), host.size() * sizeof(float), cudaMemcpyHostToDevice));
}

// Elementwise check; prints the worst element.
void compare_elementwise(const char* label, const char* what, const std::vector<float>& gpu,
                         const std::vector<float>& ref) {
  const double scale = rms(ref);
  std::size_t bad = 0, worst = 0;
  double worst_ratio = 0.0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double tol = kF32Abs * scale + kF32Rel * std::fabs(ref[i]);
    const double err = std::fabs(double(gpu[i]) - ref[i]);
    if (!(err <= tol)) ++bad; // NaN counts as bad
    const double ratio = err / tol;
    if (!(ratio <= worst_ratio)) {
      worst_ratio = ratio;
      worst = i;
    }
  }
  std::printf("  %-28s f32 %-6s worst |err|/tol %.3f at %zu (gpu %.7g ref %.7g)\n", label, what,
              worst_ratio, worst, double(gpu[worst]), double(ref[worst]));
  if (bad)
    std::fprintf(stderr, "  %s %s: %zu of %zu elements out of tolerance\n", label, what, bad,
                 ref.size());
  CHECK(bad == 0);
}

void compare_rms(const char* label, const char* what, const std::vector<float>& gpu,
                 const std::vector<float>& ref, const char* precision = "bf16",
                 double tolerance = kBf16RelRms) {
  double err = 0.0, norm = 0.0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double d = double(gpu[i]) - ref[i];
    err += d * d;
    norm += double(ref[i]) * ref[i];
  }
  const double rel = std::sqrt(err / norm);
  std::printf("  %-28s %s %-6s relative RMS error %.2e\n", label, precision, what, rel);
  CHECK(rel < tolerance); // false for NaN
}

kernels::ConvGeometry geometry_of(const nn::Conv2dShape& s) {
  kernels::ConvGeometry g;
  g.n = s.n;
  g.c = s.c;
  g.h = s.h;
  g.w = s.w;
  g.k = s.k;
  g.r = s.r;
  g.s = s.s;
  g.pad_h = s.pad_h;
  g.pad_w = s.pad_w;
  g.stride_h = s.stride_h;
  g.stride_w = s.stride_w;
  g.dilation_h = s.dilation_h;
  g.dilation_w = s.dilation_w;
  return g;
}

struct Case {
  const char* label;
  nn::Conv2dShape shape;
};

nn::Conv2dShape make(int n, int c, int hw, int k, int r, int pad, int stride, int dilation) {
  nn::Conv2dShape s;
  s.n = n;
  s.c = c;
  s.h = s.w = hw;
  s.k = k;
  s.r = s.s = r;
  s.pad_h = s.pad_w = pad;
  s.stride_h = s.stride_w = stride;
  s.dilation_h = s.dilation_w = dilation;
  return s;
}

// The two implementations' names and default options, for the templates.
template <typename Conv>
struct ConvTraits;
template <>
struct ConvTraits<kernels::CudnnConv2d> {
  static constexpr const char* name = "legacy";
};
template <>
struct ConvTraits<kernels::CudnnGraphConv2d> {
  static constexpr const char* name = "graph";
};

template <typename Conv>
void run_f32_nchw(const Case& tc, const std::vector<float>& x, const std::vector<float>& w,
                  const std::vector<float>& dy) {
  const nn::Conv2dShape& s = tc.shape;
  std::vector<float> y_ref(s.output_count()), dx_ref(s.input_count()), dw_ref(s.weight_count());
  nn::conv2d_forward(s, x, w, y_ref);
  nn::conv2d_backward_data(s, dy, w, dx_ref);
  nn::conv2d_backward_filter(s, x, dy, dw_ref);

  Conv conv(geometry_of(s), kernels::ConvDataType::f32, kernels::ConvLayout::nchw);
  std::printf("%s %s f32 nchw: %s\n", ConvTraits<Conv>::name, tc.label, conv.algorithms().c_str());
  CHECK(conv.out_h() == s.out_h());
  CHECK(conv.out_w() == s.out_w());
  DeviceBuffer dx_buf(x.size() * 4), dw_buf(w.size() * 4), dy_buf(dy.size() * 4);
  DeviceBuffer x_buf(x.size() * 4), w_buf(w.size() * 4), y_buf(dy.size() * 4);
  upload(x_buf, x);
  upload(w_buf, w);
  upload(dy_buf, dy);
  conv.forward(x_buf.ptr, w_buf.ptr, y_buf.ptr, nullptr);
  conv.backward_data(dy_buf.ptr, w_buf.ptr, dx_buf.ptr, nullptr);
  conv.backward_filter(x_buf.ptr, dy_buf.ptr, dw_buf.ptr, nullptr);
  CUDA_OK(cudaDeviceSynchronize());
  compare_elementwise(tc.label, "y", download(y_buf, dy.size()), y_ref);
  compare_elementwise(tc.label, "dx", download(dx_buf, x.size()), dx_ref);
  compare_elementwise(tc.label, "dw", download(dw_buf, w.size()), dw_ref);

  // beta = 1: a second call adds the same gradient again.
  conv.backward_filter(x_buf.ptr, dy_buf.ptr, dw_buf.ptr, nullptr, true);
  CUDA_OK(cudaDeviceSynchronize());
  std::vector<float> twice = dw_ref;
  for (auto& v : twice)
    v *= 2.0f;
  compare_elementwise(tc.label, "2dw", download(dw_buf, w.size()), twice);
}

// f32 storage in NHWC (the CUDA backend's layout): f32 with FMA math
// compared elementwise, tf32 (tensor cores) by relative RMS error.
template <typename Conv>
void run_f32_nhwc(const Case& tc, const std::vector<float>& x, const std::vector<float>& w,
                  const std::vector<float>& dy, kernels::ConvDataType type) {
  const nn::Conv2dShape& s = tc.shape;
  const int oh = s.out_h(), ow = s.out_w();
  std::vector<float> y_ref(s.output_count()), dx_ref(s.input_count()), dw_ref(s.weight_count());
  nn::conv2d_forward(s, x, w, y_ref);
  nn::conv2d_backward_data(s, dy, w, dx_ref);
  nn::conv2d_backward_filter(s, x, dy, dw_ref);
  const bool tf32 = type == kernels::ConvDataType::tf32;
  Conv conv(geometry_of(s), type, kernels::ConvLayout::nhwc);
  std::printf("%s %s %s nhwc: %s\n", ConvTraits<Conv>::name, tc.label, tf32 ? "tf32" : "f32",
              conv.algorithms().c_str());
  DeviceBuffer x_buf(x.size() * 4), w_buf(w.size() * 4), dy_buf(dy.size() * 4);
  DeviceBuffer y_buf(dy.size() * 4), dx_buf(x.size() * 4), dw_buf(w.size() * 4);
  upload(x_buf, to_nhwc(x, s.n, s.c, s.h, s.w));
  upload(w_buf, to_nhwc(w, s.k, s.c, s.r, s.s));
  upload(dy_buf, to_nhwc(dy, s.n, s.k, oh, ow));
  conv.forward(x_buf.ptr, w_buf.ptr, y_buf.ptr, nullptr);
  conv.backward_data(dy_buf.ptr, w_buf.ptr, dx_buf.ptr, nullptr);
  conv.backward_filter(x_buf.ptr, dy_buf.ptr, dw_buf.ptr, nullptr);
  CUDA_OK(cudaDeviceSynchronize());
  const std::vector<float> y = to_nchw(download(y_buf, dy.size()), s.n, s.k, oh, ow);
  const std::vector<float> dx = to_nchw(download(dx_buf, x.size()), s.n, s.c, s.h, s.w);
  const std::vector<float> dw = to_nchw(download(dw_buf, w.size()), s.k, s.c, s.r, s.s);
  if (tf32) {
    compare_rms(tc.label, "y", y, y_ref, "tf32", kTf32RelRms);
    compare_rms(tc.label, "dx", dx, dx_ref, "tf32", kTf32RelRms);
    compare_rms(tc.label, "dw", dw, dw_ref, "tf32", kTf32RelRms);
  } else {
    compare_elementwise(tc.label, "y", y, y_ref);
    compare_elementwise(tc.label, "dx", dx, dx_ref);
    compare_elementwise(tc.label, "dw", dw, dw_ref);
  }
}

// Uploads an NCHW host array as NHWC bf16 and returns the rounded values
// back in NCHW f32 (what the CPU reference must see).
std::vector<float> upload_bf16_nhwc(DeviceBuffer& bf16_buf, const std::vector<float>& nchw, int n,
                                    int c, int h, int w) {
  const std::vector<float> nhwc = to_nhwc(nchw, n, c, h, w);
  DeviceBuffer staging(nhwc.size() * 4);
  upload(staging, nhwc);
  kernels::convert_from_f32(staging.f32(), kernels::Storage::bf16, bf16_buf.bf16(), nhwc.size(),
                            nullptr);
  kernels::convert_to_f32(kernels::Storage::bf16, bf16_buf.bf16(), staging.f32(), nhwc.size(),
                          nullptr);
  CUDA_OK(cudaDeviceSynchronize());
  return to_nchw(download(staging, nhwc.size()), n, c, h, w);
}

std::vector<float> download_bf16_nhwc(const DeviceBuffer& bf16_buf, std::size_t count, int n, int c,
                                      int h, int w) {
  DeviceBuffer staging(count * 4);
  kernels::convert_to_f32(kernels::Storage::bf16, bf16_buf.bf16(), staging.f32(), count, nullptr);
  CUDA_OK(cudaDeviceSynchronize());
  return to_nchw(download(staging, count), n, c, h, w);
}

template <typename Conv>
void run_bf16_nhwc(const Case& tc, const std::vector<float>& x, const std::vector<float>& w,
                   const std::vector<float>& dy) {
  const nn::Conv2dShape& s = tc.shape;
  const int oh = s.out_h(), ow = s.out_w();
  DeviceBuffer x_buf(x.size() * 2), w_buf(w.size() * 2), dy_buf(dy.size() * 2);
  DeviceBuffer y_buf(dy.size() * 2), dx_buf(x.size() * 2), dw_buf(w.size() * 2);
  const std::vector<float> xr = upload_bf16_nhwc(x_buf, x, s.n, s.c, s.h, s.w);
  const std::vector<float> wr = upload_bf16_nhwc(w_buf, w, s.k, s.c, s.r, s.s);
  const std::vector<float> dyr = upload_bf16_nhwc(dy_buf, dy, s.n, s.k, oh, ow);
  // bf16 keeps 8 significant bits: the rounded inputs differ from the f32 ones.
  CHECK(xr != x);
  CHECK(std::fabs(xr[0] - x[0]) <= std::fabs(x[0]) * (1.0f / 256));

  std::vector<float> y_ref(s.output_count()), dx_ref(s.input_count()), dw_ref(s.weight_count());
  nn::conv2d_forward(s, xr, wr, y_ref);
  nn::conv2d_backward_data(s, dyr, wr, dx_ref);
  nn::conv2d_backward_filter(s, xr, dyr, dw_ref);

  Conv conv(geometry_of(s), kernels::ConvDataType::bf16, kernels::ConvLayout::nhwc);
  std::printf("%s %s bf16 nhwc: %s\n", ConvTraits<Conv>::name, tc.label, conv.algorithms().c_str());
  conv.forward(x_buf.ptr, w_buf.ptr, y_buf.ptr, nullptr);
  conv.backward_data(dy_buf.ptr, w_buf.ptr, dx_buf.ptr, nullptr);
  conv.backward_filter(x_buf.ptr, dy_buf.ptr, dw_buf.ptr, nullptr);
  CUDA_OK(cudaDeviceSynchronize());
  compare_rms(tc.label, "y", download_bf16_nhwc(y_buf, dy.size(), s.n, s.k, oh, ow), y_ref);
  compare_rms(tc.label, "dx", download_bf16_nhwc(dx_buf, x.size(), s.n, s.c, s.h, s.w), dx_ref);
  compare_rms(tc.label, "dw", download_bf16_nhwc(dw_buf, w.size(), s.k, s.c, s.r, s.s), dw_ref);
}

void conversions_round_to_nearest_even() {
  // 1 + 2^-8 is halfway between bf16 1 and 1 + 2^-7: ties to even (1);
  // 1 + 3 * 2^-8 ties up to 1 + 2^-6.
  const std::vector<float> in = {1.0f, 1.0f + 1.0f / 256, 1.0f + 3.0f / 256, -2.5f, 65280.0f};
  const std::vector<float> expected = {1.0f, 1.0f, 1.0f + 1.0f / 64, -2.5f, 65280.0f};
  DeviceBuffer f(in.size() * 4), b(in.size() * 2);
  upload(f, in);
  kernels::convert_from_f32(f.f32(), kernels::Storage::bf16, b.bf16(), in.size(), nullptr);
  std::vector<std::uint16_t> bits(in.size());
  CUDA_OK(cudaMemcpy(bits.data(), b.ptr, bits.size() * 2, cudaMemcpyDeviceToHost));
  CHECK(bits[0] == 0x3f80);
  CHECK(bits[3] == 0xc020);
  kernels::convert_to_f32(kernels::Storage::bf16, b.bf16(), f.f32(), in.size(), nullptr);
  CUDA_OK(cudaDeviceSynchronize());
  CHECK(download(f, in.size()) == expected);
}

template <typename Conv>
void invalid_arguments() {
  kernels::ConvGeometry g;
  g.k = 0;
  bool threw = false;
  try {
    Conv conv(g, kernels::ConvDataType::f32, kernels::ConvLayout::nchw);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
  // A kernel larger than the padded input: cuDNN refuses, CudaError says where.
  g = kernels::ConvGeometry{};
  g.h = g.w = 2;
  g.r = g.s = 5;
  threw = false;
  try {
    Conv conv(g, kernels::ConvDataType::f32, kernels::ConvLayout::nchw);
  } catch (const kernels::CudaError& e) {
    threw = std::string(e.what()).find("cudnn") != std::string::npos;
    std::printf("expected error: %s\n", e.what());
  }
  CHECK(threw);
  // Moving keeps the object usable.
  g = kernels::ConvGeometry{};
  g.h = g.w = 4;
  Conv a(g, kernels::ConvDataType::f32, kernels::ConvLayout::nchw);
  Conv b = std::move(a);
  CHECK(b.out_h() == 4);
}

// Graph API only: heuristic search (no timing) and the alignment the tensor
// descriptors promise cuDNN.
void graph_options_and_alignment() {
  kernels::ConvGeometry g;
  g.c = 4;
  g.h = g.w = 8;
  g.k = 4;
  g.r = g.s = 3;
  g.pad_h = g.pad_w = 1;
  kernels::CudnnGraphConvOptions options;
  options.search = kernels::ConvAlgoSearch::heuristic;
  kernels::CudnnGraphConv2d conv(g, kernels::ConvDataType::f32, kernels::ConvLayout::nchw, options);
  std::printf("graph heuristic: %s\n", conv.algorithms().c_str());
  CHECK(conv.algorithms().find(" ms of ") == std::string::npos);
  DeviceBuffer x(g.c * 64 * 4 + 16), w(g.k * g.c * 9 * 4), y(g.k * 64 * 4);
  bool threw = false;
  try {
    conv.forward(static_cast<char*>(x.ptr) + 4, w.ptr, y.ptr, nullptr);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
  options.max_candidates = 0;
  threw = false;
  try {
    kernels::CudnnGraphConv2d bad(g, kernels::ConvDataType::f32, kernels::ConvLayout::nchw,
                                  options);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
}

// Only the passes asked for are built: a forward-only object (inference)
// refuses the backward calls, needs no more workspace than a full one, and
// computes the same forward.
void forward_only_passes() {
  kernels::ConvGeometry g;
  g.n = 2;
  g.c = 16;
  g.h = g.w = 32;
  g.k = 16;
  g.r = g.s = 5;
  g.pad_h = g.pad_w = 2;
  // Heuristic search on both: the same first engine, so the workspaces compare.
  kernels::CudnnGraphConvOptions every;
  every.search = kernels::ConvAlgoSearch::heuristic;
  kernels::CudnnGraphConvOptions only = every;
  only.backward_data = only.backward_filter = only.backward_filter_accumulate = false;
  kernels::CudnnGraphConv2d fwd(g, kernels::ConvDataType::f32, kernels::ConvLayout::nchw, only);
  kernels::CudnnGraphConv2d all(g, kernels::ConvDataType::f32, kernels::ConvLayout::nchw, every);
  std::printf("forward only: %s\n", fwd.algorithms().c_str());
  CHECK(fwd.algorithms().find("bwd") == std::string::npos);
  CHECK(fwd.workspace_bytes() <= all.workspace_bytes());
  std::mt19937 rng(9);
  const std::vector<float> xf = random_floats(std::size_t(g.n) * g.c * g.h * g.w, rng);
  const std::vector<float> wf = random_floats(std::size_t(g.k) * g.c * g.r * g.s, rng);
  const std::size_t yn = std::size_t(g.n) * g.k * g.h * g.w;
  DeviceBuffer x(xf.size() * 4), w(wf.size() * 4), y1(yn * 4), y2(yn * 4);
  upload(x, xf);
  upload(w, wf);
  fwd.forward(x.ptr, w.ptr, y1.ptr, nullptr);
  all.forward(x.ptr, w.ptr, y2.ptr, nullptr);
  compare_elementwise("forward-only object", "fwd", download(y1, yn), download(y2, yn));
  for (int call = 0; call < 3; ++call) {
    bool threw = false;
    try {
      if (call == 0) fwd.backward_data(y1.ptr, w.ptr, x.ptr, nullptr);
      if (call == 1) fwd.backward_filter(x.ptr, y1.ptr, w.ptr, nullptr);
      if (call == 2) fwd.backward_filter(x.ptr, y1.ptr, w.ptr, nullptr, true);
    } catch (const std::logic_error& e) {
      threw = std::string(e.what()).find("was not built") != std::string::npos;
    }
    CHECK(threw);
  }
}

// forward_epilogue, y = act(conv(x, w) + bias), against the CPU reference
// (conv2d_forward then bias_activation_forward) in bf16 and f32 NHWC, for
// each activation, with and without bias. bf16 with measure uses the fused
// graph only where it is faster, so fusion itself is asserted with the
// heuristic search on the U-Net's commonest layer (conv 3x3 + bias + leaky
// ReLU) on Hopper and newer, the engine's target, whose runtime fusion
// engines cover it; elsewhere the test says whether it fused.
void epilogue_case(const char* label, const nn::Conv2dShape& s, kernels::ConvDataType type,
                   const kernels::ConvEpilogue& e, kernels::ConvAlgoSearch search,
                   bool expect_fused, std::mt19937& rng) {
  const bool bf16 = type == kernels::ConvDataType::bf16;
  const int oh = s.out_h(), ow = s.out_w();
  const std::size_t elem = bf16 ? 2 : 4;
  const std::vector<float> x = random_floats(s.input_count(), rng);
  const std::vector<float> w = random_floats(s.weight_count(), rng);
  const std::vector<float> bias = random_floats(std::size_t(s.k), rng);
  DeviceBuffer x_buf(x.size() * elem), w_buf(w.size() * elem), y_buf(s.output_count() * elem);
  DeviceBuffer b_buf(bias.size() * 4);
  upload(b_buf, bias);
  std::vector<float> xr = x, wr = w;
  if (bf16) {
    xr = upload_bf16_nhwc(x_buf, x, s.n, s.c, s.h, s.w);
    wr = upload_bf16_nhwc(w_buf, w, s.k, s.c, s.r, s.s);
  } else {
    upload(x_buf, to_nhwc(x, s.n, s.c, s.h, s.w));
    upload(w_buf, to_nhwc(w, s.k, s.c, s.r, s.s));
  }
  std::vector<float> y_ref(s.output_count());
  nn::conv2d_forward(s, xr, wr, y_ref);
  const nn::Activation act = nn::Activation(int(e.act)); // same order (static_assert below)
  nn::bias_activation_forward(nn::Nchw{s.n, s.k, oh, ow}, nn::Layout::nchw, y_ref,
                              e.bias ? std::span<const float>(bias) : std::span<const float>(),
                              y_ref, act, e.slope);

  kernels::CudnnGraphConvOptions options;
  options.search = search;
  options.epilogue = e;
  options.backward_data = options.backward_filter = options.backward_filter_accumulate = false;
  kernels::CudnnGraphConv2d conv(geometry_of(s), type, kernels::ConvLayout::nhwc, options);
  std::printf("epilogue %s %s: %s\n", label, bf16 ? "bf16" : "f32", conv.algorithms().c_str());
  if (expect_fused && !conv.epilogue_fused())
    std::fprintf(stderr, "  %s: no cuDNN engine built the fused conv + bias + activation graph\n",
                 label);
  CHECK(!expect_fused || conv.epilogue_fused());
  conv.forward_epilogue(x_buf.ptr, w_buf.ptr, e.bias ? b_buf.f32() : nullptr, y_buf.ptr, nullptr);
  CUDA_OK(cudaDeviceSynchronize());
  if (bf16) {
    compare_rms(label, "y", download_bf16_nhwc(y_buf, y_ref.size(), s.n, s.k, oh, ow), y_ref);
  } else {
    compare_elementwise(label, "y", to_nchw(download(y_buf, y_ref.size()), s.n, s.k, oh, ow),
                        y_ref);
  }
  // The bias pointer must match the epilogue.
  bool threw = false;
  try {
    conv.forward_epilogue(x_buf.ptr, w_buf.ptr, e.bias ? nullptr : b_buf.f32(), y_buf.ptr, nullptr);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
}

void fused_epilogue() {
  static_assert(int(kernels::Activation::gelu_tanh) == int(nn::Activation::gelu_tanh) &&
                int(kernels::Activation::leaky_relu) == int(nn::Activation::leaky_relu));
  using kernels::Activation;
  using kernels::ConvAlgoSearch;
  std::mt19937 rng(77);
  const nn::Conv2dShape body = make(2, 48, 32, 48, 3, 1, 1, 1);
  const nn::Conv2dShape head = make(2, 104, 16, 64, 5, 2, 1, 1); // 97 padded to 104
  const kernels::ConvEpilogue leaky{true, Activation::leaky_relu, 0.1f};
  const bool hopper = kernels::list_devices().front().compute_capability_major >= 9;
  epilogue_case("body leaky heuristic", body, kernels::ConvDataType::bf16, leaky,
                ConvAlgoSearch::heuristic, hopper, rng);
  const struct {
    const char* label;
    kernels::ConvEpilogue e;
  } epilogues[] = {
      {"bias only", {true, Activation::identity, 0.0f}},
      {"bias relu", {true, Activation::relu, 0.0f}},
      {"bias leaky", leaky},
      {"bias gelu", {true, Activation::gelu_tanh, 0.0f}},
      {"leaky no bias", {false, Activation::leaky_relu, 0.1f}},
  };
  for (const auto& c : epilogues) {
    epilogue_case(c.label, body, kernels::ConvDataType::bf16, c.e, ConvAlgoSearch::measure, false,
                  rng);
    epilogue_case(c.label, body, kernels::ConvDataType::f32, c.e, ConvAlgoSearch::measure, false,
                  rng);
  }
  epilogue_case("head leaky", head, kernels::ConvDataType::bf16, leaky, ConvAlgoSearch::measure,
                false, rng);
  // An epilogue needs NHWC; forward_epilogue needs an epilogue.
  kernels::ConvGeometry g = geometry_of(body);
  kernels::CudnnGraphConvOptions options;
  options.epilogue = leaky;
  bool threw = false;
  try {
    kernels::CudnnGraphConv2d nchw(g, kernels::ConvDataType::f32, kernels::ConvLayout::nchw,
                                   options);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
  kernels::CudnnGraphConv2d plain(g, kernels::ConvDataType::f32, kernels::ConvLayout::nhwc);
  CHECK(!plain.epilogue_fused());
  threw = false;
  try {
    plain.forward_epilogue(nullptr, nullptr, nullptr, nullptr, nullptr);
  } catch (const std::logic_error&) {
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
  const Case cases[] = {
      {"stem 1->48 11x11 64x64 n2", make(2, 1, 64, 48, 11, 5, 1, 1)},
      {"head 97->64 5x5 32x32 n2", make(2, 97, 32, 64, 5, 2, 1, 1)},
      {"down 48->48 3x3 s2 64x64", make(2, 48, 64, 48, 3, 1, 2, 1)},
      {"dil 16->8 3x3 d2 64x64", make(1, 16, 64, 8, 3, 2, 1, 2)},
      {"out 32->1 5x5 64x64 n2", make(2, 32, 64, 1, 5, 2, 1, 1)},
  };
  try {
    conversions_round_to_nearest_even();
    invalid_arguments<kernels::CudnnConv2d>();
    invalid_arguments<kernels::CudnnGraphConv2d>();
    graph_options_and_alignment();
    forward_only_passes();
    fused_epilogue();
    std::mt19937 rng(2024);
    for (const Case& tc : cases) {
      tc.shape.validate();
      const std::vector<float> x = random_floats(tc.shape.input_count(), rng);
      const std::vector<float> w = random_floats(tc.shape.weight_count(), rng);
      const std::vector<float> dy = random_floats(tc.shape.output_count(), rng);
      run_f32_nchw<kernels::CudnnConv2d>(tc, x, w, dy);
      run_bf16_nhwc<kernels::CudnnConv2d>(tc, x, w, dy);
      run_f32_nchw<kernels::CudnnGraphConv2d>(tc, x, w, dy);
      run_bf16_nhwc<kernels::CudnnGraphConv2d>(tc, x, w, dy);
      // The CUDA backend's layers: input channels padded to a multiple of 8.
      if (tc.shape.c % 8 == 0) {
        run_f32_nhwc<kernels::CudnnGraphConv2d>(tc, x, w, dy, kernels::ConvDataType::f32);
        run_f32_nhwc<kernels::CudnnGraphConv2d>(tc, x, w, dy, kernels::ConvDataType::tf32);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    return 1;
  }
  return test::check_exit_code();
}
