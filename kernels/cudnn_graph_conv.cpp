// CudnnGraphConv2d on cuDNN's backend API (cudnnBackendCreateDescriptor /
// SetAttribute / Finalize), without cudnn-frontend. One handle; shared x, w
// and y tensor descriptors (uids 1, 2, 3; dx, dw, dy reuse them); one
// operation graph, execution plan and engine config per direction, plus a
// beta = 1 plan for accumulating filter gradients, because alpha and beta
// are baked into the operation. With an epilogue, one more graph: the
// forward convolution into a virtual f32 tensor, a pointwise bias add (bias
// uid 4) and a pointwise activation writing y.
#include "kernels/cudnn_graph_conv.h"

#include "kernels/bias_activation.h"
#include "kernels/cuda_check.cuh"
#include "kernels/cudnn_check.h"
#include "kernels/fill.h"

#include <cuda_fp16.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

// Set / finalize with the attribute named in the error message.
#define GRAPH_SET(desc, name, type, count, values)                                                 \
  CUDNN_CHECK(cudnnBackendSetAttribute((desc).get(), name, type, count, values))
#define GRAPH_FINALIZE(desc) CUDNN_CHECK(cudnnBackendFinalize((desc).get()))

namespace atelier::kernels {
namespace {

// Destructors log instead of throwing.
void log_failure(cudnnStatus_t status, const char* what) {
  if (status != CUDNN_STATUS_SUCCESS)
    std::fprintf(stderr, "atelier: %s failed in ~CudnnGraphConv2d: %s\n", what,
                 cudnnGetErrorString(status));
}

// An owned backend descriptor.
class Desc {
public:
  Desc() = default;
  explicit Desc(cudnnBackendDescriptorType_t type) {
    CUDNN_CHECK(cudnnBackendCreateDescriptor(type, &d_));
  }
  ~Desc() {
    if (d_) log_failure(cudnnBackendDestroyDescriptor(d_), "cudnnBackendDestroyDescriptor");
  }
  Desc(Desc&& o) noexcept : d_(std::exchange(o.d_, nullptr)) {}
  Desc& operator=(Desc&& o) noexcept {
    if (this != &o) {
      Desc old(std::move(*this));
      d_ = std::exchange(o.d_, nullptr);
    }
    return *this;
  }
  Desc(const Desc&) = delete;
  Desc& operator=(const Desc&) = delete;
  cudnnBackendDescriptor_t get() const { return d_; }
  explicit operator bool() const { return d_ != nullptr; }

private:
  cudnnBackendDescriptor_t d_ = nullptr;
};

struct Handle {
  cudnnHandle_t h = nullptr;
  Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (h) log_failure(cudnnDestroy(h), "cudnnDestroy");
  }
};

struct DeviceMemory {
  void* ptr = nullptr;
  DeviceMemory() = default;
  explicit DeviceMemory(std::size_t bytes) {
    if (bytes > 0) CUDA_CHECK(cudaMalloc(&ptr, bytes));
  }
  DeviceMemory(DeviceMemory&& o) noexcept : ptr(std::exchange(o.ptr, nullptr)) {}
  DeviceMemory& operator=(DeviceMemory&& o) noexcept {
    std::swap(ptr, o.ptr);
    return *this;
  }
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;
  ~DeviceMemory() {
    if (!ptr) return;
    const cudaError_t rc = cudaFree(ptr);
    if (rc != cudaSuccess)
      std::fprintf(stderr, "atelier: cudaFree failed in ~CudnnGraphConv2d: %s\n",
                   cudaGetErrorString(rc));
  }
};

struct Event {
  cudaEvent_t e = nullptr;
  Event() { CUDA_CHECK(cudaEventCreate(&e)); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() { cudaEventDestroy(e); }
};

// The handle attributes are deprecated in recent cuDNN 9 releases but still
// required by older ones (the pip wheels PyTorch ships).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
constexpr cudnnBackendAttributeName_t kGraphHandle = CUDNN_ATTR_OPERATIONGRAPH_HANDLE;
constexpr cudnnBackendAttributeName_t kPlanHandle = CUDNN_ATTR_EXECUTION_PLAN_HANDLE;
#pragma GCC diagnostic pop

constexpr std::int64_t kAlignment = 16;
constexpr std::int64_t kUidX = 1, kUidW = 2, kUidY = 3, kUidBias = 4;
// The fused graph's intermediates (never in a variant pack).
constexpr std::int64_t kUidConvOut = 101, kUidBiased = 102;

// A tensor descriptor; virtual ones are intermediates of a fused graph that
// never reach memory.
Desc make_tensor(std::int64_t uid, cudnnDataType_t dtype, std::int64_t n, std::int64_t c,
                 std::int64_t h, std::int64_t w, bool nhwc, bool is_virtual = false) {
  Desc t(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  // Dimensions are always in NCHW order; the strides say where things lie.
  const std::int64_t dims[4] = {n, c, h, w};
  const std::int64_t nhwc_strides[4] = {h * w * c, 1, w * c, c};
  const std::int64_t nchw_strides[4] = {c * h * w, h * w, w, 1};
  GRAPH_SET(t, CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &dtype);
  GRAPH_SET(t, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 4, dims);
  GRAPH_SET(t, CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, 4, nhwc ? nhwc_strides : nchw_strides);
  GRAPH_SET(t, CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, 1, &uid);
  GRAPH_SET(t, CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, 1, &kAlignment);
  if (is_virtual) {
    const bool yes = true;
    GRAPH_SET(t, CUDNN_ATTR_TENSOR_IS_VIRTUAL, CUDNN_TYPE_BOOLEAN, 1, &yes);
  }
  GRAPH_FINALIZE(t);
  return t;
}

Desc make_convolution(const ConvGeometry& g) {
  Desc conv(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR);
  // Compute type float for f32, bf16 and f16 data; cross-correlation is what
  // deep-learning frameworks call convolution.
  const cudnnDataType_t compute = CUDNN_DATA_FLOAT;
  const cudnnConvolutionMode_t mode = CUDNN_CROSS_CORRELATION;
  const std::int64_t spatial = 2;
  const std::int64_t pad[2] = {g.pad_h, g.pad_w};
  const std::int64_t stride[2] = {g.stride_h, g.stride_w};
  const std::int64_t dilation[2] = {g.dilation_h, g.dilation_w};
  GRAPH_SET(conv, CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &compute);
  GRAPH_SET(conv, CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_TYPE_CONVOLUTION_MODE, 1, &mode);
  GRAPH_SET(conv, CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, CUDNN_TYPE_INT64, 1, &spatial);
  GRAPH_SET(conv, CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, CUDNN_TYPE_INT64, 2, pad);
  GRAPH_SET(conv, CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, CUDNN_TYPE_INT64, 2, pad);
  GRAPH_SET(conv, CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, CUDNN_TYPE_INT64, 2, stride);
  GRAPH_SET(conv, CUDNN_ATTR_CONVOLUTION_DILATIONS, CUDNN_TYPE_INT64, 2, dilation);
  GRAPH_FINALIZE(conv);
  return conv;
}

enum class Dir { forward, backward_data, backward_filter };

const char* dir_name(Dir d) {
  switch (d) {
  case Dir::forward: return "fwd";
  case Dir::backward_data: return "bwd_data";
  case Dir::backward_filter: return "bwd_filter";
  }
  return "?";
}

Desc make_operation(Dir dir, const Desc& x, const Desc& w, const Desc& y, const Desc& conv,
                    float beta) {
  const float alpha = 1.0f;
  cudnnBackendDescriptor_t xd = x.get(), wd = w.get(), yd = y.get(), cd = conv.get();
  constexpr auto kDesc = CUDNN_TYPE_BACKEND_DESCRIPTOR;
  switch (dir) {
  case Dir::forward: {
    Desc op(CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X, kDesc, 1, &xd);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W, kDesc, 1, &wd);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y, kDesc, 1, &yd);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC, kDesc, 1, &cd);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, CUDNN_TYPE_FLOAT, 1, &alpha);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, CUDNN_TYPE_FLOAT, 1, &beta);
    GRAPH_FINALIZE(op);
    return op;
  }
  case Dir::backward_data: {
    Desc op(CUDNN_BACKEND_OPERATION_CONVOLUTION_BACKWARD_DATA_DESCRIPTOR);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_DX, kDesc, 1, &xd);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_W, kDesc, 1, &wd);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_DY, kDesc, 1, &yd);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_CONV_DESC, kDesc, 1, &cd);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_ALPHA, CUDNN_TYPE_FLOAT, 1, &alpha);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_BETA, CUDNN_TYPE_FLOAT, 1, &beta);
    GRAPH_FINALIZE(op);
    return op;
  }
  case Dir::backward_filter: {
    Desc op(CUDNN_BACKEND_OPERATION_CONVOLUTION_BACKWARD_FILTER_DESCRIPTOR);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_X, kDesc, 1, &xd);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_DW, kDesc, 1, &wd);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_DY, kDesc, 1, &yd);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_CONV_DESC, kDesc, 1, &cd);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_ALPHA, CUDNN_TYPE_FLOAT, 1, &alpha);
    GRAPH_SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_BETA, CUDNN_TYPE_FLOAT, 1, &beta);
    GRAPH_FINALIZE(op);
    return op;
  }
  }
  throw std::logic_error("make_operation: unknown direction");
}

