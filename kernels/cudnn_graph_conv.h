// 2D convolution on the GPU through cuDNN's backend graph API (the v8+
// engines PyTorch uses), with the same interface shape as CudnnConv2d. At
// construction it builds one operation graph per direction, asks the
// heuristics for engine configurations and, with measure, times the first
// few that build (like torch.backends.cudnn.benchmark), keeping the fastest
// plan; a training step then allocates nothing. No CUDA or cuDNN types here;
// cudnn.h is included by cudnn_graph_conv.cpp only.
#pragma once

#include "kernels/bias_activation.h"
#include "kernels/cudnn_conv.h"
#include "kernels/gpu_stream.h"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace atelier::kernels {

// The epilogue forward_epilogue applies: y = act(conv(x, w) + bias[k]), the
// bias f32 whatever the data type (as bias_activation_forward_*).
struct ConvEpilogue {
  bool bias = true;
  Activation act = Activation::identity;
  float slope = 0.0f; // leaky_relu only
};

struct CudnnGraphConvOptions {
  // heuristic: the first engine config (heuristics mode A, then the
  // fallback list) that builds and runs once on scratch buffers (up to 3 are
  // tried). measure: time up to max_candidates of them on scratch buffers
  // filled with random values of a layer's scale.
  ConvAlgoSearch search = ConvAlgoSearch::measure;
  // Engine configs needing more workspace than this are passed over.
  std::size_t workspace_limit_bytes = std::size_t{256} << 20;
  // torch.backends.cudnn.benchmark_limit's default.
  int max_candidates = 10;
  int timing_reps = 3;
  // The caller provides the workspace (bind_workspace) instead of the object
  // allocating its own: an engine shares one buffer across all layers.
  bool external_workspace = false;
  // The passes besides forward to build (and autotune): inference needs
  // none, a first layer no data gradient. Calling one not built throws
  // std::logic_error; the workspace covers only those built.
  bool backward_data = true;
  bool backward_filter = true;
  bool backward_filter_accumulate = true; // backward_filter with accumulate
  // With an epilogue, forward_epilogue runs it fused into the convolution:
  // one operation graph (convolution, bias add, activation, the
  // intermediates virtual and f32) on cuDNN's runtime fusion engines, so the
  // output is written once, rounded once. It falls back to the plain forward
  // followed by bias_activation_forward_* when no engine builds the fused
  // graph, with measure when that pair is faster, and when the fused plan's
  // output on random data is further from the pair's than rounding allows
  // (a message on stderr then; algorithms() says why).
  // NHWC only (std::invalid_argument otherwise).
  std::optional<ConvEpilogue> epilogue;
  // Only engines cuDNN does not mark nondeterministic (no atomics in the
  // backward passes). With heuristic search the choice itself is then
  // repeatable too: the same bits on the same GPU, cuDNN and shapes.
  bool deterministic = false;
  // At most this many fused engine configs are built and timed (runtime
  // fusion engines compile a kernel as their plan is finalized).
  int max_fused_candidates = 4;
};

class CudnnGraphConv2d {
public:
  // Throws CudaError on any CUDA or cuDNN failure (also without a device, or
  // when no engine can run a direction) and std::invalid_argument for
  // non-positive sizes.
  CudnnGraphConv2d(const ConvGeometry& geometry, ConvDataType type, ConvLayout layout,
                   const CudnnGraphConvOptions& options = {});
  ~CudnnGraphConv2d();
  CudnnGraphConv2d(CudnnGraphConv2d&&) noexcept;
  CudnnGraphConv2d& operator=(CudnnGraphConv2d&&) noexcept;
  CudnnGraphConv2d(const CudnnGraphConv2d&) = delete;
  CudnnGraphConv2d& operator=(const CudnnGraphConv2d&) = delete;

  int out_h() const;
  int out_w() const;
  std::size_t workspace_bytes() const;
  // The chosen engines, e.g. "fwd eng12 [tc] 1.234 ms, bwd_data ...", for
  // logs and benchmarks.
  std::string algorithms() const;
  // With external_workspace: the device buffer (at least workspace_bytes())
  // the three calls use from now on.
  void bind_workspace(void* workspace);

  // Device pointers of the data type and layout given at construction,
  // 16-byte aligned (std::invalid_argument otherwise; cudaMalloc's are). All
  // asynchronous on stream; the workspace is shared by the three calls, so
  // calls on different streams must not overlap.
  void forward(const void* x, const void* w, void* y, gpu_stream stream);
  void backward_data(const void* dy, const void* w, void* dx, gpu_stream stream);
  void backward_filter(const void* x, const void* dy, void* dw, gpu_stream stream,
                       bool accumulate = false);
  // y = act(conv(x, w) + bias) with the options' epilogue (std::logic_error
  // without one); bias: k f32 values on the device, 16-byte aligned, or
  // nullptr when the epilogue has no bias (std::invalid_argument otherwise).
  void forward_epilogue(const void* x, const void* w, const float* bias, void* y,
                        gpu_stream stream);
  // Whether it was built with an epilogue, and whether forward_epilogue runs
  // it as one fused cuDNN graph.
  bool has_epilogue() const;
  bool epilogue_fused() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace atelier::kernels
