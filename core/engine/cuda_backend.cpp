// CUDA backend: buffers, layout conversions and op dispatch to kernels/.
#include "core/engine/cuda_backend.h"

#include "core/base/error.h"
#include "core/engine/backend_factory.h"
#include "core/engine/memory_plan.h"
#include "core/nn/stem_fold.h"
#include "kernels/bias_activation.h"
#include "kernels/channel_pick.h"
#include "kernels/concat.h"
#include "kernels/convert.h"
#include "kernels/cuda_error.h"
#include "kernels/cudnn_graph_conv.h"
#include "kernels/device_info.h"
#include "kernels/elementwise.h"
#include "kernels/gpu_runtime.h"
#include "kernels/loss.h"
#include "kernels/loss_scale.h"
#include "kernels/optimizer.h"
#include "kernels/pad.h"
#include "kernels/pool.h"
#include "kernels/stem_fold.h"
#include "kernels/tile_copy.h"
#include "kernels/upsample.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <set>

namespace atelier::engine {

namespace k = atelier::kernels;

const char* precision_name(Precision p) {
  switch (p) {
  case Precision::bf16: return "bf16";
  case Precision::tf32: return "tf32";
  case Precision::fp16: return "fp16";
  default: return "fp32";
  }
}

Precision parse_precision(const std::string& name) {
  for (const Precision p : {Precision::fp32, Precision::tf32, Precision::bf16, Precision::fp16})
    if (name == precision_name(p)) return p;
  throw Error("unknown precision '" + name + "' (choices: " + precision_choices() + ")");
}

int min_compute_capability(Precision p) {
  return p == Precision::bf16 || p == Precision::tf32 ? 80 : 75;
}

namespace {

// Device memory owned by the backend.
struct Buffer {
  void* ptr = nullptr;
  std::size_t bytes = 0;
};

k::Activation to_kernel(Activation a) {
  switch (a) {
  case Activation::identity: return k::Activation::identity;
  case Activation::relu: return k::Activation::relu;
  case Activation::leaky_relu: return k::Activation::leaky_relu;
  case Activation::gelu_tanh: return k::Activation::gelu_tanh;
  }
  return k::Activation::identity;
}

constexpr int kAlign = 8; // channel_align()
// Finite steps in a row before the loss scale doubles (GradScaler's default).
constexpr int kLossScaleInterval = 2000;
int ch(int c) {
  return aligned_channels(c, kAlign);
}

// KCRS (canonical) <-> KRSC' (the NHWC filter layout, C' = C padded with
// zero filters' channels to the stored channel count).
void kcrs_to_krsc(const float* src, float* dst, const std::vector<std::int64_t>& shape) {
  const std::int64_t K = shape[0], C = shape[1], RS = shape[2] * shape[3], Cp = ch(int(C));
  for (std::int64_t kk = 0; kk < K; ++kk)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t rs = 0; rs < RS; ++rs)
        dst[(kk * RS + rs) * Cp + c] = src[(kk * C + c) * RS + rs];
}
void krsc_to_kcrs(const float* src, float* dst, const std::vector<std::int64_t>& shape) {
  const std::int64_t K = shape[0], C = shape[1], RS = shape[2] * shape[3], Cp = ch(int(C));
  for (std::int64_t kk = 0; kk < K; ++kk)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t rs = 0; rs < RS; ++rs)
        dst[(kk * C + c) * RS + rs] = src[(kk * RS + rs) * Cp + c];
}

// A folded stem's weights (core/nn/stem_fold.h): canonical K x 1 x R x S <->
// the folded layer's KRSC, K x R x 1 x C'.
void fold_to_krsc(const nn::Conv2dShape& s, const float* src, float* dst) {
  const nn::Conv2dShape f = nn::stem_folded_shape(s, kAlign);
  std::vector<float> folded(f.weight_count()); // K x C' x R x 1
  nn::stem_fold_weights(s, kAlign, std::span(src, s.weight_count()), folded);
  for (int k = 0; k < f.k; ++k)
    for (int r = 0; r < f.r; ++r)
      for (int c = 0; c < f.c; ++c)
        dst[(std::size_t(k) * f.r + r) * f.c + c] = folded[(std::size_t(k) * f.c + c) * f.r + r];
}
void krsc_to_unfolded(const nn::Conv2dShape& s, const float* src, float* dst) {
  const nn::Conv2dShape f = nn::stem_folded_shape(s, kAlign);
  std::vector<float> folded(f.weight_count());
  for (int k = 0; k < f.k; ++k)
    for (int r = 0; r < f.r; ++r)
      for (int c = 0; c < f.c; ++c)
        folded[(std::size_t(k) * f.c + c) * f.r + r] = src[(std::size_t(k) * f.r + r) * f.c + c];
  nn::stem_unfold_weights(s, kAlign, folded, std::span(dst, s.weight_count()));
}

} // namespace

struct CudaBackend::Impl {
  int device = 0;
  Precision precision = Precision::bf16;
  bool deterministic = false;
  std::string device_name;
  k::gpu_stream stream = nullptr;
  const Graph* graph = nullptr;
  std::size_t live = 0, peak = 0;
  std::map<void*, std::size_t> sizes;