// A pointwise operation y = f(x) or y = f(x, b), math in f32: the
// operation and its pointwise descriptor, which must outlive it.
struct Pointwise {
  Desc mode, op;
};

Pointwise make_pointwise(cudnnPointwiseMode_t mode, const Desc& x, const Desc* b, const Desc& y,
                         float relu_slope = 0.0f) {
  Pointwise p{Desc(CUDNN_BACKEND_POINTWISE_DESCRIPTOR),
              Desc(CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR)};
  const cudnnDataType_t math = CUDNN_DATA_FLOAT;
  GRAPH_SET(p.mode, CUDNN_ATTR_POINTWISE_MODE, CUDNN_TYPE_POINTWISE_MODE, 1, &mode);
  GRAPH_SET(p.mode, CUDNN_ATTR_POINTWISE_MATH_PREC, CUDNN_TYPE_DATA_TYPE, 1, &math);
  // NaN in, NaN out, as the unfused kernel (a diverged run must not turn
  // into a finite loss). Deprecated in cuDNN 9 and maybe refused: best effort.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  const cudnnNanPropagation_t nan = CUDNN_PROPAGATE_NAN;
  (void)cudnnBackendSetAttribute(p.mode.get(), CUDNN_ATTR_POINTWISE_NAN_PROPAGATION,
                                 CUDNN_TYPE_NAN_PROPOGATION, 1, &nan);
#pragma GCC diagnostic pop
  if (mode == CUDNN_POINTWISE_RELU_FWD && relu_slope != 0.0f) {
    // x < 0: slope x (the lower clip stays 0). cudnn-frontend passes the
    // value as float for f32 math; the documented type is double.
    const double slope = relu_slope;
    if (cudnnBackendSetAttribute(p.mode.get(), CUDNN_ATTR_POINTWISE_RELU_LOWER_CLIP_SLOPE,
                                 CUDNN_TYPE_FLOAT, 1, &relu_slope) != CUDNN_STATUS_SUCCESS)
      GRAPH_SET(p.mode, CUDNN_ATTR_POINTWISE_RELU_LOWER_CLIP_SLOPE, CUDNN_TYPE_DOUBLE, 1, &slope);
  }
  GRAPH_FINALIZE(p.mode);
  cudnnBackendDescriptor_t md = p.mode.get(), xd = x.get(), yd = y.get();
  constexpr auto kDesc = CUDNN_TYPE_BACKEND_DESCRIPTOR;
  GRAPH_SET(p.op, CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR, kDesc, 1, &md);
  GRAPH_SET(p.op, CUDNN_ATTR_OPERATION_POINTWISE_XDESC, kDesc, 1, &xd);
  if (b) {
    cudnnBackendDescriptor_t bd = b->get();
    GRAPH_SET(p.op, CUDNN_ATTR_OPERATION_POINTWISE_BDESC, kDesc, 1, &bd);
  }
  GRAPH_SET(p.op, CUDNN_ATTR_OPERATION_POINTWISE_YDESC, kDesc, 1, &yd);
  GRAPH_FINALIZE(p.op);
  return p;
}

