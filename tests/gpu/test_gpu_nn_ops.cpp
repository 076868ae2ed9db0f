// The training ops' GPU kernels (kernels/bias_activation, pool, upsample,
// concat, loss) against the CPU reference (core/nn/*_reference.h) on random
// NHWC tensors of odd and even extents, f32 and bf16 storage, and f16
// storage with a loss scale (test_f16_storage).
// Tolerances: f32 elementwise |gpu - ref| <= 1e-6 |ref| + 1e-6 (f32 math vs
// the double reference); bf16 inputs are rounded on the host first, so the
// reference sees the same values, and outputs get 1e-2 |ref| (one bf16
// rounding is 2^-9). db is compared against 1e-6 (f32) / 1e-5 (bf16) times
// the sum of |terms| of its channel (cancellation). Pooling, upsampling and
// concatenation must match exactly, bf16 included (the GPU adds the 2x2 block
// in the reference's order and rounds like the host).
#include "core/base/half.h"
#include "core/nn/bias_activation_reference.h"
#include "core/nn/concat_reference.h"
#include "core/nn/loss_reference.h"
#include "core/nn/pad_reference.h"
#include "core/nn/pool_reference.h"
#include "core/nn/stem_fold.h"
#include "core/nn/upsample_reference.h"
#include "kernels/bias_activation.h"
#include "kernels/channel_pick.h"
#include "kernels/concat.h"
#include "kernels/convert.h"
#include "kernels/device_info.h"
#include "kernels/fill.h"
#include "kernels/loss.h"
#include "kernels/pad.h"
#include "kernels/pool.h"
#include "kernels/stem_fold.h"
#include "kernels/upsample.h"
#include "tests/support/plain_check.h"

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

using namespace atelier;
using nn::Layout;
using nn::Nchw;