  // The device's flat parameter layout: like the graph's (weights first,
  // aligned offsets) but weights are KRSC' with padded input channels (a
  // widened head: kAlign filters; a folded stem: its folded layer's).
  std::vector<std::size_t> offset, count;
  std::size_t weight_count = 0, param_count = 0;
  // Parameters, gradients, optimizer state in that layout.
  Buffer params, grads, params_half, weight_grads_half, m, v, momentum, scalars;
  Buffer staging; // f32 activations on their way to/from 16 bits
  // Page-locked host buffers for uploads, used in turn (input, target): an
  // upload waits only until the copy out of its buffer two uploads ago is
  // done, not for the step, so the host prepares the next batch while the
  // device trains.
  struct PinnedSlot {
    void* host = nullptr;
    std::size_t bytes = 0;
    k::gpu_event done = nullptr;
  };
  PinnedSlot pinned[2];
  int next_pinned = 0;
  bool adam_started = false, sgd_started = false;
  std::map<int, k::CudnnGraphConv2d> convs;
  // One-channel stems run folded (core/nn/stem_fold.h) on tensor cores:
  // their layer shapes by weight parameter (stored folded), and per conv
  // node the folded input's buffer, written by each forward.
  bool fold_stems = true;
  std::map<int, nn::Conv2dShape> folded_weights;
  std::map<int, Buffer> fold_inputs;
  // One-channel output layers run with kAlign filters, all but the first
  // zero, on tensor cores: their weight parameters (stored widened), and
  // per conv node one buffer of the widened width, holding the output in
  // the forward (read at once) and the gradient in the backward.
  bool widen_heads = true;
  std::set<int> widened_weights;
  std::map<int, Buffer> widened;

  // The activations' storage; 16-bit storage keeps a 16-bit copy of the
  // weights for the convolutions and takes their weight gradients in 16 bits.
  k::Storage storage() const {
    return precision == Precision::bf16   ? k::Storage::bf16
           : precision == Precision::fp16 ? k::Storage::f16
                                          : k::Storage::f32;
  }
  bool half() const { return storage() != k::Storage::f32; }
  std::size_t elem() const { return k::storage_bytes(storage()); }
  // f16 training scales its loss (kernels/loss_scale.h).
  bool loss_scaled() const { return precision == Precision::fp16; }

  Buffer alloc(std::size_t bytes, CudaBackend& owner) {
    Buffer b{owner.allocate(bytes), bytes};
    k::gpu_memset_zero(b.ptr, bytes, stream);
    return b;
  }
  float* f(Buffer& b, std::size_t at = 0) { return static_cast<float*>(b.ptr) + at; }
  void* h(Buffer& b, std::size_t at = 0) { return static_cast<char*>(b.ptr) + at * 2; }
  float* loss_slot() { return f(scalars); }
  k::LossScaleState* loss_scale() {
    return reinterpret_cast<k::LossScaleState*>(static_cast<char*>(scalars.ptr) + 128);
  }
  // What the loss gradient is multiplied by, and the weight gradients
  // before the update; null without a loss scale.
  const float* grad_scale() { return loss_scaled() ? &loss_scale()->scale : nullptr; }
  const float* grad_unscale() { return loss_scaled() ? &loss_scale()->inverse : nullptr; }
  double* sum_squares() { return reinterpret_cast<double*>(static_cast<char*>(scalars.ptr) + 256); }
  void* loss_workspace() { return static_cast<char*>(scalars.ptr) + 512; }
  // After the loss's, 256-byte aligned.
  static std::size_t norm_workspace_offset() {
    return 512 + (k::loss_workspace_bytes() + 255) / 256 * 256;
  }
  void* norm_workspace() { return static_cast<char*>(scalars.ptr) + norm_workspace_offset(); }

  std::size_t at(int param) const { return offset.at(std::size_t(param)); }

  // Which convolutions fold: one-channel layers reading the graph input
  // (no data gradient to unfold), on tensor cores (not fp32, which keeps
  // FMA-exact math unless asked).
  std::optional<nn::Conv2dShape> folded_shape(const Graph& g, const Node& node) const {
    if (!fold_stems || node.kind != OpKind::conv || node.inputs[0] != g.input() ||
        !nn::stem_foldable(node.conv.shape))
      return std::nullopt;
    const nn::Conv2dShape f = nn::stem_folded_shape(node.conv.shape, kAlign);
    try {
      f.validate(); // e.g. 2^31 elements
    } catch (const Error&) {
      return std::nullopt; // runs unfolded
    }
    return f;
  }
  void choose_folds(const Graph& g) {
    folded_weights.clear();
    widened_weights.clear();
    for (const Node& node : g.nodes()) {
      if (folded_shape(g, node)) folded_weights[node.conv.weight] = node.conv.shape;
      if (widen_heads && node.kind == OpKind::conv && node.conv.shape.k == 1 &&
          !folded_weights.count(node.conv.weight))
        widened_weights.insert(node.conv.weight);
    }
  }
  void free_reshaping_buffers(CudaBackend& owner) {
    for (auto& [node, b] : fold_inputs)
      if (b.ptr) owner.deallocate(b.ptr);
    fold_inputs.clear();
    for (auto& [node, b] : widened)
      if (b.ptr) owner.deallocate(b.ptr);
    widened.clear();
  }