Desc make_graph(cudnnHandle_t handle, const std::vector<const Desc*>& ops) {
  Desc graph(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
  std::vector<cudnnBackendDescriptor_t> raw;
  for (const Desc* op : ops)
    raw.push_back(op->get());
  GRAPH_SET(graph, CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR,
            std::int64_t(raw.size()), raw.data());
  GRAPH_SET(graph, kGraphHandle, CUDNN_TYPE_HANDLE, 1, &handle);
  GRAPH_FINALIZE(graph);
  return graph;
}

// The heuristics' ranked engine configs; empty when the mode has none (or
// refuses the graph).
std::vector<Desc> engine_configs(const Desc& graph, cudnnBackendHeurMode_t mode) {
  Desc heur(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR);
  cudnnBackendDescriptor_t g = graph.get();
  GRAPH_SET(heur, CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &g);
  GRAPH_SET(heur, CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, 1, &mode);
  if (cudnnBackendFinalize(heur.get()) != CUDNN_STATUS_SUCCESS) return {};
  std::int64_t count = 0;
  CUDNN_CHECK(cudnnBackendGetAttribute(heur.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                       CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &count, nullptr));
  std::vector<Desc> configs;
  std::vector<cudnnBackendDescriptor_t> raw;
  for (std::int64_t i = 0; i < count; ++i) {
    configs.emplace_back(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR);
    raw.push_back(configs.back().get());
  }
  if (count > 0) {
    std::int64_t returned = 0;
    CUDNN_CHECK(cudnnBackendGetAttribute(heur.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                         CUDNN_TYPE_BACKEND_DESCRIPTOR, count, &returned,
                                         raw.data()));
    configs.resize(std::size_t(std::clamp<std::int64_t>(returned, 0, count)));
  }
  return configs;
}

struct EngineInfo {
  std::int64_t index = -1;
  std::vector<cudnnBackendNumericalNote_t> notes;
  bool has(cudnnBackendNumericalNote_t note) const {
    return std::find(notes.begin(), notes.end(), note) != notes.end();
  }
};

EngineInfo engine_info(const Desc& config) {
  Desc engine(CUDNN_BACKEND_ENGINE_DESCRIPTOR);
  cudnnBackendDescriptor_t e = engine.get();
  std::int64_t n = 0;
  CUDNN_CHECK(cudnnBackendGetAttribute(config.get(), CUDNN_ATTR_ENGINECFG_ENGINE,
                                       CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &n, &e));
  EngineInfo info;
  CUDNN_CHECK(cudnnBackendGetAttribute(e, CUDNN_ATTR_ENGINE_GLOBAL_INDEX, CUDNN_TYPE_INT64, 1, &n,
                                       &info.index));
  cudnnBackendNumericalNote_t notes[CUDNN_NUMERICAL_NOTE_TYPE_COUNT] = {};
  CUDNN_CHECK(cudnnBackendGetAttribute(e, CUDNN_ATTR_ENGINE_NUMERICAL_NOTE,
                                       CUDNN_TYPE_NUMERICAL_NOTE, CUDNN_NUMERICAL_NOTE_TYPE_COUNT,
                                       &n, notes));
  info.notes.assign(notes, notes + std::clamp<std::int64_t>(n, 0, CUDNN_NUMERICAL_NOTE_TYPE_COUNT));
  return info;
}

std::string describe_notes(const EngineInfo& info) {
  std::string s;
  for (cudnnBackendNumericalNote_t note : info.notes) {
    const char* name = nullptr;
    switch (note) {
    case CUDNN_NUMERICAL_NOTE_TENSOR_CORE: name = "tensor_core"; break;
    case CUDNN_NUMERICAL_NOTE_DOWN_CONVERT_INPUTS: name = "down_convert"; break;
    case CUDNN_NUMERICAL_NOTE_REDUCED_PRECISION_REDUCTION: name = "reduced_precision"; break;
    case CUDNN_NUMERICAL_NOTE_FFT: name = "fft"; break;
    case CUDNN_NUMERICAL_NOTE_NONDETERMINISTIC: name = "nondeterministic"; break;
    case CUDNN_NUMERICAL_NOTE_WINOGRAD: name = "winograd"; break;
    default: break;
    }
    if (!name) continue;
    if (!s.empty()) s += ",";
    s += name;
  }
  return s;
}

// A finalized plan, or an empty Desc when this config cannot run the graph.
Desc try_plan(cudnnHandle_t handle, const Desc& config) {
  Desc plan(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR);
  cudnnBackendDescriptor_t c = config.get();
  GRAPH_SET(plan, CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &c);
  GRAPH_SET(plan, kPlanHandle, CUDNN_TYPE_HANDLE, 1, &handle);
  if (cudnnBackendFinalize(plan.get()) != CUDNN_STATUS_SUCCESS) return {};
  return plan;
}

std::size_t plan_workspace(const Desc& plan) {
  std::int64_t bytes = 0, n = 0;
  CUDNN_CHECK(cudnnBackendGetAttribute(plan.get(), CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE,
                                       CUDNN_TYPE_INT64, 1, &n, &bytes));
  return std::size_t(std::max<std::int64_t>(bytes, 0));
}

// The most tensors a graph here reads and writes (x, w, bias, y).
constexpr int kMaxPack = 4;

// Builds the variant pack for one call (a few microseconds of host time)
// and returns cudnnBackendExecute's status; count pointers and uids.
cudnnStatus_t execute(cudnnHandle_t handle, const Desc& plan, const std::int64_t* uids,
                      void* const* pointers, int count, void* workspace) {
  Desc pack(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR);
  GRAPH_SET(pack, CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR, count, pointers);
  GRAPH_SET(pack, CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, count, uids);
  GRAPH_SET(pack, CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, 1, &workspace);
  GRAPH_FINALIZE(pack);
  return cudnnBackendExecute(handle, plan.get(), pack.get());
}

struct Candidate {
  Desc config, plan;
  EngineInfo info;
  std::size_t workspace = 0;
  double ms = -1.0;
};

// The fastest candidate; failed runs (ms < 0 after timing) rank last. The
// list must not be empty.
Candidate& fastest(std::vector<Candidate>& list) {
  return *std::min_element(list.begin(), list.end(), [](const Candidate& a, const Candidate& b) {
    if ((a.ms < 0) != (b.ms < 0)) return b.ms < 0;
    return a.ms < b.ms;
  });
}

// One direction's graph and chosen plan.
struct Direction {
  Dir dir = Dir::forward;
  Desc op, graph;
  Candidate chosen;
  int candidates = 0; // how many plans were built (and, with measure, timed)
  // In execution order of the variant pack: the operation's inputs, output.
  std::int64_t uids[kMaxPack] = {};
  int uid_count = 3;
};

// The fused forward: its graph's other operations and tensors, kept alive
// with it, and the plain forward's timing next to it.
struct Fused {
  Desc bias, conv_out, biased;
  Pointwise add, act;
  Direction d;               // last: its graph and plan go before what they reference
  double epilogue_ms = -1.0; // bias_activation_forward alone, with measure
  bool use = false;          // the fused plan won
  std::string refused;       // why there is no fused plan, for describe()
};

} // namespace