namespace {

#define CUDA_OK(expr) CHECK((expr) == cudaSuccess)

struct DeviceBuffer {
  void* ptr = nullptr;
  explicit DeviceBuffer(std::size_t bytes) { CUDA_OK(cudaMalloc(&ptr, bytes ? bytes : 1)); }
  ~DeviceBuffer() { cudaFree(ptr); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  float* f32() const { return static_cast<float*>(ptr); }
  std::uint16_t* bf16() const { return static_cast<std::uint16_t*>(ptr); }
  std::uint8_t* u8() const { return static_cast<std::uint8_t*>(ptr); }
};

template <typename T>
void upload(DeviceBuffer& buf, const std::vector<T>& host) {
  CUDA_OK(cudaMemcpy(buf.ptr, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
}

template <typename T>
std::vector<T> download(const DeviceBuffer& buf, std::size_t count) {
  std::vector<T> host(count);
  CUDA_OK(cudaDeviceSynchronize());
  CUDA_OK(cudaMemcpy(host.data(), buf.ptr, count * sizeof(T), cudaMemcpyDeviceToHost));
  return host;
}

// Round to nearest even, as __float2bfloat16_rn (inputs here are finite).
std::uint16_t to_bf16(float f) {
  std::uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>(bits >> 16);
}

float from_bf16(std::uint16_t b) {
  const std::uint32_t bits = std::uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

std::vector<std::uint16_t> to_bf16(const std::vector<float>& v) {
  std::vector<std::uint16_t> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    out[i] = to_bf16(v[i]);
  return out;
}

std::vector<float> from_bf16(const std::vector<std::uint16_t>& v) {
  std::vector<float> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    out[i] = from_bf16(v[i]);
  return out;
}

// The bf16-representable values nearest to v (what the GPU will see).
std::vector<float> bf16_rounded(const std::vector<float>& v) {
  return from_bf16(to_bf16(v));
}

std::vector<float> random_floats(std::size_t count, std::mt19937& rng, float lo = -1.0f,
                                 float hi = 1.0f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(count);
  for (auto& x : v)
    x = d(rng);
  return v;
}

// |gpu - ref| <= rel |ref| + abs for every element; prints the worst one.
void compare(const char* label, const std::vector<float>& gpu, const std::vector<float>& ref,
             double rel, double abs) {
  CHECK(gpu.size() == ref.size());
  std::size_t bad = 0, worst = 0;
  double worst_ratio = 0.0;
  for (std::size_t i = 0; i < ref.size() && i < gpu.size(); ++i) {
    const double tol = rel * std::fabs(ref[i]) + abs;
    const double err = std::fabs(double(gpu[i]) - ref[i]);
    if (!(err <= tol)) ++bad; // NaN counts as bad
    const double ratio = tol > 0 ? err / tol : (err > 0 ? INFINITY : 0.0);
    if (!(ratio <= worst_ratio)) {
      worst_ratio = ratio;
      worst = i;
    }
  }
  std::printf("  %-44s worst |err|/tol %.3f (gpu %.9g ref %.9g)\n", label, worst_ratio,
              double(gpu[worst]), double(ref[worst]));
  if (bad) std::fprintf(stderr, "  %s: %zu of %zu out of tolerance\n", label, bad, ref.size());
  CHECK(bad == 0);
}

template <typename T>
void compare_exact(const char* label, const std::vector<T>& gpu, const std::vector<T>& ref) {
  std::size_t bad = 0;
  for (std::size_t i = 0; i < ref.size() && i < gpu.size(); ++i)
    if (std::memcmp(&gpu[i], &ref[i], sizeof(T)) != 0) ++bad;
  std::printf("  %-44s %s\n", label, bad ? "MISMATCH" : "exact");
  if (bad) std::fprintf(stderr, "  %s: %zu of %zu differ\n", label, bad, ref.size());
  CHECK(gpu.size() == ref.size() && bad == 0);
}

struct Shape {
  int n, h, w, c;
  Nchw nchw() const { return {n, c, h, w}; }
  std::size_t pixels() const { return std::size_t(n) * h * w; }
  std::size_t count() const { return pixels() * c; }
};

const char* act_name(nn::Activation a) {
  switch (a) {
  case nn::Activation::identity: return "identity";
  case nn::Activation::relu: return "relu";
  case nn::Activation::leaky_relu: return "leaky_relu";
  case nn::Activation::gelu_tanh: return "gelu_tanh";
  }
  return "?";
}

// Per-channel sum of |dy * act'(x + b)| (NHWC): the scale of db's rounding.
std::vector<float> db_scale(const Shape& s, const std::vector<float>& x,
                            const std::vector<float>& b, const std::vector<float>& dy,
                            nn::Activation act, float slope) {
  std::vector<double> sums(s.c, 0.0);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const int c = int(i % s.c);
    sums[c] += std::fabs(dy[i] * nn::activation_derivative(act, double(x[i]) + b[c], slope));
  }
  return {sums.begin(), sums.end()};
}

void compare_db(const char* label, const std::vector<float>& gpu, const std::vector<float>& ref,
                const std::vector<float>& scale, double rel) {
  std::size_t bad = 0;
  for (std::size_t c = 0; c < ref.size(); ++c)
    if (!(std::fabs(double(gpu[c]) - ref[c]) <= rel * (scale[c] + 1.0))) ++bad;
  std::printf("  %-44s %s\n", label, bad ? "MISMATCH" : "ok");
  CHECK(bad == 0);
}

void test_bias_activation(const Shape& s, std::mt19937& rng) {
  const auto x = random_floats(s.count(), rng, -3.0f, 3.0f);
  const auto bias = random_floats(s.c, rng, -0.5f, 0.5f);
  const auto dy = random_floats(s.count(), rng);
  const float slope = 0.1f;
  const Nchw e = s.nchw();
  DeviceBuffer x_d(s.count() * 4), y_d(s.count() * 4), dy_d(s.count() * 4), dx_d(s.count() * 4),
      b_d(s.c * 4), db_d(s.c * 4),
      ws(kernels::bias_activation_backward_workspace_bytes(s.pixels(), s.c));
  upload(b_d, bias);
  const auto xr = bf16_rounded(x), dyr = bf16_rounded(dy);
  for (auto act : {nn::Activation::identity, nn::Activation::relu, nn::Activation::leaky_relu,
                   nn::Activation::gelu_tanh}) {
    const auto kact = static_cast<kernels::Activation>(act);
    char label[128];
    // f32
    std::vector<float> y(s.count()), dx(s.count()), db(s.c);
    nn::bias_activation_forward(e, Layout::nhwc, x, bias, y, act, slope);
    nn::bias_activation_backward(e, Layout::nhwc, x, bias, dy, dx, db, act, slope);
    upload(x_d, x);
    upload(dy_d, dy);
    kernels::bias_activation_forward(kernels::Storage::f32, x_d.f32(), b_d.f32(), y_d.f32(),
                                     s.pixels(), s.c, kact, slope, nullptr);
    kernels::bias_activation_backward(kernels::Storage::f32, x_d.f32(), b_d.f32(), dy_d.f32(),
                                      dx_d.f32(), db_d.f32(), ws.ptr, s.pixels(), s.c, kact, slope,
                                      nullptr);
    std::snprintf(label, sizeof label, "bias+%s f32 y", act_name(act));
    compare(label, download<float>(y_d, s.count()), y, 1e-6, 1e-6);
    std::snprintf(label, sizeof label, "bias+%s f32 dx", act_name(act));
    compare(label, download<float>(dx_d, s.count()), dx, 1e-6, 1e-6);
    std::snprintf(label, sizeof label, "bias+%s f32 db", act_name(act));
    compare_db(label, download<float>(db_d, s.c), db, db_scale(s, x, bias, dy, act, slope), 1e-6);
    // No bias, no db.
    nn::bias_activation_forward(e, Layout::nhwc, x, {}, y, act, slope);
    kernels::bias_activation_forward(kernels::Storage::f32, x_d.f32(), nullptr, y_d.f32(),
                                     s.pixels(), s.c, kact, slope, nullptr);
    std::snprintf(label, sizeof label, "%s f32 y (no bias)", act_name(act));
    compare(label, download<float>(y_d, s.count()), y, 1e-6, 1e-6);
    // bf16 storage on the rounded inputs.
    nn::bias_activation_forward(e, Layout::nhwc, xr, bias, y, act, slope);
    nn::bias_activation_backward(e, Layout::nhwc, xr, bias, dyr, dx, db, act, slope);
    upload(x_d, to_bf16(x));
    upload(dy_d, to_bf16(dy));
    kernels::bias_activation_forward(kernels::Storage::bf16, x_d.bf16(), b_d.f32(), y_d.bf16(),
                                     s.pixels(), s.c, kact, slope, nullptr);
    kernels::bias_activation_backward(kernels::Storage::bf16, x_d.bf16(), b_d.f32(), dy_d.bf16(),
                                      dx_d.bf16(), db_d.f32(), ws.ptr, s.pixels(), s.c, kact, slope,
                                      nullptr);
    std::snprintf(label, sizeof label, "bias+%s bf16 y", act_name(act));
    compare(label, from_bf16(download<std::uint16_t>(y_d, s.count())), y, 1e-2, 1e-6);
    std::snprintf(label, sizeof label, "bias+%s bf16 dx", act_name(act));
    compare(label, from_bf16(download<std::uint16_t>(dx_d, s.count())), dx, 1e-2, 1e-6);
    std::snprintf(label, sizeof label, "bias+%s bf16 db", act_name(act));
    compare_db(label, download<float>(db_d, s.c), db, db_scale(s, xr, bias, dyr, act, slope), 1e-5);
  }
}

void test_pool(const Shape& s, std::mt19937& rng) {
  // Quarter steps make ties within windows common.
  auto x = random_floats(s.count(), rng, -4.0f, 4.0f);
  for (auto& v : x)
    v = std::round(v * 4.0f) / 4.0f;
  const Nchw e = s.nchw(), o = nn::max_pool2x2_output(e);
  const auto dy = random_floats(o.count(), rng);
  std::vector<float> y(o.count()), dx(s.count());
  std::vector<std::uint8_t> arg(o.count());
  nn::max_pool2x2_forward(e, Layout::nhwc, x, y, arg);
  nn::max_pool2x2_backward(e, Layout::nhwc, arg, dy, dx);
  DeviceBuffer x_d(s.count() * 4), y_d(o.count() * 4), arg_d(o.count()), dy_d(o.count() * 4),
      dx_d(s.count() * 4);
  upload(x_d, x);
  upload(dy_d, dy);
  kernels::max_pool2x2_forward(kernels::Storage::f32, x_d.f32(), y_d.f32(), arg_d.u8(), s.n, s.h,
                               s.w, s.c, nullptr);
  kernels::max_pool2x2_backward(kernels::Storage::f32, arg_d.u8(), dy_d.f32(), dx_d.f32(), s.n, s.h,
                                s.w, s.c, nullptr);
  compare_exact("maxpool f32 y", download<float>(y_d, o.count()), y);
  compare_exact("maxpool f32 argmax", download<std::uint8_t>(arg_d, o.count()), arg);
  compare_exact("maxpool f32 dx", download<float>(dx_d, s.count()), dx);
  // bf16: x is already bf16-exact (quarter steps); dy is rounded.
  const auto dyr = bf16_rounded(dy);
  nn::max_pool2x2_backward(e, Layout::nhwc, arg, dyr, dx);
  upload(x_d, to_bf16(x));
  upload(dy_d, to_bf16(dy));
  kernels::max_pool2x2_forward(kernels::Storage::bf16, x_d.bf16(), y_d.bf16(), arg_d.u8(), s.n, s.h,
                               s.w, s.c, nullptr);
  kernels::max_pool2x2_backward(kernels::Storage::bf16, arg_d.u8(), dy_d.bf16(), dx_d.bf16(), s.n,
                                s.h, s.w, s.c, nullptr);
  compare_exact("maxpool bf16 y", from_bf16(download<std::uint16_t>(y_d, o.count())), y);
  compare_exact("maxpool bf16 argmax", download<std::uint8_t>(arg_d, o.count()), arg);
  compare_exact("maxpool bf16 dx", from_bf16(download<std::uint16_t>(dx_d, s.count())), dx);
}

void test_upsample(const Shape& s, std::mt19937& rng) {
  const Nchw e = s.nchw(), o = nn::upsample_nearest2x_output(e);
  const auto x = random_floats(s.count(), rng);
  const auto dy = random_floats(o.count(), rng);
  std::vector<float> y(o.count()), dx(s.count());
  nn::upsample_nearest2x_forward(e, Layout::nhwc, x, y);
  nn::upsample_nearest2x_backward(e, Layout::nhwc, dy, dx);
  DeviceBuffer x_d(s.count() * 4), y_d(o.count() * 4), dy_d(o.count() * 4), dx_d(s.count() * 4);
  upload(x_d, x);
  upload(dy_d, dy);
  kernels::upsample_nearest2x_forward(kernels::Storage::f32, x_d.f32(), y_d.f32(), s.n, s.h, s.w,
                                      s.c, nullptr);
  kernels::upsample_nearest2x_backward(kernels::Storage::f32, dy_d.f32(), dx_d.f32(), s.n, s.h, s.w,
                                       s.c, nullptr);
  compare_exact("upsample f32 y", download<float>(y_d, o.count()), y);
  compare_exact("upsample f32 dx", download<float>(dx_d, s.count()), dx);
  // bf16: the reference on rounded inputs, its f32 block sums rounded once.
  const auto xr = bf16_rounded(x), dyr = bf16_rounded(dy);
  nn::upsample_nearest2x_forward(e, Layout::nhwc, xr, y);
  nn::upsample_nearest2x_backward(e, Layout::nhwc, dyr, dx);
  upload(x_d, to_bf16(x));
  upload(dy_d, to_bf16(dy));
  kernels::upsample_nearest2x_forward(kernels::Storage::bf16, x_d.bf16(), y_d.bf16(), s.n, s.h, s.w,
                                      s.c, nullptr);
  kernels::upsample_nearest2x_backward(kernels::Storage::bf16, dy_d.bf16(), dx_d.bf16(), s.n, s.h,
                                       s.w, s.c, nullptr);
  compare_exact("upsample bf16 y", download<std::uint16_t>(y_d, o.count()), to_bf16(y));
  compare_exact("upsample bf16 dx", download<std::uint16_t>(dx_d, s.count()), to_bf16(dx));
}

void test_concat(const Shape& s, int c2, std::mt19937& rng) {
  const Nchw e = s.nchw();
  const std::size_t nb = s.pixels() * c2, ny = s.count() + nb;
  const auto a = random_floats(s.count(), rng), b = random_floats(nb, rng);
  const auto dy = random_floats(ny, rng);
  std::vector<float> y(ny), da(s.count()), db(nb);
  nn::concat_channels_forward(e, c2, Layout::nhwc, a, b, y);
  nn::concat_channels_backward(e, c2, Layout::nhwc, dy, da, db);
  DeviceBuffer a_d(s.count() * 4), b_d(nb * 4), y_d(ny * 4), dy_d(ny * 4), da_d(s.count() * 4),
      db_d(nb * 4);
  upload(a_d, a);
  upload(b_d, b);
  upload(dy_d, dy);
  kernels::concat_channels_forward(kernels::Storage::f32, a_d.f32(), b_d.f32(), y_d.f32(),
                                   s.pixels(), s.c, c2, nullptr);
  kernels::concat_channels_backward(kernels::Storage::f32, dy_d.f32(), da_d.f32(), db_d.f32(),
                                    s.pixels(), s.c, c2, nullptr);
  compare_exact("concat f32 y", download<float>(y_d, ny), y);
  compare_exact("concat f32 da", download<float>(da_d, s.count()), da);
  compare_exact("concat f32 db", download<float>(db_d, nb), db);
  upload(a_d, to_bf16(a));
  upload(b_d, to_bf16(b));
  upload(dy_d, to_bf16(dy));
  kernels::concat_channels_forward(kernels::Storage::bf16, a_d.bf16(), b_d.bf16(), y_d.bf16(),
                                   s.pixels(), s.c, c2, nullptr);
  kernels::concat_channels_backward(kernels::Storage::bf16, dy_d.bf16(), da_d.bf16(), db_d.bf16(),
                                    s.pixels(), s.c, c2, nullptr);
  compare_exact("concat bf16 y", download<std::uint16_t>(y_d, ny), to_bf16(y));
  compare_exact("concat bf16 da", download<std::uint16_t>(da_d, s.count()), to_bf16(da));
  compare_exact("concat bf16 db", download<std::uint16_t>(db_d, nb), to_bf16(db));
}

// The U-Net head's concat stored padded: 96 + 1 channels into 104 (the GPU
// backend's multiple of 8). The forward writes zeros past 97 over whatever
// was there; the backward reads only the first 97 of dy's 104.
void test_concat_padded(std::size_t pixels, std::mt19937& rng) {
  constexpr int c1 = 96, c2 = 1, c_out = 104;
  const auto a = random_floats(pixels * c1, rng), b = random_floats(pixels * c2, rng);
  const auto dy = random_floats(pixels * c_out, rng);
  std::vector<float> y(pixels * c_out, 0.0f), da(pixels * c1), db(pixels * c2);
  for (std::size_t p = 0; p < pixels; ++p) {
    for (int c = 0; c < c1; ++c) {
      y[p * c_out + c] = a[p * c1 + c];
      da[p * c1 + c] = dy[p * c_out + c];
    }
    y[p * c_out + c1] = b[p];
    db[p] = dy[p * c_out + c1];
  }
  DeviceBuffer a_d(a.size() * 4), b_d(b.size() * 4), y_d(y.size() * 4), dy_d(dy.size() * 4),
      da_d(da.size() * 4), db_d(db.size() * 4);
  upload(a_d, a);
  upload(b_d, b);
  upload(dy_d, dy);
  CUDA_OK(cudaMemset(y_d.ptr, 0x7f, y.size() * 4)); // stale values where the zeros go
  kernels::concat_channels_forward(kernels::Storage::f32, a_d.f32(), b_d.f32(), y_d.f32(), pixels,
                                   c1, c2, nullptr, c_out);
  kernels::concat_channels_backward(kernels::Storage::f32, dy_d.f32(), da_d.f32(), db_d.f32(),
                                    pixels, c1, c2, nullptr, c_out);
  compare_exact("concat 96+1->104 f32 y", download<float>(y_d, y.size()), y);
  compare_exact("concat 96+1->104 f32 da", download<float>(da_d, da.size()), da);
  compare_exact("concat 96+1->104 f32 db", download<float>(db_d, db.size()), db);
  upload(a_d, to_bf16(a));
  upload(b_d, to_bf16(b));
  upload(dy_d, to_bf16(dy));
  CUDA_OK(cudaMemset(y_d.ptr, 0x7f, y.size() * 2));
  kernels::concat_channels_forward(kernels::Storage::bf16, a_d.bf16(), b_d.bf16(), y_d.bf16(),
                                   pixels, c1, c2, nullptr, c_out);
  kernels::concat_channels_backward(kernels::Storage::bf16, dy_d.bf16(), da_d.bf16(), db_d.bf16(),
                                    pixels, c1, c2, nullptr, c_out);
  compare_exact("concat 96+1->104 bf16 y", download<std::uint16_t>(y_d, y.size()), to_bf16(y));
  compare_exact("concat 96+1->104 bf16 da", download<std::uint16_t>(da_d, da.size()), to_bf16(da));
  compare_exact("concat 96+1->104 bf16 db", download<std::uint16_t>(db_d, db.size()), to_bf16(db));
}

// Reflection padding: the forward copies (exact); the backward sums up to 9
// mirror images in another order than the reference (f32 rounding only).
void test_reflect_pad(const Shape& s, int pad, std::mt19937& rng) {
  const Nchw e = s.nchw();
  const Nchw o = nn::reflect_pad_output(e, pad);
  const auto x = random_floats(e.count(), rng);
  const auto dy = random_floats(o.count(), rng);
  std::vector<float> y(o.count()), dx(e.count());
  nn::reflect_pad_forward(e, pad, Layout::nhwc, x, y);
  nn::reflect_pad_backward(e, pad, Layout::nhwc, dy, dx);
  DeviceBuffer x_d(e.count() * 4), y_d(o.count() * 4), dy_d(o.count() * 4), dx_d(e.count() * 4);
  upload(x_d, x);
  upload(dy_d, dy);
  kernels::reflect_pad_forward(kernels::Storage::f32, x_d.f32(), y_d.f32(), s.n, s.h, s.w, s.c, pad,
                               nullptr);
  kernels::reflect_pad_backward(kernels::Storage::f32, dy_d.f32(), dx_d.f32(), s.n, s.h, s.w, s.c,
                                pad, nullptr);
  compare_exact("reflect pad f32 y", download<float>(y_d, o.count()), y);
  const auto gdx = download<float>(dx_d, e.count());
  double worst = 0;
  for (std::size_t i = 0; i < dx.size(); ++i)
    worst = std::max(worst, std::abs(double(gdx[i]) - dx[i]) / (1.0 + std::abs(double(dx[i]))));
  CHECK(worst < 1e-5);
  upload(x_d, to_bf16(x));
  kernels::reflect_pad_forward(kernels::Storage::bf16, x_d.bf16(), y_d.bf16(), s.n, s.h, s.w, s.c,
                               pad, nullptr);
  compare_exact("reflect pad bf16 y", download<std::uint16_t>(y_d, o.count()), to_bf16(y));
}

void test_loss(const Shape& s, std::mt19937& rng) {
  const std::size_t n = s.count();
  const auto pred = random_floats(n, rng);
  auto target = random_floats(n, rng);
  for (std::size_t i = 0; i < n; i += 17) // sign(0) = 0 for L1
    target[i] = pred[i];
  DeviceBuffer p_d(n * 4), t_d(n * 4), g_d(n * 4), loss_d(4), ws(kernels::loss_workspace_bytes());
  for (auto kind : {kernels::Loss::mse, kernels::Loss::l1}) {
    const bool mse = kind == kernels::Loss::mse;
    const char* name = mse ? "mse" : "l1";
    const double scale = (mse ? 2.0 : 1.0) / double(n);
    char label[128];
    for (bool bf16 : {false, true}) {
      // bf16 predictions, f32 targets (the target is not rounded).
      const auto p = bf16 ? bf16_rounded(pred) : pred;
      auto t = target;
      for (std::size_t i = 0; i < n; i += 17)
        t[i] = p[i];
      std::vector<float> g(n);
      const double loss = mse ? nn::mse_loss_forward(p, t) : nn::l1_loss_forward(p, t);
      if (mse)
        nn::mse_loss_backward(p, t, g);
      else
        nn::l1_loss_backward(p, t, g);
      if (bf16) {
        upload(p_d, to_bf16(pred));
        upload(t_d, t);
        kernels::loss_forward(kind, kernels::Storage::bf16, p_d.bf16(), t_d.f32(), n, loss_d.f32(),
                              ws.ptr, nullptr);
        kernels::loss_backward(kind, kernels::Storage::bf16, p_d.bf16(), t_d.f32(), g_d.bf16(), n,
                               nullptr);
      } else {
        upload(p_d, pred);
        upload(t_d, target);
        kernels::loss_forward(kind, kernels::Storage::f32, p_d.f32(), t_d.f32(), n, loss_d.f32(),
                              ws.ptr, nullptr);
        kernels::loss_backward(kind, kernels::Storage::f32, p_d.f32(), t_d.f32(), g_d.f32(), n,
                               nullptr);
      }
      const float gpu_loss = download<float>(loss_d, 1)[0];
      std::printf("  %s %s loss gpu %.9g ref %.9g\n", name, bf16 ? "bf16" : "f32", double(gpu_loss),
                  loss);
      CHECK_NEAR(gpu_loss, loss, 0.0, 1e-6);
      std::snprintf(label, sizeof label, "%s %s dpred", name, bf16 ? "bf16" : "f32");
      const auto gg = bf16 ? from_bf16(download<std::uint16_t>(g_d, n)) : download<float>(g_d, n);
      compare(label, gg, g, bf16 ? 1e-2 : 1e-6, 1e-6 * scale);
      std::size_t zeros = 0;
      for (std::size_t i = 0; i < n; i += 17)
        zeros += gg[i] == 0.0f;
      if (!mse) CHECK(zeros == (n + 16) / 17);
    }
  }
}

} // namespace

// The folded input of a one-channel stem (kernels/stem_fold.h) against the
// CPU reference in NHWC: a copy, so exact in f32 and bf16.
void test_stem_fold(std::mt19937& rng) {
  const nn::Conv2dShape s = nn::Conv2dShape::square(2, 1, 13, 17, 6, 11, 11, 5);
  const nn::Conv2dShape f = nn::stem_folded_shape(s, 8);
  const auto x = random_floats(s.input_count(), rng);
  std::vector<float> ref(f.input_count());
  nn::stem_fold_input(s, 8, Layout::nhwc, x, ref); // one channel: NCHW = NHWC
  DeviceBuffer x_d(x.size() * 4), y_d(ref.size() * 4);
  upload(x_d, x);
  kernels::stem_fold(kernels::Storage::f32, x_d.f32(), y_d.f32(), s.n, s.h, s.w, s.s, s.pad_w, f.c,
                     nullptr);
  compare_exact("stem fold f32", download<float>(y_d, ref.size()), ref);
  upload(x_d, to_bf16(x));
  kernels::stem_fold(kernels::Storage::bf16, x_d.bf16(), y_d.bf16(), s.n, s.h, s.w, s.s, s.pad_w,
                     f.c, nullptr);
  compare_exact("stem fold bf16", download<std::uint16_t>(y_d, ref.size()), to_bf16(ref));
}

// One channel of an NHWC tensor (kernels/channel_pick.h): exact.
void test_pick_channel(std::mt19937& rng) {
  const std::size_t pixels = 3 * 37 * 29;
  const auto x = random_floats(pixels * 8, rng);
  std::vector<float> ref(pixels);
  for (std::size_t p = 0; p < pixels; ++p)
    ref[p] = x[p * 8 + 5];
  DeviceBuffer x_d(x.size() * 4), y_d(pixels * 4);
  upload(x_d, x);
  kernels::pick_channel(kernels::Storage::f32, x_d.f32(), y_d.f32(), pixels, 8, 5, nullptr);
  compare_exact("pick channel f32", download<float>(y_d, pixels), ref);
  upload(x_d, to_bf16(x));
  kernels::pick_channel(kernels::Storage::bf16, x_d.bf16(), y_d.bf16(), pixels, 8, 5, nullptr);
  compare_exact("pick channel bf16", download<std::uint16_t>(y_d, pixels), to_bf16(ref));
}

// The trial-run fills (kernels/fill.h): the same values as on the host, f32
// exactly, bf16 as its rounding; in range, centred, different per seed.
void test_fill_uniform() {
  const std::size_t n = 100003;
  std::vector<float> ref(n);
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    ref[i] = kernels::hashed_uniform(11, i, 0.25f);
    CHECK(ref[i] >= -0.25f && ref[i] < 0.25f);
    sum += ref[i];
  }
  CHECK(std::abs(sum / double(n)) < 0.01 * 0.25);
  CHECK(kernels::hashed_uniform(12, 0, 1.0f) != kernels::hashed_uniform(11, 0, 1.0f));
  DeviceBuffer d(n * 4);
  kernels::fill_uniform(kernels::Storage::f32, d.f32(), n, 11, 0.25f, nullptr);
  compare_exact("fill f32", download<float>(d, n), ref);
  kernels::fill_uniform(kernels::Storage::bf16, d.bf16(), n, 11, 0.25f, nullptr);
  compare_exact("fill bf16", download<std::uint16_t>(d, n), to_bf16(ref));
}

// f16 storage: conversions round like the host's float_to_half (and go to
// +-inf past 65504); the loss gradient carries a loss scale read from device
// memory, the bias gradient and the weight-gradient conversion its inverse,
// so the unscaled values come back; ops that copy or pick are exact.
void test_f16_storage(std::mt19937& rng) {
  const Shape s{2, 9, 11, 16};
  const std::size_t n = s.count();
  auto x = random_floats(n, rng, -3.0f, 3.0f);
  x[0] = 70000.0f; // past f16's range
  x[1] = -1e-6f;   // subnormal in f16
  std::vector<std::uint16_t> xh(n);
  std::vector<float> xr(n);
  for (std::size_t i = 0; i < n; ++i) {
    xh[i] = float_to_half(x[i]);
    xr[i] = half_to_float(xh[i]);
  }
  CHECK(std::isinf(xr[0]));
  DeviceBuffer f_d(n * 4), h_d(n * 2), scale_d(8);
  upload(f_d, x);
  kernels::convert_from_f32(f_d.f32(), kernels::Storage::f16, h_d.ptr, n, nullptr);
  compare_exact("f16 from f32", download<std::uint16_t>(h_d, n), xh);
  const std::vector<float> scales{1024.0f, 1.0f / 1024.0f};
  upload(scale_d, scales);
  kernels::convert_to_f32(kernels::Storage::f16, h_d.ptr, f_d.f32(), n, nullptr, scale_d.f32() + 1);
  std::vector<float> unscaled(n);
  for (std::size_t i = 0; i < n; ++i)
    unscaled[i] = xr[i] / 1024.0f;
  compare_exact("f16 to f32, unscaled", download<float>(f_d, n), unscaled);
  x[0] = 2.5f;
  xh[0] = float_to_half(x[0]);
  xr[0] = half_to_float(xh[0]);
  upload(h_d, xh);

  // The MSE gradient times 1024 in f16, against the reference's times 1024.
  const auto t = random_floats(n, rng);
  std::vector<float> g(n);
  nn::mse_loss_backward(xr, t, g);
  DeviceBuffer t_d(n * 4), g_d(n * 2);
  upload(t_d, t);
  kernels::loss_backward(kernels::Loss::mse, kernels::Storage::f16, h_d.ptr, t_d.f32(), g_d.ptr, n,
                         nullptr, scale_d.f32());
  std::vector<float> gpu_g(n), scaled_g(n);
  const auto gh = download<std::uint16_t>(g_d, n);
  for (std::size_t i = 0; i < n; ++i) {
    gpu_g[i] = half_to_float(gh[i]);
    scaled_g[i] = g[i] * 1024.0f;
  }
  compare("mse dpred f16, scaled", gpu_g, scaled_g, 1e-3, 1e-7);

  // Bias + leaky ReLU backward on the scaled gradient: dx scaled, db not.
  const auto bias = random_floats(s.c, rng, -0.5f, 0.5f);
  std::vector<float> dx(n), db(s.c);
  nn::bias_activation_backward(s.nchw(), Layout::nhwc, xr, bias, gpu_g, dx, db,
                               nn::Activation::leaky_relu, 0.1f);
  DeviceBuffer b_d(s.c * 4), db_d(s.c * 4), dx_d(n * 2),
      ws(kernels::bias_activation_backward_workspace_bytes(s.pixels(), s.c));
  upload(b_d, bias);
  kernels::bias_activation_backward(
      kernels::Storage::f16, h_d.ptr, b_d.f32(), g_d.ptr, dx_d.ptr, db_d.f32(), ws.ptr, s.pixels(),
      s.c, kernels::Activation::leaky_relu, 0.1f, nullptr, scale_d.f32() + 1);
  std::vector<float> gpu_dx(n);
  const auto dxh = download<std::uint16_t>(dx_d, n);
  for (std::size_t i = 0; i < n; ++i)
    gpu_dx[i] = half_to_float(dxh[i]);
  compare("bias+leaky f16 dx", gpu_dx, dx, 1e-3, 1e-6);
  for (float& v : db)
    v /= 1024.0f;
  const auto gpu_db = download<float>(db_d, s.c);
  compare("bias+leaky f16 db, unscaled", gpu_db, db, 1e-4, 1e-6);

  // Copies: exact in f16 as in bf16.
  const Shape o{s.n, s.h / 2, s.w / 2, s.c};
  std::vector<float> pooled(o.count());
  std::vector<std::uint8_t> argmax(o.count());
  nn::max_pool2x2_forward(s.nchw(), Layout::nhwc, xr, pooled, argmax);
  DeviceBuffer p_d(o.count() * 2), a_d(o.count());
  kernels::max_pool2x2_forward(kernels::Storage::f16, h_d.ptr, p_d.ptr, a_d.u8(), s.n, s.h, s.w,
                               s.c, nullptr);
  std::vector<std::uint16_t> pooled_h(o.count());
  for (std::size_t i = 0; i < o.count(); ++i)
    pooled_h[i] = float_to_half(pooled[i]);
  compare_exact("maxpool f16 y", download<std::uint16_t>(p_d, o.count()), pooled_h);
  kernels::fill_uniform(kernels::Storage::f16, g_d.ptr, n, 5, 0.5f, nullptr);
  std::vector<std::uint16_t> fill_ref(n);
  for (std::size_t i = 0; i < n; ++i)
    fill_ref[i] = float_to_half(kernels::hashed_uniform(5, i, 0.5f));
  compare_exact("fill f16", download<std::uint16_t>(g_d, n), fill_ref);
}

// Index math past 2^31 elements (the kernels use 32-bit index math below
// that, 64-bit above): a 1 x 8192 x 8192 x 8 bf16 image upsampled to 2^31
// outputs, pooled back, and both backward passes, checked at sampled
// positions (all the end, random elsewhere) against the exact expectation:
// small integers stay exact in bf16 through a max and a sum of four.
void test_index_past_2_31(std::mt19937& rng) {
  const int h = 8192, w = 8192, c = 8;
  const std::size_t in = std::size_t(h) * w * c, out = 4 * in; // out = 2^31
  std::size_t free_bytes = 0, total = 0;
  CUDA_OK(cudaMemGetInfo(&free_bytes, &total));
  if (free_bytes < (std::size_t(12) << 30)) {
    std::printf("index past 2^31: skipped (%zu MiB free, needs 12 GiB)\n", free_bytes >> 20);
    return;
  }
  auto bits = [](float v) {
    std::uint32_t u;
    std::memcpy(&u, &v, 4);
    return std::uint16_t(u >> 16); // exact for small integers
  };
  auto value = [](std::size_t i) { return float((i * 7) % 251); };
  std::vector<std::uint16_t> host(in);
  for (std::size_t i = 0; i < in; ++i)
    host[i] = bits(value(i));
  DeviceBuffer x(in * 2), y(out * 2), dx_small(in * 2), dx_big(out * 2), argmax(in);
  upload(x, host);
  host = {};
  kernels::upsample_nearest2x_forward(kernels::Storage::bf16, x.bf16(), y.bf16(), 1, h, w, c,
                                      nullptr); // 64-bit
  kernels::upsample_nearest2x_backward(kernels::Storage::bf16, y.bf16(), dx_small.bf16(), 1, h, w,
                                       c, nullptr);
  kernels::max_pool2x2_forward(kernels::Storage::bf16, y.bf16(), x.bf16(), argmax.u8(), 1, 2 * h,
                               2 * w, c, nullptr);
  kernels::max_pool2x2_backward(kernels::Storage::bf16, argmax.u8(), x.bf16(), dx_big.bf16(), 1,
                                2 * h, 2 * w, c,
                                nullptr); // 64-bit
  CUDA_OK(cudaDeviceSynchronize());
  auto at = [](const DeviceBuffer& b, std::size_t i) {
    std::uint16_t v = 0;
    CUDA_OK(cudaMemcpy(&v, b.bf16() + i, 2, cudaMemcpyDeviceToHost));
    std::uint32_t u = std::uint32_t(v) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  };
  std::uniform_int_distribution<std::size_t> pick(0, out - 1);
  std::size_t bad = 0;
  for (int k = 0; k < 2000; ++k) {
    const std::size_t o = k < 64 ? out - 1 - std::size_t(k) : pick(rng); // output index
    const std::size_t ch = o % c, ox = o / c % (2 * w), oy = o / c / (2 * w);
    const std::size_t i = ((oy / 2) * w + ox / 2) * c + ch; // its input
    const float expect = value(i);
    const bool top_left = oy % 2 == 0 && ox % 2 == 0; // pooling's argmax on ties
    bad += at(y, o) != expect;
    bad += at(dx_big, o) != (top_left ? expect : 0.0f);
    bad += at(dx_small, i) != 4 * expect;
    bad += at(x, i) != expect;
  }
  std::printf("index past 2^31: %zu mismatches in 8000 samples\n", bad);
  CHECK(bad == 0);
}

int main() {
  if (kernels::device_count() == 0) {
    std::printf("SKIP: no CUDA device\n");
    return test::kSkipExitCode;
  }
  std::mt19937 rng(2024);
  for (const Shape s :
       {Shape{2, 7, 9, 5}, Shape{1, 3, 3, 33}, Shape{2, 65, 33, 1}, Shape{8, 64, 64, 48}}) {
    std::printf("NHWC %d x %d x %d x %d\n", s.n, s.h, s.w, s.c);
    test_bias_activation(s, rng);
    test_pool(s, rng);
    test_upsample(s, rng);
    test_concat(s, s.c == 48 ? 49 : 3, rng); // 48 + 49: an odd channel count
    test_loss(s, rng);
    test_reflect_pad(s, std::min(2, std::min(int(s.h), int(s.w)) - 1), rng);
  }
  test_concat_padded(std::size_t(2) * 33 * 17, rng);
  test_stem_fold(rng);
  test_pick_channel(rng);
  test_fill_uniform();
  test_f16_storage(rng);
  test_index_past_2_31(rng);
  return test::check_exit_code();
}