  void lay_out(const Graph& g) {
    choose_folds(g);
    const auto& ps = g.params();
    offset.assign(ps.size(), 0);
    count.assign(ps.size(), 0);
    std::size_t at = 0;
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t i = 0; i < ps.size(); ++i) {
        const Param& p = ps[i];
        if (p.is_weight != (pass == 0)) continue;
        const auto fold = folded_weights.find(int(i));
        // A widened head stores kAlign filters; the first is the layer's.
        const std::int64_t filters = widened_weights.count(int(i)) ? kAlign : p.shape[0];
        count[i] = fold != folded_weights.end()
                       ? nn::stem_folded_shape(fold->second, kAlign).weight_count()
                   : p.is_weight ? std::size_t(filters * p.shape[2] * p.shape[3]) *
                                       std::size_t(ch(int(p.shape[1])))
                                 : p.count;
        offset[i] = at;
        at = (at + count[i] + kParamAlign - 1) / kParamAlign * kParamAlign;
      }
      if (pass == 0) weight_count = at;
    }
    param_count = at;
  }
  // Canonical host -> device flat buffer.
  void upload_flat(std::span<const float> canonical, Buffer& dst) {
    std::vector<float> dev(param_count, 0.0f);
    const auto& ps = graph->params();
    for (std::size_t i = 0; i < ps.size(); ++i) {
      const Param& p = ps[i];
      if (const auto fold = folded_weights.find(int(i)); fold != folded_weights.end())
        fold_to_krsc(fold->second, canonical.data() + p.offset, dev.data() + offset[i]);
      else if (p.is_weight)
        kcrs_to_krsc(canonical.data() + p.offset, dev.data() + offset[i], p.shape);
      else
        std::copy_n(canonical.data() + p.offset, p.count, dev.data() + offset[i]);
    }
    k::copy_to_device(dst.ptr, dev.data(), dev.size() * sizeof(float), stream);
    k::synchronize_stream(stream);
  }
  void download_flat(Buffer& src, std::span<float> canonical) {
    std::vector<float> dev(param_count);
    k::copy_to_host(dev.data(), src.ptr, dev.size() * sizeof(float), stream);
    std::fill(canonical.begin(), canonical.end(), 0.0f);
    const auto& ps = graph->params();
    for (std::size_t i = 0; i < ps.size(); ++i) {
      const Param& p = ps[i];
      if (const auto fold = folded_weights.find(int(i)); fold != folded_weights.end())
        krsc_to_unfolded(fold->second, dev.data() + offset[i], canonical.data() + p.offset);
      else if (p.is_weight)
        krsc_to_kcrs(dev.data() + offset[i], canonical.data() + p.offset, p.shape);
      else
        std::copy_n(dev.data() + offset[i], p.count, canonical.data() + p.offset);
    }
  }
  void refresh_half_weights() {
    if (half()) k::convert_from_f32(f(params), storage(), params_half.ptr, weight_count, stream);
  }
  // Always converts: a replayed graph writes the 16-bit gradients without
  // the host seeing it. Unscaled here (and the biases' in their kernel) by
  // the inverse of the scale they were made with, until optimizer_step
  // changes it: under a loss scale, get_grads must come before that.
  void flush_weight_grads() {
    if (half())
      k::convert_to_f32(storage(), weight_grads_half.ptr, f(grads), weight_count, stream,
                        grad_unscale());
  }
  // The next pinned slot with room for bytes, its last copy done; null
  // when page-locked memory cannot be had.
  PinnedSlot* take_pinned(std::size_t bytes) {
    PinnedSlot& slot = pinned[next_pinned];
    next_pinned = 1 - next_pinned;
    if (!slot.done) slot.done = k::create_event();
    k::synchronize_event(slot.done);
    if (slot.bytes < bytes) {
      k::pinned_free(slot.host);
      slot.host = k::pinned_malloc(bytes);
      slot.bytes = slot.host ? bytes : 0;
    }
    return slot.host ? &slot : nullptr;
  }
  void ensure_staging(std::size_t bytes, CudaBackend& owner) {
    if (staging.bytes >= bytes) return;
    if (staging.ptr) owner.deallocate(staging.ptr);
    staging = {}; // nothing dangling if the allocation throws
    staging = Buffer{owner.allocate(bytes), bytes};
  }
  // A folded stem's input: x folded into its buffer (forward), or the
  // buffer the forward filled (backward, run == false); x for other nodes.
  const void* folded_input(int node, const ConvNode& conv, const void* x, bool run = true) {
    const auto it = fold_inputs.find(node);
    if (it == fold_inputs.end()) return x;
    if (run) {
      const nn::Conv2dShape& s = conv.shape;
      const int channels = nn::stem_folded_shape(s, kAlign).c;
      k::stem_fold(storage(), x, it->second.ptr, s.n, s.h, s.w, s.s, s.pad_w, channels, stream);
    }
    return it->second.ptr;
  }

  Buffer* state(const std::string& name) {
    if (name == "exp_avg") return &m;
    if (name == "exp_avg_sq") return &v;
    if (name == "momentum_buffer") return &momentum;
    return nullptr;
  }
};