struct CudnnGraphConv2d::Impl {
  struct Scratch;                 // trial-run tensors (below)
  Handle handle;                  // declared first: destroyed after every descriptor
  Storage storage = Storage::f32; // of x, w and y (f32 for f32 and tf32)
  bool strict_f32 = true;         // f32: FMA engines only
  bool deterministic = false;
  bool measured = false; // engines timed (measure), not only tried (heuristic)
  int out_h = 0, out_w = 0;
  Desc x_desc, w_desc, y_desc, conv_desc;
  Direction dirs[3];
  Direction accumulate; // backward filter with beta = 1
  std::optional<ConvEpilogue> epilogue;
  Fused fused;
  ConvGeometry geometry;
  DeviceMemory workspace;
  void* workspace_ptr = nullptr; // workspace.ptr or the caller's buffer
  bool external_workspace = false;
  std::size_t workspace_bytes = 0;

  bool usable(const EngineInfo& info, Dir dir) const {
    // No precision converts its inputs down (to fp16 in practice): the
    // loss gradient 2 (p - t) / N, N about a million pixels, is below fp16's
    // normal range, and activations may pass its 65504. f32 also promises
    // FMA accuracy: no TF32 tensor cores or reduced-precision reductions.
    if (info.has(CUDNN_NUMERICAL_NOTE_DOWN_CONVERT_INPUTS)) return false;
    if (deterministic && info.has(CUDNN_NUMERICAL_NOTE_NONDETERMINISTIC)) return false;
    // A filter gradient sums over every pixel of the batch (two million at
    // crop 512, batch 8): in any precision its reduction stays f32.
    if (dir == Dir::backward_filter && info.has(CUDNN_NUMERICAL_NOTE_REDUCED_PRECISION_REDUCTION))
      return false;
    return !strict_f32 || !(info.has(CUDNN_NUMERICAL_NOTE_TENSOR_CORE) ||
                            info.has(CUDNN_NUMERICAL_NOTE_REDUCED_PRECISION_REDUCTION));
  }

  // Mode A's ranking, then the fallback list, up to max_count plans that
  // build, fit the workspace limit and keep the numerics promised.
  std::vector<Candidate> build_candidates(const Direction& d, int max_count, std::size_t limit,
                                          std::int64_t prefer_index = -1) const {
    std::vector<Candidate> out;
    for (cudnnBackendHeurMode_t mode : {CUDNN_HEUR_MODE_A, CUDNN_HEUR_MODE_FALLBACK}) {
      for (Desc& config : engine_configs(d.graph, mode)) {
        if (int(out.size()) >= max_count) return out;
        Candidate c;
        c.info = engine_info(config);
        if (!usable(c.info, d.dir)) continue;
        if (prefer_index >= 0 && c.info.index != prefer_index) continue;
        c.plan = try_plan(handle.h, config);
        if (!c.plan) continue;
        c.workspace = plan_workspace(c.plan);
        if (c.workspace > limit) continue;
        c.config = std::move(config);
        out.push_back(std::move(c));
      }
    }
    return out;
  }

