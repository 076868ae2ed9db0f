// CPU backend ops on top of core/nn.
#include "core/engine/cpu_backend.h"

#include "core/base/error.h"
#include "core/base/system_memory.h"
#include "core/engine/memory_plan.h"
#include "core/nn/bias_activation_cpu.h"
#include "core/nn/conv2d_cpu.h"
#include "core/nn/grad_clip.h"
#include "core/nn/loss_reference.h"
#include "core/nn/pad_reference.h"
#include "core/nn/plane_ops_cpu.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace atelier::engine {

namespace {
const float* f(const void* p) {
  return static_cast<const float*>(p);
}
float* f(void* p) {
  return static_cast<float*>(p);
}
std::span<const float> cspan(const void* p, std::size_t n) {
  return {f(p), n};
}
std::span<float> mspan(void* p, std::size_t n) {
  return {f(p), n};
}

// Mirror reflection without repeating the edge, period 2(n - 1) (n >= 2).
int reflect_index(int i, int n) {
  const int period = 2 * (n - 1);
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

void check_canonical(const Graph* g, std::size_t size) {
  if (!g) throw Error("cpu backend: bind_graph must come first");
  if (size != g->param_count())
    throw Error("cpu backend: " + std::to_string(size) + " parameter values given, the graph has " +
                std::to_string(g->param_count()));
}
} // namespace

CpuBackend::CpuBackend() = default;
CpuBackend::~CpuBackend() = default;

std::string CpuBackend::name() const {
  return std::string("cpu (") + nn::conv2d_cpu_backend_name() + ")";
}

void* CpuBackend::allocate(std::size_t bytes) {
  // Refused up front: with overcommit a block larger than what is free can
  // be granted, and the kernel then ends the process mid-step.
  if (const auto available = available_memory_bytes(); available && bytes > *available)
    throw Error("cpu backend: the step needs " + std::to_string(bytes >> 20) + " MiB, and " +
                std::to_string(*available >> 20) +
                " MiB of memory is available (lower the batch or crop size)");
  void* p = std::aligned_alloc(kArenaAlign, (std::max<std::size_t>(bytes, 1) + kArenaAlign - 1) /
                                                kArenaAlign * kArenaAlign);
  if (!p)
    throw Error("cpu backend: out of memory allocating " + std::to_string(bytes >> 20) +
                " MiB (lower the batch or crop size)");
  live_bytes_ += bytes;
  peak_bytes_ = std::max(peak_bytes_, live_bytes_);
  return p;
}

void CpuBackend::deallocate(void* p) noexcept {
  std::free(p);
}

void CpuBackend::upload_activation(const float* host, const Nchw& s, void* dst) {
  std::memcpy(dst, host, s.count() * sizeof(float));
}

void CpuBackend::download_activation(const void* src, const Nchw& s, float* host) {
  std::memcpy(host, src, s.count() * sizeof(float));
}

void CpuBackend::copy_in(void* dst, const void* host, std::size_t bytes) {
  std::memcpy(dst, host, bytes);
}

void CpuBackend::copy_out(void* host, const void* src, std::size_t bytes) {
  std::memcpy(host, src, bytes);
}

void CpuBackend::extract_tile(const float* image, int h, int w, int y0, int x0, void* tile, int th,
                              int tw) {
  float* t = f(tile);
  for (int ty = 0; ty < th; ++ty) {
    const float* row = image + std::size_t(reflect_index(y0 + ty, h)) * std::size_t(w);
    for (int tx = 0; tx < tw; ++tx)
      t[std::size_t(ty) * std::size_t(tw) + std::size_t(tx)] = row[reflect_index(x0 + tx, w)];
  }
}

void CpuBackend::insert_tile(const void* tile, int, int tw, int my, int mx, int ch, int cw,
                             float* image, int, int w, int y0, int x0) {
  const float* t = f(tile);
  for (int cy = 0; cy < ch; ++cy)
    std::memcpy(image + std::size_t(y0 + cy) * std::size_t(w) + std::size_t(x0),
                t + std::size_t(my + cy) * std::size_t(tw) + std::size_t(mx),
                std::size_t(cw) * sizeof(float));
}

void CpuBackend::bind_graph(const Graph& g) {
  if (!g.finished()) throw Error("cpu backend: the graph is not finished");
  graph_ = &g;
  params_.assign(g.param_count(), 0.0f);
  grads_.assign(g.param_count(), 0.0f);
  adam_ = {};
  sgd_ = {};
}

void CpuBackend::set_params(std::span<const float> canonical) {
  check_canonical(graph_, canonical.size());
  std::copy(canonical.begin(), canonical.end(), params_.begin());
}

void CpuBackend::get_params(std::span<float> canonical) {
  check_canonical(graph_, canonical.size());
  std::copy(params_.begin(), params_.end(), canonical.begin());
}

void CpuBackend::get_grads(std::span<float> canonical) {
  check_canonical(graph_, canonical.size());
  std::copy(grads_.begin(), grads_.end(), canonical.begin());
}

std::vector<std::string> CpuBackend::optimizer_state_names() const {
  std::vector<std::string> names;
  if (!adam_.m.empty()) names = {"exp_avg", "exp_avg_sq"};
  if (!sgd_.momentum_buffer.empty()) names.push_back("momentum_buffer");
  return names;
}

void CpuBackend::get_optimizer_state(const std::string& name, std::span<float> canonical) {
  check_canonical(graph_, canonical.size());
  const std::vector<float>* src = name == "exp_avg"           ? &adam_.m
                                  : name == "exp_avg_sq"      ? &adam_.v
                                  : name == "momentum_buffer" ? &sgd_.momentum_buffer
                                                              : nullptr;
  if (!src || src->empty()) throw Error("cpu backend: no optimizer state named " + name);
  std::copy(src->begin(), src->end(), canonical.begin());
}

void CpuBackend::set_optimizer_state(const std::string& name, std::span<const float> canonical) {
  check_canonical(graph_, canonical.size());
  std::vector<float>* dst = name == "exp_avg"           ? &adam_.m
                            : name == "exp_avg_sq"      ? &adam_.v
                            : name == "momentum_buffer" ? &sgd_.momentum_buffer
                                                        : nullptr;
  if (!dst) throw Error("cpu backend: no optimizer state named " + name);
  dst->assign(canonical.begin(), canonical.end());
}

std::span<float> CpuBackend::param_span(int param) {
  const Param& p = graph_->params().at(std::size_t(param));
  return std::span<float>(params_).subspan(p.offset, p.count);
}

std::span<float> CpuBackend::grad_span(int param) {
  const Param& p = graph_->params().at(std::size_t(param));
  return std::span<float>(grads_).subspan(p.offset, p.count);
}

std::size_t CpuBackend::prepare_conv(int, const ConvNode& conv, ConvPasses) {
  return nn::conv2d_cpu_workspace_floats(conv.shape) * sizeof(float);
}

void CpuBackend::conv_forward(int, const ConvNode& conv, const void* x, void* y, void* workspace) {
  const nn::Conv2dShape& s = conv.shape;
  const std::size_t ws = nn::conv2d_cpu_workspace_floats(s);
  nn::conv2d_forward_cpu(s, cspan(x, s.input_count()), param_span(conv.weight),
                         mspan(y, s.output_count()), mspan(workspace, ws));
  const std::span<const float> bias =
      conv.bias >= 0 ? std::span<const float>(param_span(conv.bias)) : std::span<const float>{};
  nn::bias_activation_forward_cpu(s.output(), cspan(y, s.output_count()), bias,
                                  mspan(y, s.output_count()), conv.act, conv.slope);
}

void CpuBackend::conv_backward(int, const ConvNode& conv, const void* x, const void* y, void* dy,
                               void* dx, void* workspace) {
  const nn::Conv2dShape& s = conv.shape;
  const std::size_t out = s.output_count();
  const std::size_t ws = nn::conv2d_cpu_workspace_floats(s);
  // The activations used here keep the sign of their input (identity, ReLU,
  // leaky ReLU with a positive slope), so act' is read off the output.
  nn::bias_activation_backward_cpu(s.output(), cspan(y, out), {}, cspan(dy, out), mspan(dy, out),
                                   conv.bias >= 0 ? grad_span(conv.bias) : std::span<float>{},
                                   conv.act, conv.slope);
  nn::conv2d_backward_filter_cpu(s, cspan(x, s.input_count()), cspan(dy, out),
                                 grad_span(conv.weight), mspan(workspace, ws));
  if (dx)
    nn::conv2d_backward_data_cpu(s, cspan(dy, out), param_span(conv.weight),
                                 mspan(dx, s.input_count()), mspan(workspace, ws));
}

void CpuBackend::max_pool_forward(const Nchw& in, const void* x, void* y, std::uint8_t* argmax) {
  nn::max_pool2x2_forward_cpu(in, f(x), f(y), argmax);
}

void CpuBackend::max_pool_backward(const Nchw& in, const std::uint8_t* argmax, const void* dy,
                                   void* dx) {
  nn::max_pool2x2_backward_cpu(in, argmax, f(dy), f(dx));
}

void CpuBackend::upsample_forward(const Nchw& in, const void* x, void* y) {
  nn::upsample_nearest2x_forward_cpu(in, f(x), f(y));
}

void CpuBackend::upsample_backward(const Nchw& in, const void* dy, void* dx) {
  nn::upsample_nearest2x_backward_cpu(in, f(dy), f(dx));
}

void CpuBackend::reflect_pad_forward(const Nchw& in, int pad, const void* x, void* y) {
  nn::reflect_pad_forward(in, pad, nn::Layout::nchw, cspan(x, in.count()),
                          mspan(y, nn::reflect_pad_output(in, pad).count()));
}

void CpuBackend::reflect_pad_backward(const Nchw& in, int pad, const void* dy, void* dx) {
  nn::reflect_pad_backward(in, pad, nn::Layout::nchw,
                           cspan(dy, nn::reflect_pad_output(in, pad).count()),
                           mspan(dx, in.count()));
}

void CpuBackend::concat_forward(const Nchw& a, int c2, const void* xa, const void* xb, void* y) {
  nn::concat_channels_forward_cpu(a, c2, f(xa), f(xb), f(y));
}

void CpuBackend::concat_backward(const Nchw& a, int c2, const void* dy, void* da, void* db) {
  nn::concat_channels_backward_cpu(a, c2, f(dy), f(da), f(db));
}

void CpuBackend::accumulate(void* acc, const void* x, std::size_t count) {
  float* a = f(acc);
  const float* b = f(x);
  for (std::size_t i = 0; i < count; ++i)
    a[i] += b[i];
}

void CpuBackend::loss_forward(LossKind kind, const void* pred, const void* target,
                              std::size_t count) {
  loss_ = kind == LossKind::mse ? nn::mse_loss_forward(cspan(pred, count), cspan(target, count))
                                : nn::l1_loss_forward(cspan(pred, count), cspan(target, count));
}

void CpuBackend::loss_backward(LossKind kind, const void* pred, const void* target, void* dpred,
                               std::size_t count) {
  if (kind == LossKind::mse)
    nn::mse_loss_backward(cspan(pred, count), cspan(target, count), mspan(dpred, count));
  else
    nn::l1_loss_backward(cspan(pred, count), cspan(target, count), mspan(dpred, count));
}

void CpuBackend::optimizer_step(const OptimizerStep& step) {
  if (!graph_) throw Error("cpu backend: bind_graph must come first");
  const std::span<float> all[1] = {std::span<float>(grads_)};
  grad_norm_ = step.clip_norm > 0 ? nn::clip_grad_norm(all, step.clip_norm)
                                  : nn::global_grad_norm(std::span<const std::span<float>>(all));
  if (step.kind == OptimizerKind::sgd) {
    sgd_.step = step.step - 1;
    nn::sgd_step(step.sgd, params_, grads_, sgd_);
  } else {
    nn::AdamOptions o = step.adam;
    o.decoupled_weight_decay = step.kind == OptimizerKind::adamw;
    adam_.step = step.step - 1;
    nn::adam_step(o, params_, grads_, adam_);
  }
}

} // namespace atelier::engine