CudaBackend::CudaBackend(int device, Precision precision, bool deterministic)
    : impl_(std::make_unique<Impl>()) {
  const std::vector<k::DeviceInfo> devices = k::list_devices();
  if (device < 0 || std::size_t(device) >= devices.size())
    throw Error("cuda:" + std::to_string(device) + ": no such device (" +
                std::to_string(devices.size()) + " CUDA device(s) found)");
  const k::DeviceInfo& info = devices[std::size_t(device)];
  // bf16 and tf32 tensor cores came with Ampere; the kernels' oldest build
  // target is Turing.
  const int capability = info.compute_capability_major * 10 + info.compute_capability_minor;
  const int needed = min_compute_capability(precision);
  const std::string what = "cuda:" + std::to_string(device) + " (" + info.name +
                           ", compute capability " + std::to_string(info.compute_capability_major) +
                           "." + std::to_string(info.compute_capability_minor) + ")";
  if (capability < needed)
    throw Error(what + ": Atelier's GPU engine needs " + std::to_string(needed / 10) + "." +
                std::to_string(needed % 10) + " or newer for " + precision_name(precision) +
                (capability >= 75 ? " (Ampere, Ada, Hopper...): use --precision fp16 (or fp32) on "
                                    "this GPU, or --device cpu"
                                  : " (Turing or newer): use --device cpu"));
  impl_->device = device;
  impl_->precision = precision;
  impl_->deterministic = deterministic;
  // ATELIER_STEM_FOLD=0 (or off, false, no) turns folding off, to compare;
  // ATELIER_WIDE_HEAD=0 likewise for the widened one-channel output layer.
  const auto off = [](const char* name) {
    const char* v = std::getenv(name);
    return v && (!std::strcmp(v, "0") || !std::strcmp(v, "off") || !std::strcmp(v, "false") ||
                 !std::strcmp(v, "no"));
  };
  impl_->fold_stems = precision != Precision::fp32 && !off("ATELIER_STEM_FOLD");
  impl_->widen_heads = precision != Precision::fp32 && !off("ATELIER_WIDE_HEAD");
  impl_->device_name = info.name;
  k::set_device(device);
  if (!k::kernels_run_here())
    throw Error(what + ": this build's CUDA code is for " + k::kernel_architectures() +
                " only; rebuild with -DATELIER_CUDA_ARCHITECTURES=" + std::to_string(capability) +
                " (or add it to the list), or use --device cpu");
  impl_->stream = k::create_stream();
  impl_->scalars =
      impl_->alloc(Impl::norm_workspace_offset() + k::grad_sum_squares_workspace_bytes(), *this);
  if (impl_->loss_scaled())
    k::loss_scale_init(impl_->loss_scale(), k::LossScaleState{}.scale, impl_->stream);
}

CudaBackend::~CudaBackend() {
  Impl& d = *impl_;
  try {
    // Nothing queued still runs a convolution's plan or reads a pinned
    // buffer when they go.
    k::synchronize_stream(d.stream);
  } catch (...) {
  }
  d.convs.clear();
  for (Impl::PinnedSlot& slot : d.pinned) {
    k::pinned_free(slot.host);
    k::destroy_event(slot.done);
  }
  for (Buffer* b : {&d.params, &d.grads, &d.params_half, &d.weight_grads_half, &d.m, &d.v,
                    &d.momentum, &d.scalars, &d.staging})
    if (b->ptr) deallocate(b->ptr);
  d.free_reshaping_buffers(*this);
  k::destroy_stream(d.stream);
}

std::string CudaBackend::name() const {
  return "cuda:" + std::to_string(impl_->device) + " " + impl_->device_name + ", " +
         precision_name(impl_->precision) + (impl_->deterministic ? ", deterministic" : "");
}

std::size_t CudaBackend::activation_element_bytes() const {
  return impl_->elem();
}

namespace {
// The out-of-memory error people read: what was asked (when known), what is
// free, what to lower.
[[noreturn]] void throw_out_of_memory(int device, const std::string& asked) {
  std::size_t free_bytes = 0, total = 0;
  k::memory_info(free_bytes, total);
  throw Error("out of GPU memory on cuda:" + std::to_string(device) + ": " + asked + ", " +
              std::to_string(free_bytes >> 20) + " MiB free of " + std::to_string(total >> 20) +
              " MiB; lower the batch size or the crop size (or the tile size for inference)");
}
} // namespace

void* CudaBackend::allocate(std::size_t bytes) {
  try {
    void* p = k::gpu_malloc(bytes);
    impl_->sizes[p] = bytes;
    impl_->live += bytes;
    impl_->peak = std::max(impl_->peak, impl_->live);
    return p;
  } catch (const k::CudaError& e) {
    if (!e.out_of_memory()) throw;
    // Rounded up, so a small request does not read "0 MiB".
    const std::size_t asked_mib = (bytes + (std::size_t(1) << 20) - 1) >> 20;
    throw_out_of_memory(impl_->device, "asked for " + std::to_string(asked_mib) + " MiB");
  }
}

void CudaBackend::deallocate(void* p) noexcept {
  const auto it = impl_->sizes.find(p);
  if (it != impl_->sizes.end()) {
    impl_->live -= it->second;
    impl_->sizes.erase(it);
  }
  k::gpu_free(p);
}

void CudaBackend::upload_activation(const float* host, const Nchw& s, void* dst) {
  upload(host, s, dst, false);
}

void CudaBackend::upload_target(const float* host, const Nchw& s, void* dst) {
  upload(host, s, dst, true);
}

void CudaBackend::upload(const float* host, const Nchw& s, void* dst, bool as_f32) {
  Impl& d = *impl_;
  const std::size_t cs = std::size_t(ch(s.c)); // stored channels, the pad zero
  const std::size_t count = stored_count(s, kAlign), bytes = count * sizeof(float);
  Impl::PinnedSlot* slot = d.take_pinned(bytes);
  std::vector<float> pageable;
  float* nhwc = slot ? static_cast<float*>(slot->host) : nullptr;
  if (!nhwc) {
    pageable.resize(count);
    nhwc = pageable.data();
  }
  if (cs != std::size_t(s.c)) std::fill_n(nhwc, count, 0.0f);
  const std::size_t hw = std::size_t(s.h) * s.w;
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < s.c; ++c)
      for (std::size_t p = 0; p < hw; ++p)
        nhwc[(std::size_t(n) * hw + p) * cs + c] = host[(std::size_t(n) * s.c + c) * hw + p];
  if (as_f32 || !d.half()) {
    k::copy_to_device(dst, nhwc, bytes, d.stream);
  } else {
    d.ensure_staging(bytes, *this);
    k::copy_to_device(d.staging.ptr, nhwc, bytes, d.stream);
    k::convert_from_f32(d.f(d.staging), d.storage(), dst, count, d.stream);
  }
  if (slot)
    k::record_event(slot->done, d.stream);
  else
    k::synchronize_stream(d.stream); // the pageable vector goes away
}