  void init(const ConvGeometry& g, ConvDataType type, ConvLayout layout,
            const CudnnGraphConvOptions& options) {
    const int sizes[] = {g.n, g.c,        g.h,        g.w,          g.k,         g.r,
                         g.s, g.stride_h, g.stride_w, g.dilation_h, g.dilation_w};
    for (int v : sizes)
      if (v <= 0)
        throw std::invalid_argument(
            "CudnnGraphConv2d: sizes, strides and dilations must be positive");
    if (g.pad_h < 0 || g.pad_w < 0)
      throw std::invalid_argument("CudnnGraphConv2d: padding must not be negative");
    if (options.max_candidates <= 0 || options.timing_reps <= 0)
      throw std::invalid_argument("CudnnGraphConv2d: max_candidates and timing_reps must be > 0");
    storage = conv_storage(type);
    strict_f32 = type == ConvDataType::f32;
    deterministic = options.deterministic;
    const bool nhwc = layout == ConvLayout::nhwc;
    // The unfused fallback's kernel reads channels fastest.
    if (options.epilogue && !nhwc)
      throw std::invalid_argument("CudnnGraphConv2d: an epilogue needs the NHWC layout");
    const cudnnDataType_t dtype = storage == Storage::f32    ? CUDNN_DATA_FLOAT
                                  : storage == Storage::bf16 ? CUDNN_DATA_BFLOAT16
                                                             : CUDNN_DATA_HALF;

    CUDNN_CHECK(cudnnCreate(&handle.h));
    const std::int64_t eff_h = std::int64_t(g.dilation_h) * (g.r - 1) + 1;
    const std::int64_t eff_w = std::int64_t(g.dilation_w) * (g.s - 1) + 1;
    const std::int64_t span_h = std::int64_t(g.h) + 2 * std::int64_t(g.pad_h) - eff_h;
    const std::int64_t span_w = std::int64_t(g.w) + 2 * std::int64_t(g.pad_w) - eff_w;
    // The legacy API reports a kernel larger than the padded input as
    // BAD_PARAM; the graph API would only fail later, less clearly.
    if (span_h < 0 || span_w < 0)
      throw_cudnn_error(CUDNN_STATUS_BAD_PARAM,
                        "cudnn output size (kernel larger than the padded input)", __FILE__,
                        __LINE__);
    out_h = int(span_h / g.stride_h + 1);
    out_w = int(span_w / g.stride_w + 1);

    x_desc = make_tensor(kUidX, dtype, g.n, g.c, g.h, g.w, nhwc);
    w_desc = make_tensor(kUidW, dtype, g.k, g.c, g.r, g.s, nhwc);
    y_desc = make_tensor(kUidY, dtype, g.n, g.k, out_h, out_w, nhwc);
    conv_desc = make_convolution(g);

    const Dir order[3] = {Dir::forward, Dir::backward_data, Dir::backward_filter};
    const bool wanted[3] = {true, options.backward_data, options.backward_filter};
    for (int i = 0; i < 3; ++i) {
      Direction& d = dirs[i];
      d.dir = order[i];
      if (!wanted[i]) continue;
      d.op = make_operation(d.dir, x_desc, w_desc, y_desc, conv_desc, 0.0f);
      d.graph = make_graph(handle.h, {&d.op});
    }
    dirs[0].uids[0] = kUidX, dirs[0].uids[1] = kUidW, dirs[0].uids[2] = kUidY;
    dirs[1].uids[0] = kUidY, dirs[1].uids[1] = kUidW, dirs[1].uids[2] = kUidX;
    dirs[2].uids[0] = kUidX, dirs[2].uids[1] = kUidY, dirs[2].uids[2] = kUidW;

    const bool measure = options.search == ConvAlgoSearch::measure;
    measured = measure;
    // Without timing, a few configs in the heuristics' order, the first that
    // runs taken (probe).
    const int max_count = measure ? options.max_candidates : std::min(options.max_candidates, 3);
    std::vector<Candidate> lists[3];
    std::size_t scratch_workspace = 0;
    for (int i = 0; i < 3; ++i) {
      if (!wanted[i]) continue;
      lists[i] = build_candidates(dirs[i], max_count, options.workspace_limit_bytes);
      if (lists[i].empty())
        throw_cudnn_error(CUDNN_STATUS_NOT_SUPPORTED,
                          (std::string("cudnn engine heuristics: no engine config builds for ") +
                           dir_name(dirs[i].dir))
                              .c_str(),
                          __FILE__, __LINE__);
      dirs[i].candidates = int(lists[i].size());
      for (const Candidate& c : lists[i])
        scratch_workspace = std::max(scratch_workspace, c.workspace);
    }
    geometry = g;
    epilogue = options.epilogue;
    std::vector<Candidate> fused_list;
    if (epilogue) {
      if (options.max_fused_candidates <= 0)
        throw std::invalid_argument("CudnnGraphConv2d: max_fused_candidates must be > 0");
      fused_list = build_fused(nhwc, std::min(max_count, options.max_fused_candidates),
                               options.workspace_limit_bytes);
      fused.d.candidates = int(fused_list.size());
      for (const Candidate& c : fused_list)
        scratch_workspace = std::max(scratch_workspace, c.workspace);
    }
    {
      const Scratch scratch(*this, g, scratch_workspace);
      if (measure)
        autotune(scratch, lists, fused_list, options.timing_reps);
      else
        probe_all(scratch, lists, fused_list);
      for (int i = 0; i < 3; ++i) {
        if (!wanted[i]) continue;
        Candidate& best = fastest(lists[i]);
        if (best.ms < 0)
          throw_cudnn_error(
              CUDNN_STATUS_EXECUTION_FAILED,
              (std::string("cudnnBackendExecute: every engine failed for ") + dir_name(dirs[i].dir))
                  .c_str(),
              __FILE__, __LINE__);
        dirs[i].chosen = std::move(best);
      }
      choose_fused(scratch, fused_list, measure);
    }

    // Accumulating filter gradients: the same engine with beta = 1 where it
    // builds, else the heuristics' first.
    accumulate.dir = Dir::backward_filter;
    std::copy(std::begin(dirs[2].uids), std::end(dirs[2].uids), std::begin(accumulate.uids));
    if (options.backward_filter_accumulate) {
      accumulate.op = make_operation(Dir::backward_filter, x_desc, w_desc, y_desc, conv_desc, 1.0f);
      accumulate.graph = make_graph(handle.h, {&accumulate.op});
      std::vector<Candidate> acc;
      if (dirs[2].chosen.plan)
        acc = build_candidates(accumulate, 1, options.workspace_limit_bytes,
                               dirs[2].chosen.info.index);
      if (acc.empty()) acc = build_candidates(accumulate, 1, options.workspace_limit_bytes);
      if (acc.empty())
        throw_cudnn_error(CUDNN_STATUS_NOT_SUPPORTED,
                          "cudnn engine heuristics: no engine config builds for bwd_filter beta=1",
                          __FILE__, __LINE__);
      accumulate.chosen = std::move(acc.front());
      accumulate.candidates = 1;
    }

    std::size_t bytes = std::max(accumulate.chosen.workspace, fused.d.chosen.workspace);
    for (const Direction& d : dirs)
      bytes = std::max(bytes, d.chosen.workspace);
    external_workspace = options.external_workspace;
    if (!external_workspace) {
      workspace = DeviceMemory(bytes);
      workspace_ptr = workspace.ptr;
    }
    workspace_bytes = bytes;
  }

  // The fused forward's graph and up to max_count plans that build; none
  // (the plain pair then runs) when cuDNN refuses any part of it.
  std::vector<Candidate> build_fused(bool nhwc, int max_count, std::size_t limit) {
    const ConvEpilogue& e = *epilogue;
    const ConvGeometry& g = geometry;
    Fused& f = fused;
    const bool act = e.act != Activation::identity;
    if (!e.bias && !act) return {}; // nothing to fuse: the plain forward is it
    try {
      // conv -> conv_out [+ bias -> biased or y] [act -> y]; the last writes y.
      f.conv_out = make_tensor(kUidConvOut, CUDNN_DATA_FLOAT, g.n, g.k, out_h, out_w, nhwc, true);
      f.d.op = make_operation(Dir::forward, x_desc, w_desc, f.conv_out, conv_desc, 0.0f);
      std::vector<const Desc*> ops = {&f.d.op};
      const Desc* last = &f.conv_out;
      if (e.bias) {
        f.bias = make_tensor(kUidBias, CUDNN_DATA_FLOAT, 1, g.k, 1, 1, nhwc);
        const Desc* out = &y_desc;
        if (act) {
          f.biased = make_tensor(kUidBiased, CUDNN_DATA_FLOAT, g.n, g.k, out_h, out_w, nhwc, true);
          out = &f.biased;
        }
        f.add = make_pointwise(CUDNN_POINTWISE_ADD, f.conv_out, &f.bias, *out);
        ops.push_back(&f.add.op);
        last = out;
      }
      if (act) {
        const cudnnPointwiseMode_t mode = e.act == Activation::gelu_tanh
                                              ? CUDNN_POINTWISE_GELU_APPROX_TANH_FWD
                                              : CUDNN_POINTWISE_RELU_FWD;
        f.act = make_pointwise(mode, *last, nullptr, y_desc,
                               e.act == Activation::leaky_relu ? e.slope : 0.0f);
        ops.push_back(&f.act.op);
      }
      f.d.graph = make_graph(handle.h, ops);
      f.d.uids[0] = kUidX, f.d.uids[1] = kUidW, f.d.uids[2] = kUidBias, f.d.uids[3] = kUidY;
      f.d.uid_count = 4;
      if (!e.bias) f.d.uids[2] = kUidY, f.d.uid_count = 3;
      std::vector<Candidate> list = build_candidates(f.d, max_count, limit);
      if (list.empty()) f.refused = "no engine builds the fused graph";
      return list;
    } catch (const CudaError& err) {
      if (err.out_of_memory()) throw;
      f.refused = err.what();
      return {};
    }
  }

  // With measure, the fused plan is used only when it beats the plain
  // forward plus the epilogue kernel; with heuristic, whenever one passed
  // its trial run (probe). Either way only when its output agrees with the
  // plain pair's on random data (fused_error).
  void choose_fused(const Scratch& t, std::vector<Candidate>& list, bool measure) {
    if (list.empty()) return;
    Candidate& best = fastest(list);
    if (best.ms < 0) { // timed or probed: no plan ran
      fused.refused = "no fused plan ran";
      return;
    }
    if (measure) {
      if (dirs[0].chosen.ms < 0 || fused.epilogue_ms < 0) return;
      if (best.ms >= dirs[0].chosen.ms + fused.epilogue_ms) {
        fused.d.chosen.ms = best.ms; // reported, not used
        return;
      }
    }
    const double error = fused_error(t, best);
    if (!(error <= tolerance())) {
      char buf[160];
      if (std::isinf(error))
        std::snprintf(buf, sizeof buf, "fused plan eng%lld failed on random data",
                      (long long)best.info.index);
      else
        std::snprintf(buf, sizeof buf,
                      "fused plan eng%lld is off the plain forward by %.3g of the output's range",
                      (long long)best.info.index, error);
      fused.refused = buf;
      std::fprintf(stderr, "atelier: cuDNN %s; the epilogue runs unfused\n", buf);
      return;
    }
    fused.d.chosen = std::move(best);
    fused.use = true;
  }

  // Times the candidates of one graph on the given pointers; failed
  // executions keep ms < 0.
  void time_candidates(std::vector<Candidate>& list, const Direction& d, void* const* ptrs,
                       void* ws, int reps, const Event& start, const Event& stop) {
    for (Candidate& c : list) {
      if (execute(handle.h, c.plan, d.uids, ptrs, d.uid_count, ws) != CUDNN_STATUS_SUCCESS) {
        (void)cudaGetLastError(); // a failed launch must not fail the next check
        continue;
      }
      CUDA_CHECK(cudaEventRecord(start.e, nullptr));
      bool ok = true;
      for (int r = 0; r < reps && ok; ++r)
        ok = execute(handle.h, c.plan, d.uids, ptrs, d.uid_count, ws) == CUDNN_STATUS_SUCCESS;
      CUDA_CHECK(cudaEventRecord(stop.e, nullptr));
      CUDA_CHECK(cudaEventSynchronize(stop.e));
      float elapsed = 0.0f;
      CUDA_CHECK(cudaEventElapsedTime(&elapsed, start.e, stop.e));
      if (ok)
        c.ms = double(elapsed) / reps;
      else
        (void)cudaGetLastError();
    }
  }

  // The unfused epilogue's own time: bias_activation_forward in place on y.
  double time_epilogue(void* y, const float* bias, int reps, const Event& start,
                       const Event& stop) {
    const float* b = epilogue->bias ? bias : nullptr;
    auto launch = [&] { apply_epilogue(y, b, nullptr); };
    launch(); // warm-up
    CUDA_CHECK(cudaEventRecord(start.e, nullptr));
    for (int r = 0; r < reps; ++r)
      launch();
    CUDA_CHECK(cudaEventRecord(stop.e, nullptr));
    CUDA_CHECK(cudaEventSynchronize(stop.e));
    float elapsed = 0.0f;
    CUDA_CHECK(cudaEventElapsedTime(&elapsed, start.e, stop.e));
    return double(elapsed) / reps;
  }

  // Device tensors of the layer's sizes for trial runs, freed when it goes,
  // filled with values of a layer's scale (timings on zeros flatter tensor
  // cores, which draw less power on them). fill() refills them (seeded).
  struct Scratch {
    DeviceMemory x, w, y, ws, bias;
    std::size_t counts[4] = {}; // x, w, y, bias
    std::size_t fan_in = 1;     // c r s: the terms of one output
    Storage storage = Storage::f32;
    Scratch(const Impl& impl, const ConvGeometry& g, std::size_t workspace_size)
        : storage(impl.storage) {
      const std::size_t elem = storage_bytes(storage);
      counts[0] = std::size_t(g.n) * g.c * g.h * g.w;
      counts[1] = std::size_t(g.k) * g.c * g.r * g.s;
      counts[2] = std::size_t(g.n) * g.k * impl.out_h * impl.out_w;
      counts[3] = impl.epilogue ? std::size_t(g.k) : 0;
      fan_in = std::size_t(g.c) * g.r * g.s;
      DeviceMemory* tensors[] = {&x, &w, &y, &bias};
      for (int i = 0; i < 4; ++i)
        *tensors[i] = DeviceMemory(counts[i] * (i == 3 ? sizeof(float) : elem));
      ws = DeviceMemory(workspace_size);
      fill(1);
    }
    // x and y uniform in [-1, 1), w scaled so that a convolution's outputs
    // are about as large (variance 1 over c r s terms), bias in [-0.5, 0.5).
    void fill(std::uint32_t seed) const {
      const float w_scale = 3.0f / std::sqrt(float(fan_in));
      const float scales[3] = {1.0f, w_scale, 1.0f};
      void* const ptrs[3] = {x.ptr, w.ptr, y.ptr};
      for (int i = 0; i < 3; ++i)
        fill_uniform(storage, ptrs[i], counts[i], seed + i, scales[i], nullptr);
      fill_uniform(Storage::f32, bias.ptr, counts[3], seed + 3, 0.5f, nullptr);
      CUDA_CHECK(cudaDeviceSynchronize());
    }
    // The fused graph's variant pack (x, w, bias, y, or x, w, y without bias).
    std::array<void*, kMaxPack> fused_pack(bool with_bias) const {
      return {x.ptr, w.ptr, with_bias ? bias.ptr : y.ptr, y.ptr};
    }
    // Up to kSample values from each end of y, as floats.
    std::vector<float> y_sample() const {
      constexpr std::size_t kSample = std::size_t{1} << 20;
      const std::size_t n = counts[2], head = std::min(n, kSample),
                        tail = std::min(n - head, kSample);
      const std::size_t elem = storage_bytes(storage);
      std::vector<unsigned char> bytes((head + tail) * elem);
      const auto* base = static_cast<const unsigned char*>(y.ptr);
      CUDA_CHECK(cudaMemcpy(bytes.data(), base, head * elem, cudaMemcpyDeviceToHost));
      CUDA_CHECK(cudaMemcpy(bytes.data() + head * elem, base + (n - tail) * elem, tail * elem,
                            cudaMemcpyDeviceToHost));
      std::vector<float> out(head + tail);
      for (std::size_t i = 0; i < out.size(); ++i) {
        if (storage == Storage::f32) {
          std::memcpy(&out[i], bytes.data() + 4 * i, 4);
          continue;
        }
        const auto bits16 = std::uint16_t(bytes[2 * i] | (bytes[2 * i + 1] << 8));
        if (storage == Storage::f16) {
          __half_raw raw;
          raw.x = bits16;
          out[i] = __half2float(__half(raw));
        } else {
          const std::uint32_t bits = std::uint32_t(bits16) << 16;
          std::memcpy(&out[i], &bits, 4);
        }
      }
      return out;
    }
  };