void CudaBackend::download_activation(const void* src, const Nchw& s, float* host) {
  Impl& d = *impl_;
  const std::size_t cs = std::size_t(ch(s.c));
  std::vector<float> nhwc(stored_count(s, kAlign));
  if (d.half()) {
    d.ensure_staging(nhwc.size() * sizeof(float), *this);
    k::convert_to_f32(d.storage(), src, d.f(d.staging), nhwc.size(), d.stream);
    src = d.staging.ptr;
  }
  k::copy_to_host(nhwc.data(), src, nhwc.size() * sizeof(float), d.stream);
  const std::size_t hw = std::size_t(s.h) * s.w;
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < s.c; ++c)
      for (std::size_t p = 0; p < hw; ++p)
        host[(std::size_t(n) * s.c + c) * hw + p] = nhwc[(std::size_t(n) * hw + p) * cs + c];
}

void CudaBackend::copy_in(void* dst, const void* host, std::size_t bytes) {
  k::copy_to_device(dst, host, bytes, impl_->stream);
  k::synchronize_stream(impl_->stream);
}

void CudaBackend::copy_out(void* host, const void* src, std::size_t bytes) {
  k::copy_to_host(host, src, bytes, impl_->stream);
}

void CudaBackend::extract_tile(const float* image, int h, int w, int y0, int x0, void* tile, int th,
                               int tw) {
  k::extract_tile(impl_->storage(), image, h, w, y0, x0, tile, th, tw, impl_->stream);
}

void CudaBackend::insert_tile(const void* tile, int th, int tw, int my, int mx, int ch, int cw,
                              float* image, int h, int w, int y0, int x0) {
  k::insert_tile(impl_->storage(), tile, th, tw, my, mx, ch, cw, image, h, w, y0, x0,
                 impl_->stream);
}

void CudaBackend::bind_graph(const Graph& g) {
  if (!g.finished()) throw Error("cuda backend: the graph is not finished");
  Impl& d = *impl_;
  d.graph = &g;
  // The convolutions' plans and buffers go: nothing queued may still use them.
  k::synchronize_stream(d.stream);
  d.convs.clear();
  d.free_reshaping_buffers(*this);
  for (Buffer* b :
       {&d.params, &d.grads, &d.params_half, &d.weight_grads_half, &d.m, &d.v, &d.momentum})
    if (b->ptr) {
      deallocate(b->ptr);
      *b = {};
    }
  d.lay_out(g);
  const std::size_t n = d.param_count;
  d.params = d.alloc(n * 4, *this);
  d.grads = d.alloc(n * 4, *this);
  if (d.half()) {
    d.params_half = d.alloc(n * 2, *this);
    d.weight_grads_half = d.alloc(std::max<std::size_t>(d.weight_count, 1) * 2, *this);
  }
  d.adam_started = d.sgd_started = false;
}

void CudaBackend::set_params(std::span<const float> canonical) {
  Impl& d = *impl_;
  if (!d.graph || canonical.size() != d.graph->param_count())
    throw Error("cuda backend: parameter count does not match the bound graph");
  d.upload_flat(canonical, d.params);
  d.refresh_half_weights();
}

void CudaBackend::get_params(std::span<float> canonical) {
  Impl& d = *impl_;
  if (!d.graph || canonical.size() != d.graph->param_count())
    throw Error("cuda backend: parameter count does not match the bound graph");
  d.download_flat(d.params, canonical);
}

void CudaBackend::get_grads(std::span<float> canonical) {
  Impl& d = *impl_;
  if (!d.graph || canonical.size() != d.graph->param_count())
    throw Error("cuda backend: parameter count does not match the bound graph");
  d.flush_weight_grads();
  d.download_flat(d.grads, canonical);
}

std::vector<std::string> CudaBackend::optimizer_state_names() const {
  std::vector<std::string> names;
  if (impl_->adam_started) names = {"exp_avg", "exp_avg_sq"};
  if (impl_->sgd_started) names.push_back("momentum_buffer");
  return names;
}

void CudaBackend::get_optimizer_state(const std::string& name, std::span<float> canonical) {
  Impl& d = *impl_;
  Buffer* b = d.state(name);
  if (!b || !b->ptr) throw Error("cuda backend: no optimizer state named " + name);
  d.download_flat(*b, canonical);
}

void CudaBackend::set_optimizer_state(const std::string& name, std::span<const float> canonical) {
  Impl& d = *impl_;
  Buffer* b = d.state(name);
  if (!b || !d.graph || canonical.size() != d.graph->param_count())
    throw Error("cuda backend: cannot set optimizer state " + name);
  if (!b->ptr) *b = d.alloc(d.param_count * 4, *this);
  d.upload_flat(canonical, *b);
  if (name == "momentum_buffer")
    d.sgd_started = true;
  else
    d.adam_started = d.m.ptr && d.v.ptr;
}

std::size_t CudaBackend::prepare_conv(int node, const ConvNode& conv, ConvPasses passes) {
  Impl& d = *impl_;
  // Engines are tried and timed on the default stream: nothing queued here
  // may overlap them.
  k::synchronize_stream(d.stream);
  const auto fold = d.folded_weights.find(conv.weight);
  const bool folded = fold != d.folded_weights.end();
  if (folded && passes.backward_data)
    throw Error("cuda backend: conv " + std::to_string(node) +
                " runs folded, which has no data gradient");
  // A folded stem is an R x 1 convolution of its folded input.
  const nn::Conv2dShape s = folded ? nn::stem_folded_shape(conv.shape, kAlign) : conv.shape;
  // A widened head computes kAlign channels, the first of them the layer's.
  const bool widen = d.widened_weights.count(conv.weight) > 0;
  k::ConvGeometry geo;
  geo.n = s.n;
  geo.c = ch(s.c);
  if (ch(s.k) != s.k)
    throw Error("cuda backend: conv " + std::to_string(node) + " has " + std::to_string(s.k) +
                " output channels; more than one must be a multiple of 8");
  geo.h = s.h;
  geo.w = s.w;
  geo.k = widen ? kAlign : s.k;
  geo.r = s.r;
  geo.s = s.s;
  geo.pad_h = s.pad_h;
  geo.pad_w = s.pad_w;
  geo.stride_h = s.stride_h;
  geo.stride_w = s.stride_w;
  geo.dilation_h = s.dilation_h;
  geo.dilation_w = s.dilation_w;
  k::CudnnGraphConvOptions options;
  options.external_workspace = true;
  options.backward_data = passes.backward_data;
  options.backward_filter = passes.backward_filter;
  options.backward_filter_accumulate = false; // gradients sum in accumulate()
  if (d.deterministic) {
    options.deterministic = true;
    options.search = k::ConvAlgoSearch::heuristic;
  }
  // (A widened head applies its bias and activation to its one channel.)
  if (!widen && (conv.bias >= 0 || conv.act != Activation::identity))
    options.epilogue = k::ConvEpilogue{conv.bias >= 0, to_kernel(conv.act), conv.slope};
  const k::ConvDataType type = d.precision == Precision::bf16   ? k::ConvDataType::bf16
                               : d.precision == Precision::fp16 ? k::ConvDataType::f16
                               : d.precision == Precision::tf32 ? k::ConvDataType::tf32
                                                                : k::ConvDataType::f32;
  std::map<int, k::CudnnGraphConv2d>::iterator it;
  try {
    it = d.convs.try_emplace(node, geo, type, k::ConvLayout::nhwc, options).first;
  } catch (const k::CudaError& e) {
    // Choosing engines runs them on scratch tensors of the layer's size
    // (timing, or a trial of the fused plan), allocated for the moment
    // outside the backend's own figures; or cuDNN's own allocations failed.
    if (!e.out_of_memory()) throw;
    const std::size_t tensors =
        d.elem() * (std::size_t(s.n) * (std::size_t(geo.c) * s.h * s.w +
                                        std::size_t(geo.k) * s.out_h() * s.out_w()) +
                    std::size_t(geo.k) * geo.c * s.r * s.s);
    throw_out_of_memory(d.device, "choosing the engines of convolution " + std::to_string(node) +
                                      " runs them on its tensors (" +
                                      std::to_string((tensors >> 20) + 1) +
                                      " MiB) with a workspace of up to " +
                                      std::to_string(options.workspace_limit_bytes >> 20) + " MiB");
  }
  const std::size_t elem = d.elem();
  const auto replace = [&](Buffer& b, std::size_t bytes) {
    if (b.ptr) deallocate(b.ptr);
    b = {};
    b = d.alloc(bytes, *this);
  };
  if (folded) replace(d.fold_inputs[node], s.input_count() * elem);
  if (widen) {
    const std::size_t wide = std::size_t(s.n) * s.out_h() * s.out_w() * kAlign * elem;
    replace(d.widened[node], wide);
  }
  const std::size_t pixels = std::size_t(s.n) * s.out_h() * s.out_w();
  return passes.backward_filter ? std::max(it->second.workspace_bytes(),
                                           k::bias_activation_backward_workspace_bytes(pixels, s.k))
                                : it->second.workspace_bytes();
}

void CudaBackend::conv_forward(int node, const ConvNode& conv, const void* x, void* y,
                               void* workspace) {
  Impl& d = *impl_;
  k::CudnnGraphConv2d& c = d.convs.at(node);
  c.bind_workspace(workspace);
  const std::size_t w = d.at(conv.weight);
  const float* bias = conv.bias >= 0 ? d.f(d.params, d.at(conv.bias)) : nullptr;
  const void* weights = d.half() ? d.h(d.params_half, w) : d.f(d.params, w);
  x = d.folded_input(node, conv, x);
  if (const auto wide = d.widened.find(node); wide != d.widened.end()) {
    // kAlign channels into the wide buffer, the first kept, then bias and
    // activation on it.
    const std::size_t pixels = std::size_t(conv.shape.n) * conv.shape.out_h() * conv.shape.out_w();
    const bool epilogue = bias || conv.act != Activation::identity;
    c.forward(x, weights, wide->second.ptr, d.stream);
    k::pick_channel(d.storage(), wide->second.ptr, y, pixels, kAlign, 0, d.stream);
    if (epilogue)
      k::bias_activation_forward(d.storage(), y, bias, y, pixels, 1, to_kernel(conv.act),
                                 conv.slope, d.stream);
    return;
  }
  // Bias and activation fused into cuDNN's graph where it builds and is
  // faster (prepare_conv set the epilogue); else conv, then the kernel.
  if (bias || conv.act != Activation::identity)
    c.forward_epilogue(x, weights, bias, y, d.stream);
  else
    c.forward(x, weights, y, d.stream);
}