  // Times every candidate on scratch tensors; failed executions keep ms < 0.
  void autotune(const Scratch& t, std::vector<Candidate> (&lists)[3],
                std::vector<Candidate>& fused_list, int reps) {
    CUDNN_CHECK(cudnnSetStream(handle.h, nullptr));
    Event start, stop;
    void* const ptrs[3][3] = {
        {t.x.ptr, t.w.ptr, t.y.ptr}, {t.y.ptr, t.w.ptr, t.x.ptr}, {t.x.ptr, t.y.ptr, t.w.ptr}};
    // Refilled before each graph: the passes before it wrote their outputs
    // (a filter gradient hundreds of times a weight) over its inputs.
    for (int i = 0; i < 3; ++i) {
      if (lists[i].empty()) continue;
      t.fill(1);
      time_candidates(lists[i], dirs[i], ptrs[i], t.ws.ptr, reps, start, stop);
    }
    if (epilogue) {
      t.fill(1);
      time_candidates(fused_list, fused.d, t.fused_pack(epilogue->bias).data(), t.ws.ptr, reps,
                      start, stop);
      t.fill(1);
      fused.epilogue_ms =
          time_epilogue(t.y.ptr, static_cast<const float*>(t.bias.ptr), reps, start, stop);
    }
    CUDA_CHECK(cudaDeviceSynchronize());
  }

  // Without timing: runs each graph's candidates once, in the heuristics'
  // order, until one succeeds (its ms set to 0; the others keep ms < 0), so
  // a plan that finalizes but cannot execute never reaches a training step.
  void probe(const Scratch& t, std::vector<Candidate>& list, const Direction& d,
             void* const* ptrs) {
    CUDNN_CHECK(cudnnSetStream(handle.h, nullptr));
    for (Candidate& c : list) {
      if (execute(handle.h, c.plan, d.uids, ptrs, d.uid_count, t.ws.ptr) != CUDNN_STATUS_SUCCESS ||
          cudaDeviceSynchronize() != cudaSuccess) {
        (void)cudaGetLastError();
        continue;
      }
      c.ms = 0.0;
      break;
    }
  }
  void probe_all(const Scratch& t, std::vector<Candidate> (&lists)[3],
                 std::vector<Candidate>& fused_list) {
    void* const ptrs[3][3] = {
        {t.x.ptr, t.w.ptr, t.y.ptr}, {t.y.ptr, t.w.ptr, t.x.ptr}, {t.x.ptr, t.y.ptr, t.w.ptr}};
    for (int i = 0; i < 3; ++i)
      probe(t, lists[i], dirs[i], ptrs[i]);
    if (!fused_list.empty()) probe(t, fused_list, fused.d, t.fused_pack(epilogue->bias).data());
  }