void CudaBackend::conv_backward(int node, const ConvNode& conv, const void* x, const void* y,
                                void* dy, void* dx, void* workspace) {
  Impl& d = *impl_;
  k::CudnnGraphConv2d& c = d.convs.at(node);
  c.bind_workspace(workspace);
  const std::size_t w = d.at(conv.weight);
  float* db = conv.bias >= 0 ? d.f(d.grads, d.at(conv.bias)) : nullptr;
  const std::size_t pixels = std::size_t(conv.shape.n) * conv.shape.out_h() * conv.shape.out_w();
  x = d.folded_input(node, conv, x, false); // as the forward left it
  // act' from the output: the activations here keep the sign of their input.
  // (The bias gradient sums the scaled loss gradient: unscaled here.)
  k::bias_activation_backward(d.storage(), y, nullptr, dy, dy, db, workspace, pixels, conv.shape.k,
                              to_kernel(conv.act), conv.slope, d.stream, d.grad_unscale());
  // A widened head's gradient: the one channel's, zeros for the others.
  if (const auto wide = d.widened.find(node); wide != d.widened.end()) {
    const nn::Conv2dShape& s = conv.shape;
    k::stem_fold(d.storage(), dy, wide->second.ptr, s.n, s.out_h(), s.out_w(), 1, 0, kAlign,
                 d.stream);
    dy = wide->second.ptr;
  }
  if (d.half()) {
    c.backward_filter(x, dy, d.h(d.weight_grads_half, w), d.stream);
    if (dx) c.backward_data(dy, d.h(d.params_half, w), dx, d.stream);
  } else {
    c.backward_filter(x, dy, d.f(d.grads, w), d.stream);
    if (dx) c.backward_data(dy, d.f(d.params, w), dx, d.stream);
  }
}

void CudaBackend::max_pool_forward(const Nchw& in, const void* x, void* y, std::uint8_t* argmax) {
  k::max_pool2x2_forward(impl_->storage(), x, y, argmax, in.n, in.h, in.w, ch(in.c), impl_->stream);
}

void CudaBackend::max_pool_backward(const Nchw& in, const std::uint8_t* argmax, const void* dy,
                                    void* dx) {
  k::max_pool2x2_backward(impl_->storage(), argmax, dy, dx, in.n, in.h, in.w, ch(in.c),
                          impl_->stream);
}

void CudaBackend::upsample_forward(const Nchw& in, const void* x, void* y) {
  k::upsample_nearest2x_forward(impl_->storage(), x, y, in.n, in.h, in.w, ch(in.c), impl_->stream);
}

void CudaBackend::upsample_backward(const Nchw& in, const void* dy, void* dx) {
  k::upsample_nearest2x_backward(impl_->storage(), dy, dx, in.n, in.h, in.w, ch(in.c),
                                 impl_->stream);
}

void CudaBackend::reflect_pad_forward(const Nchw& in, int pad, const void* x, void* y) {
  k::reflect_pad_forward(impl_->storage(), x, y, in.n, in.h, in.w, ch(in.c), pad, impl_->stream);
}

void CudaBackend::reflect_pad_backward(const Nchw& in, int pad, const void* dy, void* dx) {
  k::reflect_pad_backward(impl_->storage(), dy, dx, in.n, in.h, in.w, ch(in.c), pad, impl_->stream);
}

namespace {
// Concat inputs must be unpadded, or b's channels would land after a's pad.
int concat_out_channels(const Nchw& a, int c2) {
  if (ch(a.c) != a.c || ch(c2) != c2)
    throw Error("cuda backend: concat of " + std::to_string(a.c) + " and " + std::to_string(c2) +
                " channels needs each part at a multiple of 8 channels (or 1)");
  return ch(a.c + c2);
}
} // namespace

void CudaBackend::concat_forward(const Nchw& a, int c2, const void* xa, const void* xb, void* y) {
  const std::size_t pixels = std::size_t(a.n) * a.h * a.w;
  k::concat_channels_forward(impl_->storage(), xa, xb, y, pixels, a.c, c2, impl_->stream,
                             concat_out_channels(a, c2));
}

void CudaBackend::concat_backward(const Nchw& a, int c2, const void* dy, void* da, void* db) {
  const std::size_t pixels = std::size_t(a.n) * a.h * a.w;
  k::concat_channels_backward(impl_->storage(), dy, da, db, pixels, a.c, c2, impl_->stream,
                              concat_out_channels(a, c2));
}

void CudaBackend::accumulate(void* acc, const void* x, std::size_t count) {
  k::add_inplace(impl_->storage(), acc, x, count, impl_->stream);
}

void CudaBackend::loss_forward(LossKind kind, const void* pred, const void* target,
                               std::size_t count) {
  Impl& d = *impl_;
  const k::Loss l = kind == LossKind::mse ? k::Loss::mse : k::Loss::l1;
  k::loss_forward(l, d.storage(), pred, static_cast<const float*>(target), count, d.loss_slot(),
                  d.loss_workspace(), d.stream);
}

void CudaBackend::loss_backward(LossKind kind, const void* pred, const void* target, void* dpred,
                                std::size_t count) {
  Impl& d = *impl_;
  const k::Loss l = kind == LossKind::mse ? k::Loss::mse : k::Loss::l1;
  k::loss_backward(l, d.storage(), pred, static_cast<const float*>(target), dpred, count, d.stream,
                   d.grad_scale());
}

double CudaBackend::read_loss() {
  float loss = 0;
  k::copy_to_host(&loss, impl_->loss_slot(), sizeof loss, impl_->stream);
  return loss;
}

void CudaBackend::optimizer_step(const OptimizerStep& step) {
  Impl& d = *impl_;
  if (!d.graph) throw Error("cuda backend: bind_graph must come first");
  const std::size_t n = d.param_count;
  d.flush_weight_grads();
  k::zero_sum_squares(d.sum_squares(), d.stream);
  k::grad_sum_squares(k::Storage::f32, d.f(d.grads), n, d.sum_squares(), d.norm_workspace(),
                      d.stream);
  if (step.clip_norm > 0)
    k::grad_clip_scale(k::Storage::f32, d.f(d.grads), n, d.sum_squares(), step.clip_norm, 1e-6,
                       d.stream);
  k::UpdateBuffers b;
  b.params = d.f(d.params);
  b.grads = d.f(d.grads);
  b.params_copy = d.half() ? d.params_half.ptr : nullptr;
  b.copy_type = d.storage();
  b.count = n;
  // Under a loss scale, a step whose gradients overflowed changes nothing
  // (and the scale halves below).
  if (d.loss_scaled()) {
    b.skip_unless_finite = d.sum_squares();
    b.skipped_steps = &d.loss_scale()->skipped_steps;
  }
  if (step.kind == OptimizerKind::sgd) {
    step.sgd.validate();
    // As on the CPU, the first step of a new momentum buffer sets it to the
    // gradient (the kernel's step 1), whatever the run's step: a buffer
    // allocated now holds no earlier steps.
    const bool fresh = !d.momentum.ptr && step.sgd.momentum != 0;
    if (fresh) d.momentum = d.alloc(n * 4, *this);
    d.sgd_started = d.momentum.ptr != nullptr;
    k::SgdHyper hyper;
    hyper.lr = step.sgd.lr;
    hyper.momentum = step.sgd.momentum;
    hyper.dampening = step.sgd.dampening;
    hyper.weight_decay = step.sgd.weight_decay;
    hyper.nesterov = step.sgd.nesterov;
    hyper.step = fresh ? 1 : std::max<std::int64_t>(step.step, 2);
    k::sgd_step(b, d.momentum.ptr ? d.f(d.momentum) : nullptr, hyper, d.stream);
  } else {
    step.adam.validate();
    if (!d.m.ptr) d.m = d.alloc(n * 4, *this);
    if (!d.v.ptr) d.v = d.alloc(n * 4, *this);
    d.adam_started = true;
    k::AdamHyper hyper;
    hyper.lr = step.adam.lr;
    hyper.beta1 = step.adam.beta1;
    hyper.beta2 = step.adam.beta2;
    hyper.eps = step.adam.eps;
    hyper.weight_decay = step.adam.weight_decay;
    hyper.decoupled_weight_decay = step.kind == OptimizerKind::adamw;
    hyper.step = step.step;
    k::adam_step(b, d.f(d.m), d.f(d.v), hyper, d.stream);
  }
  if (d.loss_scaled())
    k::loss_scale_update(d.loss_scale(), d.sum_squares(), kLossScaleInterval, d.stream);
}

double CudaBackend::read_grad_norm() {
  return k::read_grad_norm(impl_->sum_squares(), impl_->stream);
}

Backend::LossScale CudaBackend::read_loss_scale() {
  if (!impl_->loss_scaled()) return {};
  const k::LossScaleState s = k::read_loss_scale(impl_->loss_scale(), impl_->stream);
  return {s.scale, s.skipped_steps};
}

void CudaBackend::begin_capture() {
  k::begin_capture(impl_->stream);
}
void* CudaBackend::end_capture() {
  return k::end_capture(impl_->stream);
}
void CudaBackend::launch_graph(void* graph) {
  k::launch_graph(graph, impl_->stream);
}
void CudaBackend::destroy_graph(void* graph) noexcept {
  k::destroy_graph(graph);
}

void CudaBackend::synchronize() {
  k::synchronize_stream(impl_->stream);
}

std::size_t CudaBackend::peak_memory_bytes() const {
  return impl_->peak;
}

std::size_t CudaBackend::extra_bytes(const Graph& g) const {
  // Folded inputs and widened outputs (training reuses a widened output's
  // buffer for its gradient, so it adds nothing).
  std::size_t elements = 0;
  for (const Node& node : g.nodes()) {
    if (const auto f = impl_->folded_shape(g, node))
      elements += f->input_count();
    else if (impl_->widen_heads && node.kind == OpKind::conv && node.conv.shape.k == 1)
      elements += node.conv.shape.output_count() * kAlign;
  }
  return elements * activation_element_bytes();
}

void CudaBackend::set_stem_fold(bool on) {
  impl_->fold_stems = on;
}
bool CudaBackend::stem_fold() const {
  return impl_->fold_stems;
}
void CudaBackend::set_wide_head(bool on) {
  impl_->widen_heads = on;
}
bool CudaBackend::wide_head() const {
  return impl_->widen_heads;
}

std::pair<int, int> CudaBackend::fused_epilogues() const {
  std::pair<int, int> n{0, 0};
  for (const auto& [node, conv] : impl_->convs) {
    n.first += conv.epilogue_fused();
    n.second += conv.has_epilogue();
  }
  return n;
}

std::string CudaBackend::conv_algorithms() const {
  std::string s;
  for (const auto& [node, conv] : impl_->convs)
    s += "node " + std::to_string(node) + ": " + conv.algorithms() + "\n";
  return s;
}

} // namespace atelier::engine