  // How far the fused plan's output is from the plain forward followed by
  // the epilogue kernel on the same random data, as a fraction of the
  // output's largest magnitude; tolerance() is what rounding allows.
  // A plan that fails to run here counts as infinitely far (refused: the
  // pair runs).
  double fused_error(const Scratch& t, const Candidate& c) {
    t.fill(7);
    CUDNN_CHECK(cudnnSetStream(handle.h, nullptr));
    const float* b = epilogue->bias ? static_cast<const float*>(t.bias.ptr) : nullptr;
    void* const plain[3] = {t.x.ptr, t.w.ptr, t.y.ptr};
    const auto ran = [](cudnnStatus_t status) {
      if (status == CUDNN_STATUS_SUCCESS && cudaDeviceSynchronize() == cudaSuccess) return true;
      (void)cudaGetLastError();
      return false;
    };
    if (!ran(execute(handle.h, dirs[0].chosen.plan, dirs[0].uids, plain, 3, t.ws.ptr)))
      return HUGE_VAL;
    apply_epilogue(t.y.ptr, b, nullptr);
    CUDA_CHECK(cudaDeviceSynchronize());
    const std::vector<float> want = t.y_sample();
    if (!ran(execute(handle.h, c.plan, fused.d.uids, t.fused_pack(epilogue->bias).data(),
                     fused.d.uid_count, t.ws.ptr)))
      return HUGE_VAL;
    const std::vector<float> got = t.y_sample();
    double largest = 0.0, worst = 0.0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      largest = std::max(largest, double(std::fabs(want[i])));
      const double d = std::fabs(double(got[i]) - double(want[i]));
      if (!(d <= worst)) worst = d; // NaN counts as the worst
    }
    return largest > 0.0 ? worst / largest : worst;
  }
  // bf16: the plain pair rounds twice (after the convolution and after the
  // epilogue) where the fused graph rounds once, 2^-8 each (f16: 2^-11);
  // tf32 engines may differ in their input rounding; f32 only in summation
  // order.
  double tolerance() const {
    switch (storage) {
    case Storage::bf16: return 2e-2;
    case Storage::f16: return 4e-3;
    default: return strict_f32 ? 1e-4 : 4e-3;
    }
  }

  std::string describe() const {
    std::string s;
    for (const Direction& d : dirs) {
      if (!d.chosen.plan) continue;
      if (!s.empty()) s += ", ";
      s += std::string(dir_name(d.dir)) + " eng" + std::to_string(d.chosen.info.index);
      const std::string notes = describe_notes(d.chosen.info);
      if (!notes.empty()) s += "[" + notes + "]";
      if (measured && d.chosen.ms >= 0) {
        char buf[64];
        std::snprintf(buf, sizeof buf, " %.3f ms of %d", d.chosen.ms, d.candidates);
        s += buf;
      }
    }
    if (accumulate.chosen.plan)
      s += ", bwd_filter+= eng" + std::to_string(accumulate.chosen.info.index);
    if (epilogue) {
      char buf[160];
      if (fused.use)
        std::snprintf(buf, sizeof buf, ", epilogue fused eng%lld",
                      (long long)fused.d.chosen.info.index);
      else
        std::snprintf(buf, sizeof buf, ", epilogue unfused (%d fused plans%s%s)",
                      fused.d.candidates, fused.refused.empty() ? "" : ": ",
                      fused.refused.substr(0, 80).c_str());
      s += buf;
      if (measured && fused.d.chosen.ms >= 0 && fused.epilogue_ms >= 0) {
        std::snprintf(buf, sizeof buf, " fused %.3f ms vs %.3f + %.3f ms", fused.d.chosen.ms,
                      dirs[0].chosen.ms, fused.epilogue_ms);
        s += buf;
      }
    }
    return s + ", workspace " + std::to_string(workspace_bytes) + " B";
  }

  // ptrs in the order of d.uids (d.uid_count of them).
  void run(const Direction& d, void* const* ptrs, gpu_stream stream) {
    if (!d.chosen.plan)
      throw std::logic_error(std::string("CudnnGraphConv2d: ") + dir_name(d.dir) +
                             (&d == &accumulate ? " with accumulate" : "") +
                             " was not built (CudnnGraphConvOptions)");
    for (int i = 0; i < d.uid_count; ++i)
      if (reinterpret_cast<std::uintptr_t>(ptrs[i]) % kAlignment != 0)
        throw std::invalid_argument("CudnnGraphConv2d: device pointers must be 16-byte aligned");
    if (external_workspace && workspace_bytes > 0 && !workspace_ptr)
      throw std::invalid_argument("CudnnGraphConv2d: bind_workspace before running");
    CUDNN_CHECK(cudnnSetStream(handle.h, stream));
    CUDNN_CHECK(execute(handle.h, d.chosen.plan, d.uids, ptrs, d.uid_count, workspace_ptr));
  }
  void run(const Direction& d, const void* a, const void* b, void* out, gpu_stream stream) {
    void* const ptrs[3] = {const_cast<void*>(a), const_cast<void*>(b), out};
    run(d, ptrs, stream);
  }

  void forward_epilogue(const void* x, const void* w, const float* bias, void* y,
                        gpu_stream stream) {
    if (!epilogue)
      throw std::logic_error("CudnnGraphConv2d: forward_epilogue needs CudnnGraphConvOptions::"
                             "epilogue");
    const ConvEpilogue& e = *epilogue;
    if (e.bias != (bias != nullptr))
      throw std::invalid_argument(e.bias ? "CudnnGraphConv2d: the epilogue adds a bias: pass one"
                                         : "CudnnGraphConv2d: the epilogue has no bias");
    if (fused.use) {
      void* b = const_cast<float*>(bias);
      void* const with_bias[kMaxPack] = {const_cast<void*>(x), const_cast<void*>(w), b, y};
      void* const without[kMaxPack] = {const_cast<void*>(x), const_cast<void*>(w), y, nullptr};
      run(fused.d, e.bias ? with_bias : without, stream);
      return;
    }
    run(dirs[0], x, w, y, stream);
    apply_epilogue(y, bias, stream);
  }

  // The unfused epilogue: bias_activation_forward in place on y.
  void apply_epilogue(void* y, const float* bias, gpu_stream stream) const {
    const ConvEpilogue& e = *epilogue;
    const std::size_t pixels = std::size_t(geometry.n) * out_h * out_w;
    bias_activation_forward(storage, y, bias, y, pixels, geometry.k, e.act, e.slope, stream);
  }
};

CudnnGraphConv2d::CudnnGraphConv2d(const ConvGeometry& geometry, ConvDataType type,
                                   ConvLayout layout, const CudnnGraphConvOptions& options)
    : impl_(std::make_unique<Impl>()) {
  // init runs after impl_ owns the Impl, so a throw frees what was created.
  impl_->init(geometry, type, layout, options);
}

CudnnGraphConv2d::~CudnnGraphConv2d() = default;
CudnnGraphConv2d::CudnnGraphConv2d(CudnnGraphConv2d&&) noexcept = default;
CudnnGraphConv2d& CudnnGraphConv2d::operator=(CudnnGraphConv2d&&) noexcept = default;

int CudnnGraphConv2d::out_h() const {
  return impl_->out_h;
}
int CudnnGraphConv2d::out_w() const {
  return impl_->out_w;
}
std::size_t CudnnGraphConv2d::workspace_bytes() const {
  return impl_->workspace_bytes;
}
std::string CudnnGraphConv2d::algorithms() const {
  return impl_->describe();
}

void CudnnGraphConv2d::bind_workspace(void* workspace) {
  if (!impl_->external_workspace)
    throw std::invalid_argument("CudnnGraphConv2d: built without external_workspace");
  impl_->workspace_ptr = workspace;
}

void CudnnGraphConv2d::forward(const void* x, const void* w, void* y, gpu_stream stream) {
  impl_->run(impl_->dirs[0], x, w, y, stream);
}

void CudnnGraphConv2d::forward_epilogue(const void* x, const void* w, const float* bias, void* y,
                                        gpu_stream stream) {
  impl_->forward_epilogue(x, w, bias, y, stream);
}

bool CudnnGraphConv2d::has_epilogue() const {
  return impl_->epilogue.has_value();
}

bool CudnnGraphConv2d::epilogue_fused() const {
  return impl_->fused.use;
}

void CudnnGraphConv2d::backward_data(const void* dy, const void* w, void* dx, gpu_stream stream) {
  impl_->run(impl_->dirs[1], dy, w, dx, stream);
}

void CudnnGraphConv2d::backward_filter(const void* x, const void* dy, void* dw, gpu_stream stream,
                                       bool accumulate) {
  impl_->run(accumulate ? impl_->accumulate : impl_->dirs[2], x, dy, dw, stream);
}

} // namespace atelier::kernels
